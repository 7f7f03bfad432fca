//! Validation of whatever tree the loader builds from any text: never panics.
#![no_main]

use greenroom::catalog::validate::{self, LocationContext};
use greenroom::catalog::yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for node in yaml::parse_documents(text).into_iter().flatten().flatten() {
        let _ = validate::validate(&node);
        if validate::check_envelope(&node).is_ok() {
            let _ = validate::check_entity(&node, &LocationContext::default());
        }
    }
});
