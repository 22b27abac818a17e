//! `netrx serve --demo`: the bundled example cases (every `examples/*.json`,
//! embedded at build time) and a first-run demo account.

use crate::AppState;
use netrx_store::audit::Entry;
use netrx_store::users::{self, Role};
use netrx_store::{auth, cases};

include!(concat!(env!("OUT_DIR"), "/demo_cases.rs"));

/// Name of the demo account (role: clinician).
pub const DEMO_USER: &str = "demo";

/// What `seed` did.
#[derive(Debug, Default)]
pub struct Seeded {
    /// Example cases added now.
    pub added: Vec<String>,
    /// Example cases that were already stored.
    pub present: Vec<String>,
    /// Example files that are not valid case files (with the reason).
    pub skipped: Vec<(String, String)>,
    /// The demo account's password, when the account was created now.
    pub new_password: Option<String>,
}

/// Store every example case that is not stored yet, and create the `demo`
/// clinician account if absent, with `password` or a random one (returned once).
pub fn seed(state: &AppState, password: Option<String>) -> Result<Seeded, String> {
    let mut out = Seeded::default();
    for (file, text) in DEMO_FILES {
        let case = match netrx_clinical::load_case(text, state.kb) {
            Ok(c) => c,
            Err(e) => {
                out.skipped.push((file.to_string(), e.to_string()));
                continue;
            }
        };
        let body = serde_json::to_string(&case).map_err(|e| e.to_string())?;
        let ix = crate::api::cases::index_of(&case, state.kb);
        let id = case.id.clone();
        let r = state
            .store
            .write_blocking(move |c| {
                let w = cases::create(c, &id, &body, &ix, "demo-seed")?;
                if let cases::Write::Stored(rev) = w {
                    netrx_store::audit::append(
                        c,
                        &Entry::new(Some("demo-seed"), "case.create", "ok")
                            .case(Some(&id), Some(rev))
                            .remote(Some("local")),
                    )?;
                }
                Ok(w)
            })
            .map_err(|e| e.to_string())?;
        match r {
            cases::Write::Stored(_) => out.added.push(case.id),
            _ => out.present.push(case.id),
        }
    }
    let exists = state
        .store
        .read(|c| users::find(c, DEMO_USER))
        .map_err(|e| e.to_string())?
        .is_some();
    if !exists {
        let pw = match password {
            Some(p) => {
                auth::check_password(&p).map_err(|m| format!("NETRX_DEMO_PASSWORD: {m}"))?;
                p
            }
            None => auth::random_hex(12).map_err(|e| e.to_string())?,
        };
        let hash = auth::hash_password(&pw).map_err(|e| e.to_string())?;
        state
            .store
            .write_blocking(move |c| {
                users::add(c, DEMO_USER, Role::Clinician, &hash)?;
                netrx_store::audit::append(
                    c,
                    &Entry::new(Some("demo-seed"), "user.add", "ok")
                        .remote(Some("local"))
                        .detail(format!("{DEMO_USER} role=clinician")),
                )
            })
            .map_err(|e| e.to_string())?;
        out.new_password = Some(pw);
    }
    Ok(out)
}
