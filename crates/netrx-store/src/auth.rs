//! Credentials: argon2id password hashes, random bearer tokens and session ids
//! (stored only as SHA-256), and the username and password rules.

use crate::{Result, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// Prefix of bearer API tokens (makes them recognisable in logs and secret scanners).
pub const TOKEN_PREFIX: &str = "nrx_";

/// Shortest password accepted.
pub const PASSWORD_MIN_LEN: usize = 8;
/// Longest password accepted (bounds the hashing work an attacker can ask for).
pub const PASSWORD_MAX_LEN: usize = 1024;
/// Longest username.
pub const USERNAME_MAX_LEN: usize = 64;

/// `n` random bytes from the operating system, as lowercase hex.
pub fn random_hex(n: usize) -> Result<String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| StoreError::Io(format!("no randomness from the OS: {e}")))?;
    Ok(hex(&buf))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of a string, as hex.
pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// A new bearer token (`nrx_` + 64 hex digits = 256 random bits).
pub fn new_token() -> Result<String> {
    Ok(format!("{TOKEN_PREFIX}{}", random_hex(32)?))
}

/// Compare two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hasher() -> Argon2<'static> {
    // OWASP's first recommended argon2id setting: m = 19 MiB, t = 2, p = 1 (the argon2 crate's default).
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Check a new password against the length rule; `Err` is the message.
pub fn check_password(pw: &str) -> std::result::Result<(), String> {
    let n = pw.chars().count();
    if n < PASSWORD_MIN_LEN || pw.len() > PASSWORD_MAX_LEN {
        return Err(format!(
            "got a password of {n} characters; allowed: {PASSWORD_MIN_LEN} to {PASSWORD_MAX_LEN} characters"
        ));
    }
    Ok(())
}

/// Check a username: letters, digits, '.', '_', '-' and '@', 1–64 characters; `Err` is the message.
pub fn check_username(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= USERNAME_MAX_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if ok {
        Ok(())
    } else {
        let shown: String = name.chars().take(80).collect();
        Err(format!(
            "got {shown:?}; allowed: 1 to {USERNAME_MAX_LEN} letters, digits, '.', '_', '-' or '@'"
        ))
    }
}

/// The argon2id PHC string of a password.
pub fn hash_password(pw: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| StoreError::Io(format!("no randomness from the OS: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Io(format!("salt: {e}")))?;
    hasher()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Io(format!("hashing the password: {e}")))
}

/// A fixed hash to verify against when the user does not exist, so that an
/// unknown username costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password, only spends the time").unwrap_or_default())
}

/// Whether `pw` matches the PHC string `hash` (`None`: the user does not exist; the
/// same work is done).
pub fn verify_password(pw: &str, hash: Option<&str>) -> bool {
    let h = hash.unwrap_or_else(|| dummy_hash());
    let ok = match PasswordHash::new(h) {
        Ok(parsed) => hasher().verify_password(pw.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    };
    ok && hash.is_some()
}
