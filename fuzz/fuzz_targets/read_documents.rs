//! A whole catalog file read as the loader reads it (parse, validate, relate): never panics,
//! at most one error per document, and an entity only from a document without one.
#![no_main]

use greenroom::catalog::document::read_documents;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|text: &str| {
    let location: Arc<str> = "/nonexistent/catalog-info.yaml".into();
    for outcome in read_documents(&location, text) {
        let errors = outcome.problems.iter().filter(|p| p.is_error()).count();
        assert!(errors <= 1);
        assert!(outcome.entity.is_none() || errors == 0);
    }
});
