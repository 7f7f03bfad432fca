//! One shared allocation for each value that many entities repeat: mapping keys, kinds,
//! namespaces, and (through a [`Table`] of `relations.rs`) the owners, systems and APIs their
//! relations point at (at 100k entities most relation targets are a few thousand groups and
//! systems).
//!
//! Process-wide tables rather than one per load, so the loaders (files read on every core, one
//! file re-read after an edit) need no interner passed down to them. Strings no catalog holds any
//! more are dropped from a shard once it has doubled since its last sweep, so a refresh does not
//! keep the previous catalog's strings alive.

use rustc_hash::{FxBuildHasher, FxHashSet};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, LazyLock, Mutex};

/// Shards, so the cores reading files rarely wait for each other's lock.
const SHARDS: usize = 16;
/// The smallest size a shard grows to before its first sweep.
const FIRST_SWEEP: usize = 1024;

/// A process-wide table of shared values of one type (strings here; relation targets in
/// `relations.rs`), each `K` a cheap handle to one allocation.
pub struct Table<K> {
    shards: [Mutex<Shard<K>>; SHARDS],
    /// Whether a value is held outside the table (else a sweep drops it).
    held: fn(&K) -> bool,
}

struct Shard<K> {
    values: FxHashSet<K>,
    sweep_at: usize,
}

impl<K: Hash + Eq + Clone> Table<K> {
    pub fn new(held: fn(&K) -> bool) -> Table<K> {
        Table {
            shards: std::array::from_fn(|_| {
                Mutex::new(Shard {
                    values: FxHashSet::default(),
                    sweep_at: 0,
                })
            }),
            held,
        }
    }

    /// The shared handle to the value equal to `value`, made by `make` when there is none.
    pub fn get<Q>(&self, value: &Q, make: impl FnOnce(&Q) -> K) -> K
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let shard = FxBuildHasher.hash_one(value) as usize % SHARDS;
        // A panic elsewhere while the lock was held leaves the table consistent (one insert or
        // one retain), so a poisoned lock is still usable.
        let mut shard = self.shards[shard]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(shared) = shard.values.get(value) {
            return shared.clone();
        }
        if shard.values.len() >= shard.sweep_at {
            let held = self.held;
            shard.values.retain(held);
            shard.sweep_at = (shard.values.len() * 2).max(FIRST_SWEEP);
        }
        let shared = make(value);
        shard.values.insert(shared.clone());
        shared
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap().values.len())
            .sum()
    }
}

static STRINGS: LazyLock<Table<Interned>> =
    LazyLock::new(|| Table::new(|s| Arc::strong_count(&s.0) > 1));

/// An interned string, for the fields that repeat across entities (mapping keys, kinds,
/// namespaces, apiVersions): one pointer (8 bytes) where an inline `CompactString` takes 24 and
/// an `Arc<str>` 16; the length lives with the text. Stored in the snapshot as a plain string
/// (its layout does not change) and interned again when read back.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interned(Arc<Box<str>>);

impl Borrow<str> for Interned {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Interned {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Interned {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Interned {
    fn from(text: &str) -> Interned {
        STRINGS.get(text, |text| Interned(Arc::new(text.into())))
    }
}

impl PartialEq<str> for Interned {
    fn eq(&self, other: &str) -> bool {
        **self.0 == *other
    }
}

impl PartialEq<&str> for Interned {
    fn eq(&self, other: &&str) -> bool {
        **self.0 == **other
    }
}

impl fmt::Debug for Interned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Interned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Interned {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Interned {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Interned, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Interned;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Interned, E> {
                Ok(Interned::from(text))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_allocation_behind_one_pointer() {
        let a = Interned::from("group:default/intern-test-team");
        let b = Interned::from(String::from("group:default/intern-test-team").as_str());
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(&*a, "group:default/intern-test-team");
        let other = Interned::from("group:default/intern-test-other");
        assert!(!Arc::ptr_eq(&a.0, &other.0));
        assert_eq!(std::mem::size_of::<Interned>(), 8);
    }

    #[test]
    fn interned_strings_go_through_the_snapshot_as_plain_strings() {
        let key = Interned::from("backstage.io/techdocs-ref");
        let bytes = postcard::to_allocvec(&key).unwrap();
        assert_eq!(
            bytes,
            postcard::to_allocvec("backstage.io/techdocs-ref").unwrap()
        );
        let back: Interned = postcard::from_bytes(&bytes).unwrap();
        assert!(Arc::ptr_eq(&back.0, &key.0));
    }

    #[test]
    fn strings_nobody_holds_are_swept() {
        // Enough distinct strings that every shard sweeps at least once.
        for i in 0..SHARDS * FIRST_SWEEP * 3 {
            let _ = Interned::from(format!("intern-sweep-{i}").as_str());
        }
        let held = STRINGS.len();
        assert!(
            held < SHARDS * FIRST_SWEEP * 3,
            "{held} strings kept though none is held"
        );
    }
}
