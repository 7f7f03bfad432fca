//! A template form's validation with a hostile JSON Schema `pattern` and a hostile value typed
//! against it (live input, re-checked on every key): never panics, and answers in linear time
//! (the regex engine does not backtrack), so no pattern can freeze the form.
#![no_main]

use greenroom::scaffolder::form::validate_page;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str, u8, u8)| {
    let (pattern, value, min, max) = input;
    let page = serde_json::json!({
        "required": ["field"],
        "properties": {
            "field": {
                "type": "string",
                "pattern": pattern,
                "minLength": min,
                "maxLength": max,
            },
            "tags": { "type": "array", "items": { "type": "string", "pattern": pattern } },
        }
    });
    let values = serde_json::json!({ "field": value, "tags": [value, pattern] });
    let _ = validate_page(&page, &values);
});
