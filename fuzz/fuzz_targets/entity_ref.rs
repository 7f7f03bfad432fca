//! Entity references: parsing never panics, and a parsed reference's key parses back to itself.
#![no_main]

use greenroom::catalog::entity_ref::EntityRef;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, Option<&str>, &str)| {
    let (text, default_kind, default_namespace) = input;
    if let Ok(parsed) = EntityRef::parse(text, default_kind, default_namespace) {
        let key = parsed.key();
        let again = EntityRef::parse(&key, None, "default").expect("a key parses");
        assert_eq!(again.key(), key);
    }
});
