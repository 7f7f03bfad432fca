//! Entity references: parsing never panics, and a parsed reference's key parses back to itself
//! when the defaults are themselves well-formed parts. Defaults are used as given, as Backstage's
//! parseEntityRef uses them: a default kind holding `:` or `/` (a template's `defaultKind`, say)
//! makes a key that names no entity, which is not a round trip to check (the first campaign's
//! 15 findings were all such defaults; `tests/proptests.rs` keeps them).
#![no_main]

use greenroom::catalog::entity_ref::EntityRef;
use libfuzzer_sys::fuzz_target;

fn well_formed(part: &str) -> bool {
    !part.contains([':', '/'])
}

fuzz_target!(|input: (&str, Option<&str>, &str)| {
    let (text, default_kind, default_namespace) = input;
    let Ok(parsed) = EntityRef::parse(text, default_kind, default_namespace) else {
        return;
    };
    if default_kind.is_some_and(|k| !well_formed(k)) || !well_formed(default_namespace) {
        return;
    }
    let key = parsed.key();
    let again = EntityRef::parse(&key, None, "default").expect("a key parses");
    assert_eq!(again.key(), key);
});
