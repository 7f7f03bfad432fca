//! API definitions (an API entity's `spec.definition`) read into one model for every format: the
//! operations a reader scans first, and per operation the detail a viewer shows (parameters,
//! bodies, responses, schema trees). Pure: text in, model or an error with its line out.

mod asyncapi;
mod fields;
mod graphql;
mod grpc;
mod model;
mod openapi;
mod schema;

use fields::document;
pub use model::{Definition, Format, Node, Operation, ParseError, Section};

/// Reads `text` as a definition of `spec_type` (the entity's `spec.type`).
pub fn parse(spec_type: &str, text: &str) -> Result<Definition, ParseError> {
    read(spec_type, text, true)
}

/// The operations without their detail (every `detail` empty): what a listing needs, without
/// walking a big definition's schema trees.
pub fn outline(spec_type: &str, text: &str) -> Result<Definition, ParseError> {
    let mut definition = read(spec_type, text, false)?;
    for op in definition
        .operations
        .iter_mut()
        .chain(&mut definition.webhooks)
    {
        op.detail.clear();
    }
    Ok(definition)
}

fn read(spec_type: &str, text: &str, detail: bool) -> Result<Definition, ParseError> {
    let format = Format::of(spec_type);
    match format {
        Format::OpenApi => openapi::parse(&document(text)?, detail),
        Format::AsyncApi => asyncapi::parse(&document(text)?, detail),
        Format::GraphQl => graphql::parse(text),
        Format::Grpc => grpc::parse(text),
        Format::Other => Ok(Definition {
            format,
            title: None,
            version: None,
            operations: Vec::new(),
            webhooks: Vec::new(),
            sections: Vec::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_types_give_the_text_without_operations() {
        let def = parse("trpc", "anything at all {").unwrap();
        assert_eq!(def.format, Format::Other);
        assert!(def.operations.is_empty());
    }

    #[test]
    fn yaml_and_json_syntax_errors_name_their_line() {
        let err = parse("openapi", "openapi: 3.0.0\ninfo:\n  title: [unclosed\n").unwrap_err();
        assert!(err.line >= 3, "{err}");
        let err = parse("asyncapi", "{\n  \"asyncapi\": \"2.6.0\",\n  \"info\": }\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
    }
}
