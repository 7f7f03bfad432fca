//! Any text as an API definition (an API entity's `spec.definition` comes from the catalog, so from
//! anyone): the first byte picks the format, so one corpus covers OpenAPI, AsyncAPI, GraphQL and
//! gRPC. Reading it, in full and as an outline, never panics, hangs or runs out of memory.
#![no_main]

use greenroom::apidef;
use libfuzzer_sys::fuzz_target;

const TYPES: [&str; 4] = ["openapi", "asyncapi", "graphql", "grpc"];

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let spec_type = TYPES[usize::from(*first) % TYPES.len()];
    let _ = apidef::parse(spec_type, text);
    let _ = apidef::outline(spec_type, text);
});
