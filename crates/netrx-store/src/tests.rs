//! Unit tests of the store on real SQLite files in a temporary directory.

use super::*;
use crate::cases::{Filter, Index, Write};

struct TempDir(PathBuf);
impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "netrx-store-{tag}-{}-{}",
            std::process::id(),
            time::now_millis()
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn body(id: &str, n: i64) -> String {
    format!(r#"{{"id":"{id}","n":{n}}}"#)
}

#[test]
fn revisions_are_consecutive_and_immutable() {
    let d = TempDir::new("rev");
    let conn = open_and_migrate(&d.0.join("t.db")).unwrap();
    let ix = Index::default();
    assert_eq!(
        cases::create(&conn, "a", &body("a", 1), &ix, "u").unwrap(),
        Write::Stored(1)
    );
    assert_eq!(
        cases::create(&conn, "a", &body("a", 1), &ix, "u").unwrap(),
        Write::Exists(1, false)
    );
    assert_eq!(
        cases::update(&conn, "a", &[2], &body("a", 2), &ix, "u").unwrap(),
        Write::Stale(1)
    );
    assert_eq!(
        cases::update(&conn, "a", &[1], &body("a", 2), &ix, "u").unwrap(),
        Write::Stored(2)
    );
    assert_eq!(
        cases::update(&conn, "b", &[1], &body("b", 2), &ix, "u").unwrap(),
        Write::NotFound
    );
    assert_eq!(cases::delete(&conn, "a", &[2], "u").unwrap(), Write::Stored(3));
    assert_eq!(
        cases::update(&conn, "a", &[3], &body("a", 4), &ix, "u").unwrap(),
        Write::Gone(3)
    );
    // History is still readable.
    assert_eq!(
        cases::revision(&conn, "a", 1).unwrap().unwrap().body.unwrap(),
        body("a", 1)
    );
    assert!(cases::revision(&conn, "a", 3).unwrap().unwrap().deleted);
    // The triggers refuse to rewrite or remove history, and to skip a number.
    assert!(
        conn.execute("UPDATE case_revisions SET body = 'x' WHERE case_id = 'a'", [])
            .is_err()
    );
    assert!(conn.execute("DELETE FROM case_revisions", []).is_err());
    assert!(conn.execute("DELETE FROM cases", []).is_err());
    assert!(
        conn.execute(
            "INSERT INTO case_revisions (case_id, revision, created_at, user, deleted, body, body_sha256) \
             VALUES ('z', 2, 't', 'u', 0, '{}', 'x')",
            []
        )
        .is_err()
    );
    assert_eq!(integrity::check(&conn).unwrap(), Vec::<String>::new());
    let listed = cases::list(
        &conn,
        &Filter {
            limit: 10,
            ..Filter::default()
        },
    )
    .unwrap();
    assert!(listed.is_empty(), "a deleted case leaves the list");
}

#[test]
fn audit_is_append_only() {
    let d = TempDir::new("audit");
    let conn = open_and_migrate(&d.0.join("t.db")).unwrap();
    audit::append(
        &conn,
        &audit::Entry::new(Some("u"), "case.read", "ok").case(Some("a"), Some(1)),
    )
    .unwrap();
    assert!(conn.execute("UPDATE audit SET outcome = 'x'", []).is_err());
    assert!(conn.execute("DELETE FROM audit", []).is_err());
    let rows = audit::query(&conn, &audit::Query::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].case_id.as_deref(), Some("a"));
}

#[test]
fn integrity_check_detects_tampering() {
    let d = TempDir::new("tamper");
    let conn = open_and_migrate(&d.0.join("t.db")).unwrap();
    cases::create(&conn, "a", &body("a", 1), &Index::default(), "u").unwrap();
    // Bypass the triggers the way a corrupting bug or a hand edit would.
    conn.execute_batch(
        "DROP TRIGGER case_revisions_no_update; UPDATE case_revisions SET body = '{\"id\":\"a\",\"n\":9}';",
    )
    .unwrap();
    let p = integrity::check(&conn).unwrap();
    assert!(p.iter().any(|m| m.contains("SHA-256")), "{p:?}");
}

#[test]
fn group_commit_answers_every_job_after_commit() {
    let d = TempDir::new("group");
    let path = d.0.join("t.db");
    let store = std::sync::Arc::new(Store::open(&path).unwrap());
    let mut threads = Vec::new();
    for t in 0..8 {
        let s = store.clone();
        threads.push(std::thread::spawn(move || {
            for i in 0..25 {
                let id = format!("c{t}-{i}");
                let b = body(&id, i);
                let r = s
                    .write_blocking(move |c| cases::create(c, &id, &b, &Index::default(), "u"))
                    .unwrap();
                assert_eq!(r, Write::Stored(1));
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    // A job that fails is rolled back alone.
    let err = store.write_blocking(|c| {
        cases::create(c, "partial", &body("partial", 0), &Index::default(), "u")?;
        c.execute("INSERT INTO nonexistent VALUES (1)", [])
    });
    assert!(err.is_err());
    let n = store.read(cases::count).unwrap();
    assert_eq!(n, (200, 200));
    let conn = connect(&path).unwrap();
    assert_eq!(integrity::check(&conn).unwrap(), Vec::<String>::new());
}

#[test]
fn passwords_and_tokens() {
    let h = auth::hash_password("correct horse").unwrap();
    assert!(h.starts_with("$argon2id$"));
    assert!(auth::verify_password("correct horse", Some(&h)));
    assert!(!auth::verify_password("wrong horse", Some(&h)));
    assert!(!auth::verify_password("correct horse", None));
    let d = TempDir::new("users");
    let conn = open_and_migrate(&d.0.join("t.db")).unwrap();
    let u = users::add(&conn, "Ann", users::Role::Clinician, &h).unwrap().unwrap();
    assert!(
        users::add(&conn, "ann", users::Role::Admin, &h).unwrap().is_none(),
        "names are case-insensitive"
    );
    let t = users::create_token(&conn, &u).unwrap();
    assert!(t.starts_with("nrx_") && t.len() == 68);
    assert_eq!(users::by_token(&conn, &t).unwrap().unwrap().username, "Ann");
    let stored: String = conn
        .query_row("SELECT token_hash FROM api_tokens", [], |r| r.get(0))
        .unwrap();
    assert_ne!(stored, t, "tokens are stored hashed");
    assert_eq!(users::revoke_tokens(&conn, &u, None).unwrap(), 1);
    assert!(users::by_token(&conn, &t).unwrap().is_none());
}

#[test]
fn backup_and_restore_round_trip() {
    let d = TempDir::new("backup");
    let src = d.0.join("a.db");
    let conn = open_and_migrate(&src).unwrap();
    cases::create(&conn, "a", &body("a", 1), &Index::default(), "u").unwrap();
    let out = d.0.join("b.db");
    assert_eq!(backup::backup(&src, &out).unwrap(), (1, 1));
    assert!(backup::backup(&src, &out).is_err(), "never overwrites");
    cases::update(&conn, "a", &[1], &body("a", 2), &Index::default(), "u").unwrap();
    drop(conn);
    assert!(
        backup::restore(&out, &src, false).is_err(),
        "refuses to replace without --force"
    );
    let kept = backup::restore(&out, &src, true).unwrap().unwrap();
    let conn = connect(&src).unwrap();
    assert_eq!(cases::head(&conn, "a").unwrap().unwrap().revision, 1);
    let old = connect(&kept).unwrap();
    assert_eq!(
        cases::head(&old, "a").unwrap().unwrap().revision,
        2,
        "the replaced database was kept"
    );
}
