//! Template forms: a template's `parameters` pages (JSON Schema with Backstage's `ui:` keys, as
//! react-jsonschema-form reads them) turned into fields, and the values checked against them.
//! Pure: no terminal, no I/O; the TUI draws these fields and the CLI validates `--values` with
//! [`validate`].
//!
//! Values are one JSON object (nested objects for nested schemas; a field's `path` is dotted, e.g.
//! `database.size`). Secret fields (`ui:field: Secret`, `ui:widget: password`) are in it while the
//! user fills the form; [`split_secrets`] moves them out into the `secrets` map before anything
//! runs, so they never reach `parameters`.
//!
//! What follows rjsf: conditional fields from `dependencies` (property dependencies, schema
//! dependencies, and `oneOf` branches chosen by the value of the field they depend on, that
//! field's own schema left as it is); `default`s filled in for fields as they appear; an empty
//! text is no value (so `required` refuses it).

mod check;
mod field;
mod input;
mod json;
mod model;
mod pages;
mod picker;
mod repo_url;
mod validate;
mod values;

pub use check::check;
pub use input::{display, input_text, parse_input};
pub use json::{get_path, set_path};
pub use model::{
    Choice, Field, FieldError, FilterValue, Picker, RepoUrlOptions, Review, Widget, MASK,
};
pub use pages::{page_fields, page_title, resolve_object};
pub use repo_url::RepoUrl;
pub use validate::{field_error, validate, validate_page};
pub use values::{apply_defaults, omit_hidden, secret_fields, split_secrets};

#[cfg(test)]
mod tests;
