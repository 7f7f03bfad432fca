//! From the text of one catalog file to its entities and problems: parse, validate, relate.
//! Pure, so every source (folders, the bundled demo, a Backstage backend, GitHub) shares it.

use super::entity::{Entity, Source};
use super::problem::{Problem, Severity};
use super::relations::{self, Declared};
use super::validate;
use super::value::Value;
use super::yaml;
use std::sync::Arc;

/// An entity as read, with the relations its spec declares (checked once the catalog is whole).
#[derive(Clone, Debug)]
pub struct ReadEntity {
    pub entity: Entity,
    pub declared: Vec<Declared>,
}

#[derive(Clone, Debug, Default)]
pub struct FileContents {
    pub entities: Vec<ReadEntity>,
    pub problems: Vec<Problem>,
}

/// Reads every document of a catalog file. A bad document costs only itself.
pub fn read_file(location: &Arc<str>, text: &str) -> FileContents {
    let mut out = FileContents::default();
    for document in yaml::parse_documents(text) {
        let node = match document {
            Ok(Some(node)) => node,
            Ok(None) => continue,
            Err(err) => {
                out.problems.push(Problem::new(location, err.pos, Severity::Error, err.message));
                continue;
            }
        };
        let mut problems: Vec<Problem> = validate::validate(&node)
            .into_iter()
            .map(|issue| Problem::new(location, issue.pos, issue.severity, issue.message))
            .collect();
        let has_error = problems.iter().any(Problem::is_error);
        let value = Value::from(&node);
        let source = Source { location: location.clone(), pos: node.pos };
        // Like Backstage, an entity with an error is not ingested; its problems still are reported.
        let entity = if has_error { None } else { Entity::from_document(&value, source) };
        if let Some(entity) = entity {
            let (declared, ref_errors) =
                relations::declared(&entity.kind, entity.namespace(), node.get("spec"));
            let key = entity.key();
            problems.extend(ref_errors.into_iter().map(|(pos, message)| Problem::new(location, pos, Severity::Error, message)));
            for problem in &mut problems {
                problem.entity = Some(key.clone());
            }
            if problems.iter().any(Problem::is_error) {
                out.problems.extend(problems);
                continue;
            }
            out.entities.push(ReadEntity { entity, declared });
        } else if !has_error {
            // validate() guarantees kind and metadata.name; keep a message rather than a panic.
            problems.push(Problem::new(location, node.pos, Severity::Error, "document is not an entity"));
        }
        out.problems.extend(problems);
    }
    out
}
