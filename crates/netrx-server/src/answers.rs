//! A small memo of capability answers on stored cases.
//!
//! A capability is a pure function of the case, the knowledge base and the
//! options (the computation crates do no I/O, not even the clock), a stored
//! revision never changes, and the knowledge base is fixed for the life of the
//! process. So the answer for (case, revision, view, capability, options) can be
//! kept and served again byte for byte; nothing ever needs invalidating. Reads
//! are still authorised and audited one by one — only the computation is saved.
//! Bounded: the least recently used answer is dropped beyond [`CAPACITY`].

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// Answers kept.
pub const CAPACITY: usize = 256;

/// What an answer depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Case id.
    pub case_id: String,
    /// Revision.
    pub revision: i64,
    /// De-identified view (researchers).
    pub deidentified: bool,
    /// Capability id.
    pub capability: &'static str,
    /// The query parameters that map to options, sorted.
    pub options: Vec<(String, String)>,
}

/// Answers with the tick of their last use, and the clock.
type Memo = (HashMap<Key, (Bytes, u64)>, u64);

/// The memo.
#[derive(Default)]
pub struct Answers {
    inner: Mutex<Memo>,
}

impl Answers {
    /// A kept answer.
    pub fn get(&self, k: &Key) -> Option<Bytes> {
        let mut g = self.inner.lock().ok()?;
        g.1 += 1;
        let tick = g.1;
        let e = g.0.get_mut(k)?;
        e.1 = tick;
        Some(e.0.clone())
    }

    /// Keep an answer.
    pub fn put(&self, k: Key, v: Bytes) {
        let Ok(mut g) = self.inner.lock() else { return };
        g.1 += 1;
        let tick = g.1;
        if g.0.len() >= CAPACITY
            && !g.0.contains_key(&k)
            && let Some(old) = g.0.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| k.clone())
        {
            g.0.remove(&old);
        }
        g.0.insert(k, (v, tick));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: i64) -> Key {
        Key {
            case_id: "c".into(),
            revision: i,
            deidentified: false,
            capability: "grade",
            options: vec![],
        }
    }

    #[test]
    fn keeps_the_most_recently_used() {
        let a = Answers::default();
        for i in 0..CAPACITY as i64 {
            a.put(key(i), Bytes::from(i.to_string()));
        }
        assert_eq!(a.get(&key(0)).unwrap(), "0"); // touch 0: 1 becomes the oldest
        a.put(key(-1), Bytes::from("new"));
        assert!(a.get(&key(1)).is_none());
        assert!(a.get(&key(0)).is_some() && a.get(&key(-1)).is_some());
        let mut other = key(0);
        other.deidentified = true;
        assert!(a.get(&other).is_none(), "the view is part of the key");
    }
}
