//! The YAML loader on any text: never panics, and every error has a position inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let lines = text.split('\n').count() as u32 + 1;
    for doc in greenroom::catalog::yaml::parse_stream(text) {
        if let Err(err) = doc.doc {
            assert!(err.pos.line >= 1 && err.pos.line <= lines);
        }
    }
});
