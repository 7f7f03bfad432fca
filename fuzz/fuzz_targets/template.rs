//! The scaffolder's templating engine on any template and expression: never panics, and what it
//! renders stays under the output cap.
#![no_main]

use greenroom::scaffolder::template::{Context, Syntax, Templater, MAX_RENDERED_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, bool)| {
    let (source, cookiecutter) = input;
    let context = Context::new(&serde_json::json!({
        "parameters": {"name": "order-service", "tags": ["a", "b"], "n": 3},
        "secrets": {"token": "s3cret"},
    }));
    let templater = Templater::new(Syntax {
        cookiecutter,
        ..Syntax::default()
    });
    if let Ok(text) = templater.render(source, &context) {
        assert!(text.len() <= MAX_RENDERED_BYTES);
    }
    let _ = templater.eval(source, &context);
});
