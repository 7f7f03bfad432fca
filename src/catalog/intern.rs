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

/// Within a block of the snapshot ([`write_block`], [`read_block`]): the interned strings it
/// holds, each stored once. A 100k-entity snapshot repeats a few hundred keys and kinds a couple
/// of million times; read back string by string, each would be hashed and looked up in the table
/// under its lock, most of the snapshot's read time. In a block each is an index into the
/// block's own list, interned once when the block is read.
enum Block {
    Writing(rustc_hash::FxHashMap<Interned, u32>, Vec<Interned>),
    Reading(Vec<Interned>),
}

thread_local! {
    static BLOCK: std::cell::RefCell<Option<Block>> = const { std::cell::RefCell::new(None) };
}

/// Encodes `value` (postcard) with its interned strings listed once at the head of the bytes.
pub fn write_block<T: Serialize + ?Sized>(value: &T) -> postcard::Result<Vec<u8>> {
    BLOCK.with(|b| *b.borrow_mut() = Some(Block::Writing(Default::default(), Vec::new())));
    let body = postcard::to_stdvec(value);
    let Some(Block::Writing(_, strings)) = BLOCK.with(|b| b.borrow_mut().take()) else {
        unreachable!("the block set above");
    };
    let body = body?;
    let strings: Vec<&str> = strings.iter().map(Interned::as_str).collect();
    let mut bytes = postcard::to_stdvec(&strings)?;
    bytes.extend_from_slice(&body);
    Ok(bytes)
}

/// Decodes what [`write_block`] encoded.
pub fn read_block<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> postcard::Result<T> {
    let (strings, body): (Vec<&str>, &[u8]) = postcard::take_from_bytes(bytes)?;
    let strings = strings.into_iter().map(Interned::from).collect();
    BLOCK.with(|b| *b.borrow_mut() = Some(Block::Reading(strings)));
    let value = postcard::from_bytes(body);
    BLOCK.with(|b| b.borrow_mut().take());
    value
}

impl Serialize for Interned {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let index = BLOCK.with(|b| match &mut *b.borrow_mut() {
            Some(Block::Writing(indexes, strings)) => {
                Some(*indexes.entry(self.clone()).or_insert_with(|| {
                    strings.push(self.clone());
                    strings.len() as u32 - 1
                }))
            }
            _ => None,
        });
        match index {
            Some(index) => serializer.serialize_u32(index),
            None => serializer.serialize_str(&self.0),
        }
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
            fn visit_u32<E: serde::de::Error>(self, index: u32) -> Result<Interned, E> {
                BLOCK
                    .with(|b| match &*b.borrow() {
                        Some(Block::Reading(strings)) => strings.get(index as usize).cloned(),
                        _ => None,
                    })
                    .ok_or_else(|| E::custom(format!("no interned string {index} in this block")))
            }
        }
        match BLOCK.with(|b| matches!(&*b.borrow(), Some(Block::Reading(_)))) {
            true => deserializer.deserialize_u32(Visitor),
            false => deserializer.deserialize_str(Visitor),
        }
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
    fn a_block_lists_each_interned_string_once_and_reads_back_shared() {
        let keys: Vec<Interned> = (0..1000)
            .map(|i| Interned::from(["owner", "lifecycle"][i % 2]))
            .collect();
        let bytes = write_block(&keys).unwrap();
        assert!(bytes.len() < 1100, "{} bytes", bytes.len());
        let back: Vec<Interned> = read_block(&bytes).unwrap();
        assert_eq!(back, keys);
        assert!(Arc::ptr_eq(&back[0].0, &back[998].0));
        // Outside a block, strings are plain again.
        assert_eq!(
            postcard::to_allocvec(&keys[0]).unwrap(),
            postcard::to_allocvec("owner").unwrap()
        );
    }

    #[test]
    fn a_block_naming_a_string_it_does_not_list_is_refused() {
        let mut bytes = write_block(&vec![Interned::from("owner")]).unwrap();
        *bytes.last_mut().unwrap() = 7;
        assert!(read_block::<Vec<Interned>>(&bytes).is_err());
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
