//! YAML documents as trees that remember where every node stands.
//!
//! serde_yaml only reports positions on errors, and every catalog problem must be reported at
//! `FILE:LINE:COL`, so documents are built here from saphyr's event stream. Scalars are typed with
//! the YAML 1.2 core schema, as the `yaml` package that Backstage uses does (`yes` is a string,
//! `1.0` a number). Each document of a file is parsed on its own, so a syntax error costs only its
//! own document. Aliases are expanded with a node budget and nesting has a depth limit, so hostile
//! files (billion laughs, 10,000-deep nesting) are errors rather than hangs or stack overflows.

mod builder;
mod lines;
mod node;
mod scalar;
mod stream;
#[cfg(test)]
mod tests;

pub use builder::{MAX_DEPTH, MAX_NODES};
pub use node::{Document, Node, NodeValue, Pos, YamlError};
pub use stream::{parse_documents, parse_stream, StreamDocument};
