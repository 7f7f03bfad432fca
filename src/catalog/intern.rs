//! One shared allocation for each string that many entities repeat: the keys of the owners,
//! systems and APIs their relations point at (at 100k entities most relation targets are a few
//! thousand groups and systems), mapping keys, kinds, namespaces.
//!
//! A process-wide table rather than one per load, so the loaders (files read on every core, one
//! file re-read after an edit) need no interner passed down to them. Strings no catalog holds any
//! more are dropped from the table once it has doubled since its last sweep, so a refresh does not
//! keep the previous catalog's strings alive.

use rustc_hash::{FxBuildHasher, FxHashSet};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Arc, LazyLock, Mutex};

/// Shards, so the cores reading files rarely wait for each other's lock.
const SHARDS: usize = 16;
/// The smallest size a shard grows to before its first sweep.
const FIRST_SWEEP: usize = 1024;

#[derive(Default)]
struct Shard {
    strings: FxHashSet<Arc<str>>,
    sweep_at: usize,
}

static TABLE: LazyLock<[Mutex<Shard>; SHARDS]> =
    LazyLock::new(|| std::array::from_fn(|_| Mutex::default()));

/// The shared copy of `text`.
pub fn intern(text: &str) -> Arc<str> {
    let shard = FxBuildHasher.hash_one(text) as usize % SHARDS;
    // A panic elsewhere while the lock was held leaves the table consistent (one insert or one
    // retain), so a poisoned lock is still usable.
    let mut shard = TABLE[shard]
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(shared) = shard.strings.get(text) {
        return shared.clone();
    }
    if shard.strings.len() >= shard.sweep_at {
        shard.strings.retain(|s| Arc::strong_count(s) > 1);
        shard.sweep_at = (shard.strings.len() * 2).max(FIRST_SWEEP);
    }
    let shared: Arc<str> = Arc::from(text);
    shard.strings.insert(shared.clone());
    shared
}

/// An interned string, for the fields that repeat across entities (mapping keys, kinds,
/// namespaces, apiVersions): 16 bytes where an inline `CompactString` takes 24. Stored in the
/// snapshot as a plain string (its layout does not change) and interned again when read back.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interned(Arc<str>);

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
        Interned(intern(text))
    }
}

impl PartialEq<str> for Interned {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Interned {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
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
    Writing(rustc_hash::FxHashMap<Arc<str>, u32>, Vec<Arc<str>>),
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
    let strings: Vec<&str> = strings.iter().map(|s| &**s).collect();
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
                Some(*indexes.entry(self.0.clone()).or_insert_with(|| {
                    strings.push(self.0.clone());
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
    fn equal_strings_share_one_allocation() {
        let a = intern("group:default/intern-test-team");
        let b = intern(&String::from("group:default/intern-test-team"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*a, "group:default/intern-test-team");
        assert!(!Arc::ptr_eq(&a, &intern("group:default/intern-test-other")));
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
            intern(&format!("intern-sweep-{i}"));
        }
        let held: usize = TABLE
            .iter()
            .map(|shard| shard.lock().unwrap().strings.len())
            .sum();
        assert!(
            held < SHARDS * FIRST_SWEEP * 3,
            "{held} strings kept though none is held"
        );
    }
}
