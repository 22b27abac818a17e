//! The CDS Hooks service's storage: registered clients (their JWT public keys),
//! JWT ids seen (replay protection), the cards issued and the feedback on them,
//! and the lookup of a stored case by MRN.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// A registered CDS client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    /// The JWT issuer (`iss`) the client signs with.
    pub iss: String,
    /// Its public keys, a JWK Set (JSON).
    #[serde(skip)]
    pub jwks: String,
    /// When it was registered (RFC 3339 UTC).
    pub created_at: String,
    /// When it was disabled, if it was.
    pub disabled_at: Option<String>,
}

/// Register a client, or replace the keys of a registered one (and enable it).
/// Returns true when the issuer was new.
pub fn add_client(conn: &Connection, iss: &str, jwks: &str) -> rusqlite::Result<bool> {
    let now = crate::time::now();
    let existed = client(conn, iss)?.is_some();
    conn.execute(
        "INSERT INTO cds_clients (iss, jwks, created_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (iss) DO UPDATE SET jwks = excluded.jwks, disabled_at = NULL",
        params![iss, jwks, now],
    )?;
    Ok(!existed)
}

/// Disable a client (its JWTs are refused from then on). False if unknown.
pub fn disable_client(conn: &Connection, iss: &str) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE cds_clients SET disabled_at = ?2 WHERE iss = ?1 AND disabled_at IS NULL",
        params![iss, crate::time::now()],
    )?;
    Ok(n > 0)
}

/// A client by issuer (also a disabled one).
pub fn client(conn: &Connection, iss: &str) -> rusqlite::Result<Option<Client>> {
    conn.prepare_cached("SELECT iss, jwks, created_at, disabled_at FROM cds_clients WHERE iss = ?1")?
        .query_row([iss], |r| {
            Ok(Client {
                iss: r.get(0)?,
                jwks: r.get(1)?,
                created_at: r.get(2)?,
                disabled_at: r.get(3)?,
            })
        })
        .optional()
}

/// Every client, by issuer.
pub fn clients(conn: &Connection) -> rusqlite::Result<Vec<Client>> {
    let mut st = conn.prepare("SELECT iss, jwks, created_at, disabled_at FROM cds_clients ORDER BY iss")?;
    let rows = st.query_map([], |r| {
        Ok(Client {
            iss: r.get(0)?,
            jwks: r.get(1)?,
            created_at: r.get(2)?,
            disabled_at: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// Record a JWT id; false if it was seen before (a replay). Expired ids are forgotten.
pub fn use_jti(conn: &Connection, iss: &str, jti: &str, exp: i64, now: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("DELETE FROM cds_jti WHERE exp < ?1")?
        .execute([now])?;
    let n = conn
        .prepare_cached("INSERT OR IGNORE INTO cds_jti (iss, jti, exp) VALUES (?1, ?2, ?3)")?
        .execute(params![iss, jti, exp])?;
    Ok(n == 1)
}

/// A card as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCard {
    pub uuid: String,
    pub service: String,
    pub hook_instance: String,
    /// What the card is about (`summary`, `interaction:<medication id>`, …).
    pub kind: String,
    pub indicator: String,
    pub summary: String,
    /// The stored case it links to, if any.
    pub case_id: Option<String>,
    /// Who asked (`user:<name>` or `cds:<iss>`).
    pub client: String,
}

/// Record issued cards.
pub fn record_cards(conn: &Connection, cards: &[IssuedCard]) -> rusqlite::Result<()> {
    let now = crate::time::now();
    let mut st = conn.prepare_cached(
        "INSERT INTO cds_cards (uuid, service, hook_instance, kind, indicator, summary, case_id, client, issued_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for c in cards {
        st.execute(params![
            c.uuid,
            c.service,
            c.hook_instance,
            c.kind,
            c.indicator,
            c.summary,
            c.case_id,
            c.client,
            now
        ])?;
    }
    Ok(())
}

/// One feedback item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub card_uuid: String,
    /// `accepted` or `overridden`.
    pub outcome: String,
    /// JSON of acceptedSuggestions, if any.
    pub accepted_suggestions: Option<String>,
    /// JSON of overrideReason, if any.
    pub override_reason: Option<String>,
    pub outcome_timestamp: String,
    pub client: String,
}

/// The card a feedback item is about: (service, kind, case id), if it was issued by this service.
pub fn card(conn: &Connection, uuid: &str, service: &str) -> rusqlite::Result<Option<(String, Option<String>)>> {
    conn.prepare_cached("SELECT kind, case_id FROM cds_cards WHERE uuid = ?1 AND service = ?2")?
        .query_row(params![uuid, service], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Record feedback items (the cards must exist).
pub fn record_feedback(conn: &Connection, items: &[Feedback]) -> rusqlite::Result<()> {
    let now = crate::time::now();
    let mut st = conn.prepare_cached(
        "INSERT INTO cds_feedback (card_uuid, outcome, accepted_suggestions, override_reason, outcome_timestamp, client, received_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for f in items {
        st.execute(params![
            f.card_uuid,
            f.outcome,
            f.accepted_suggestions,
            f.override_reason,
            f.outcome_timestamp,
            f.client,
            now
        ])?;
    }
    Ok(())
}

/// Feedback counts per card kind: (kind, issued, accepted, overridden) — the override rate CMIOs watch.
pub fn feedback_summary(conn: &Connection) -> rusqlite::Result<Vec<(String, i64, i64, i64)>> {
    let mut st = conn.prepare(
        "SELECT c.kind, COUNT(DISTINCT c.uuid), \
                COALESCE(SUM(f.outcome = 'accepted'), 0), COALESCE(SUM(f.outcome = 'overridden'), 0) \
         FROM cds_cards c LEFT JOIN cds_feedback f ON f.card_uuid = c.uuid GROUP BY c.kind ORDER BY c.kind",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    rows.collect()
}

/// The live (not deleted) cases whose latest revision has this MRN, by id.
pub fn cases_by_mrn(conn: &Connection, mrn: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare_cached(
        "SELECT c.id FROM case_revisions r JOIN cases c ON c.id = r.case_id AND c.revision = r.revision \
         WHERE r.body IS NOT NULL AND json_extract(r.body, '$.patient.mrn') = ?1 AND c.deleted = 0 ORDER BY c.id",
    )?;
    let rows = st.query_map([mrn], |r| r.get(0))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{self, Index};

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut c).unwrap();
        c
    }

    #[test]
    fn cases_are_found_by_the_mrn_of_their_latest_live_revision() {
        let c = db();
        let body = |mrn: &str| format!(r#"{{"id":"x","patient":{{"mrn":"{mrn}"}}}}"#);
        cases::create(&c, "a", &body("M1"), &Index::default(), "u").unwrap();
        cases::create(&c, "b", &body("M2"), &Index::default(), "u").unwrap();
        cases::update(&c, "b", &[1], &body("M1"), &Index::default(), "u").unwrap();
        cases::create(&c, "z", &body("M1"), &Index::default(), "u").unwrap();
        cases::delete(&c, "z", &[1], "u").unwrap();
        assert_eq!(cases_by_mrn(&c, "M1").unwrap(), vec!["a".to_string(), "b".to_string()]);
        assert!(
            cases_by_mrn(&c, "M2").unwrap().is_empty(),
            "b's latest revision has another MRN"
        );
        let plan: String = c
            .query_row(
                "EXPLAIN QUERY PLAN SELECT 1 FROM case_revisions WHERE json_extract(body, '$.patient.mrn') = 'M1' AND body IS NOT NULL",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("case_revisions_mrn"), "{plan}");
    }

    #[test]
    fn a_jwt_id_is_accepted_once_until_it_expires() {
        let c = db();
        assert!(use_jti(&c, "iss", "j1", 100, 50).unwrap());
        assert!(!use_jti(&c, "iss", "j1", 100, 60).unwrap(), "replay refused");
        assert!(use_jti(&c, "other", "j1", 100, 60).unwrap(), "per issuer");
        assert!(use_jti(&c, "iss", "j1", 300, 200).unwrap(), "forgotten after expiry");
    }

    #[test]
    fn cards_and_feedback_are_append_only_and_counted() {
        let c = db();
        let card = IssuedCard {
            uuid: "u1".into(),
            service: "s".into(),
            hook_instance: "h".into(),
            kind: "summary".into(),
            indicator: "info".into(),
            summary: "x".into(),
            case_id: None,
            client: "user:ann".into(),
        };
        record_cards(&c, std::slice::from_ref(&card)).unwrap();
        assert_eq!(card_kind(&c), Some(("summary".to_string(), None)));
        let fb = Feedback {
            card_uuid: "u1".into(),
            outcome: "overridden".into(),
            accepted_suggestions: None,
            override_reason: Some("{}".into()),
            outcome_timestamp: "2026-01-01T00:00:00Z".into(),
            client: "user:ann".into(),
        };
        record_feedback(&c, std::slice::from_ref(&fb)).unwrap();
        assert_eq!(feedback_summary(&c).unwrap(), vec![("summary".to_string(), 1, 0, 1)]);
        assert!(c.execute("DELETE FROM cds_feedback", []).is_err());
        assert!(c.execute("UPDATE cds_cards SET summary = 'y'", []).is_err());
        let bad = Feedback {
            card_uuid: "nope".into(),
            ..fb
        };
        c.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        assert!(record_feedback(&c, &[bad]).is_err(), "feedback only on issued cards");
    }

    fn card_kind(c: &Connection) -> Option<(String, Option<String>)> {
        card(c, "u1", "s").unwrap()
    }

    #[test]
    fn clients_are_registered_replaced_and_disabled() {
        let c = db();
        assert!(add_client(&c, "https://ehr", "{\"keys\":[]}").unwrap());
        assert!(!add_client(&c, "https://ehr", "{\"keys\":[1]}").unwrap());
        assert_eq!(client(&c, "https://ehr").unwrap().unwrap().jwks, "{\"keys\":[1]}");
        assert!(disable_client(&c, "https://ehr").unwrap());
        assert!(client(&c, "https://ehr").unwrap().unwrap().disabled_at.is_some());
        assert!(!disable_client(&c, "https://unknown").unwrap());
        assert_eq!(clients(&c).unwrap().len(), 1);
    }
}
