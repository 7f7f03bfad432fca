//! From the text of one catalog file to its entities and problems: parse, validate, relate, in
//! Backstage's order (see `validate.rs`). Every source (folders, the bundled demo) goes through
//! [`read_documents`]; the only I/O is reading the files that `$text`/`$json`/`$yaml`/
//! `$openapi`/`$asyncapi` placeholders name, next to a local file.

use super::entity::{Entity, Source};
use super::entity_ref::EntityRef;
use super::phases::{self, Work};
use super::problem::Problem;
use super::relations::{self, Declared};
use super::validate::{self, Issue, LocationContext, Stage};
use super::value::Value;
use super::yaml::{self, Node, NodeValue, Pos};
use std::path::Path;
use std::sync::Arc;

/// An entity as read, with the relations its spec declares (checked once the catalog is whole).
/// Shared, not copied: a catalog rebuilt after one file changed reuses every other file's.
#[derive(Clone, Debug)]
pub struct ReadEntity {
    pub entity: Arc<Entity>,
    pub declared: Arc<[Declared]>,
    /// The entity's canonical key (made once, on the core that read the file, rather than each
    /// time a catalog is built; its targets' are in `declared`).
    pub key: Arc<str>,
}

impl ReadEntity {
    pub fn new(entity: Entity, declared: Vec<Declared>) -> ReadEntity {
        ReadEntity {
            key: entity.key().into(),
            entity: Arc::new(entity),
            declared: declared.into(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct FileContents {
    pub entities: Vec<ReadEntity>,
    pub problems: Vec<Problem>,
    /// Some document is not YAML at all: the file may be half-written (an editor mid-save).
    pub syntax_error: bool,
    /// Some document's placeholder read a file next to it: this file's own size and time do
    /// not tell whether what it gives changed.
    pub reads_files: bool,
}

/// What became of one YAML document of a file.
#[derive(Clone, Debug)]
pub struct DocumentOutcome {
    /// The document's index as Backstage's YAML parser (`yaml`'s `parseAllDocuments`) counts
    /// them: empty documents included.
    pub index: usize,
    /// The lines (1-based, inclusive) the document spans.
    pub lines: (u32, u32),
    /// Its problems: at most one error (Backstage stops at a document's first error), warnings.
    pub problems: Vec<Problem>,
    /// The step of Backstage's processing where the first error is, if there is one.
    pub failed_at: Option<Stage>,
    /// The entity, when the document has no error (an entity with an error is not ingested).
    pub entity: Option<ReadEntity>,
    /// An empty document (`---` with nothing, or null): skipped silently, as Backstage does.
    pub empty: bool,
    /// A placeholder of the document read (or tried to read) a local file.
    pub reads_files: bool,
}

impl DocumentOutcome {
    pub fn has_error(&self) -> bool {
        self.failed_at.is_some()
    }
}

/// Reads every document of a catalog file. A bad document costs only itself.
pub fn read_file(location: &Arc<str>, text: &str) -> FileContents {
    let outcomes = read_documents(location, text);
    // Sized exactly: a file's contents live as long as the catalog, and a vector grown one push
    // at a time holds room for four entities where most files have one.
    let mut out = FileContents {
        entities: Vec::with_capacity(outcomes.iter().filter(|o| o.entity.is_some()).count()),
        problems: Vec::with_capacity(outcomes.iter().map(|o| o.problems.len()).sum()),
        syntax_error: false,
        reads_files: false,
    };
    for outcome in outcomes {
        out.syntax_error |= outcome.failed_at == Some(Stage::Yaml);
        out.reads_files |= outcome.reads_files;
        out.problems.extend(outcome.problems);
        out.entities.extend(outcome.entity);
    }
    out
}

/// Reads every document of a catalog file, one outcome per document.
pub fn read_documents(location: &Arc<str>, text: &str) -> Vec<DocumentOutcome> {
    let mut outcomes = Vec::new();
    // An alias to no anchor, or too many aliases, abort Backstage's reading of the rest of the
    // file (yaml.rs): the later documents are errors too, as they are missing from its catalog.
    let mut aborted_at: Option<Pos> = None;
    let documents = phases::time(Work::Parse, || yaml::parse_stream(text));
    let validating = phases::clock();
    for (index, document) in documents.into_iter().enumerate() {
        let mut outcome = DocumentOutcome {
            index,
            lines: (document.first_line, document.last_line),
            problems: Vec::new(),
            failed_at: None,
            entity: None,
            empty: false,
            reads_files: false,
        };
        if let Some(at) = aborted_at {
            let pos = Pos {
                line: document.first_line,
                col: 1,
            };
            outcome.fail(location, Issue::error(
                Stage::Yaml,
                pos,
                format!("document not read: Backstage stops reading this file at the YAML alias error on line {}", at.line),
            ), None);
            outcomes.push(outcome);
            continue;
        }
        match document.doc {
            Err(err) => {
                if err.aborts_file {
                    aborted_at = Some(err.pos);
                }
                outcome.fail(
                    location,
                    Issue::error(Stage::Yaml, err.pos, err.message),
                    None,
                );
            }
            Ok(None) => outcome.empty = true,
            Ok(Some(node)) => read_entity(location, node, &mut outcome),
        }
        outcomes.push(outcome);
    }
    phases::add(Work::Validate, validating);
    outcomes
}

impl DocumentOutcome {
    fn push(&mut self, location: &Arc<str>, issue: Issue, entity: Option<&str>) {
        if issue.is_error() && self.failed_at.is_none() {
            self.failed_at = Some(issue.stage);
        }
        let mut problem = Problem::new(location, issue.pos, issue.severity, issue.message);
        problem.entity = entity.map(str::to_owned);
        self.problems.push(problem);
    }

    fn fail(&mut self, location: &Arc<str>, issue: Issue, entity: Option<&str>) {
        debug_assert!(issue.is_error());
        self.push(location, issue, entity);
    }
}

/// The stages of one entity document, in Backstage's order, stopping at the first error.
fn read_entity(location: &Arc<str>, mut node: Node, outcome: &mut DocumentOutcome) {
    // Stages yaml (root shape), envelope, annotations.
    if let Err(issue) = validate::check_envelope(&node) {
        outcome.fail(location, issue, None);
        return;
    }
    let key = envelope_ref(&node).key();
    let key = Some(key.as_str());
    // Stage preprocess: placeholders.
    let mut resolver = Placeholders {
        location,
        deferred: None,
        remote_definition: None,
        module_only: None,
        reads_files: false,
    };
    let resolved = resolver.resolve(&mut node, Context::Root);
    outcome.reads_files = resolver.reads_files;
    if let Err(issue) = resolved {
        outcome.fail(location, issue, key);
        return;
    }
    if let Some((pos, name)) = resolver.module_only {
        outcome.push(location, Issue::warning(
            Stage::Preprocess,
            pos,
            format!("placeholder {name}: a stock Backstage rejects this entity; its catalog needs the @backstage/plugin-catalog-backend-module-openapi module to resolve $openapi and $asyncapi"),
        ), key);
    }
    let builtin = if let Some(pos) = resolver.deferred {
        // A remote $json/$yaml is not fetched: what it provides cannot be checked offline.
        outcome.push(location, Issue::warning(
            Stage::Preprocess,
            pos,
            "placeholder not resolved: greenroom does not fetch URLs while loading, so this entity is loaded without Backstage's checks",
        ), key);
        false
    } else {
        // Stages policy, kind, location.
        let context = LocationContext {
            location_type: "file",
        };
        let verdict = validate::check_entity(&node, &context);
        for issue in verdict.issues {
            outcome.push(location, issue, key);
        }
        if outcome.has_error() {
            return;
        }
        verdict.builtin
    };
    if let Some((name, url, pos)) = resolver.remote_definition {
        // Checked with the URL in its place (a string, as the fetched text would be); kept as the
        // placeholder, so the definition view and `greenroom api` know to fetch it.
        set_definition(&mut node, url_placeholder(&name, &url, pos));
    }
    let source = Source {
        location: location.clone(),
        pos: node.pos,
    };
    let Some(entity) = Entity::from_document(Value::from(&node), source) else {
        // check_envelope guarantees kind and metadata.name; keep a message rather than a panic.
        outcome.fail(
            location,
            Issue::error(Stage::Envelope, node.pos, "document is not an entity"),
            key,
        );
        return;
    };
    // Stage relations: only builtin kinds declare relations (a generic entity's spec is opaque).
    let mut declared = Vec::new();
    if builtin {
        let (found, errors) =
            relations::declared(&entity.kind, entity.namespace(), node.get("spec"));
        if let Some((pos, message)) = errors.into_iter().next() {
            outcome.fail(location, Issue::error(Stage::Relations, pos, message), key);
            return;
        }
        declared = found;
    }
    outcome.entity = Some(ReadEntity::new(entity, declared));
}

/// `{$name: url}`: a URL definition as the entity keeps it until it is shown.
fn url_placeholder(name: &str, url: &str, pos: Pos) -> Node {
    let string = |text: &str| Node {
        pos,
        value: NodeValue::String(text.to_owned()),
    };
    Node {
        pos,
        value: NodeValue::Map(vec![(string(name), string(url))]),
    }
}

fn set_definition(node: &mut Node, definition: Node) {
    let NodeValue::Map(entries) = &mut node.value else {
        return;
    };
    for (key, value) in entries.iter_mut() {
        match key.as_str() {
            Some("spec") => set_definition(value, definition.clone()),
            Some("definition") => *value = definition.clone(),
            _ => {}
        }
    }
}

/// The entity's reference from a document that passed the envelope check.
fn envelope_ref(node: &Node) -> EntityRef {
    let kind = node.get("kind").and_then(Node::as_str).unwrap_or_default();
    let metadata = node.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .unwrap_or_default();
    let namespace = metadata
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .unwrap_or(super::entity_ref::DEFAULT_NAMESPACE);
    EntityRef::new(kind, namespace, name)
}

// ---------------------------------------------------------------------------------------------
// Stage preprocess: plugin-catalog-backend processors/PlaceholderProcessor.ts.

/// Where a node sits, for the one place PlaceholderProcessor sees differently from the file.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    Root,
    Metadata,
    /// `metadata.annotations`: the backend has added two annotations to it by then, so it is
    /// never a one-key placeholder object itself.
    Annotations,
    Spec,
    /// `spec.definition`: a URL placeholder here is fetched when the definition is shown.
    Definition,
    Other,
}

/// The resolvers PlaceholderProcessor knows; the last two come with the openapi module.
const RESOLVERS: [&str; 5] = ["$text", "$json", "$yaml", "$openapi", "$asyncapi"];

struct Placeholders<'a> {
    location: &'a str,
    /// The first placeholder that names a remote URL with $json/$yaml, which is not fetched.
    deferred: Option<Pos>,
    /// `spec.definition` names a URL: (the placeholder, the absolute URL, where it is written).
    remote_definition: Option<(String, String, Pos)>,
    /// The first `$openapi`/`$asyncapi`, which only Backstage's openapi module resolves.
    module_only: Option<(Pos, String)>,
    /// A local file was read (or tried): see [`FileContents::reads_files`].
    reads_files: bool,
}

impl Placeholders<'_> {
    /// PlaceholderProcessor.preProcessEntity: walks the entity; an object is a placeholder iff it
    /// has exactly one key, that key starts with `$`, and the rest names a resolver (`text`,
    /// `json`, `yaml`, and with the openapi module `openapi`, `asyncapi`); it is replaced by what
    /// the resolver reads. An object with a `$` key that
    /// is not a placeholder is left as it is, and not walked into.
    fn resolve(&mut self, node: &mut Node, context: Context) -> Result<(), Issue> {
        match &mut node.value {
            NodeValue::Seq(items) => {
                for item in items {
                    self.resolve(item, Context::Other)?;
                }
                Ok(())
            }
            NodeValue::Map(entries) => {
                let dollar = entries
                    .iter()
                    .any(|(k, _)| k.as_str().is_some_and(|k| k.starts_with('$')));
                if !dollar {
                    for (key, value) in entries.iter_mut() {
                        let child = match (context, key.as_str()) {
                            (Context::Root, Some("metadata")) => Context::Metadata,
                            (Context::Root, Some("spec")) => Context::Spec,
                            (Context::Spec, Some("definition")) => Context::Definition,
                            (Context::Metadata, Some("annotations")) => Context::Annotations,
                            _ => Context::Other,
                        };
                        self.resolve(value, child)?;
                    }
                    return Ok(());
                }
                let placeable = !matches!(
                    context,
                    Context::Root | Context::Metadata | Context::Annotations
                );
                if entries.len() != 1 || !placeable {
                    return Ok(());
                }
                let (key, value) = &entries[0];
                let name = key.as_str().unwrap_or_default();
                if !RESOLVERS.contains(&name) {
                    return Ok(());
                }
                if matches!(name, "$openapi" | "$asyncapi") {
                    self.module_only.get_or_insert((key.pos, name.to_owned()));
                }
                let resolved = self.read(name, value, key.pos, context)?;
                if let Some(resolved) = resolved {
                    *node = resolved;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// One placeholder's value, or None when it is left for later (a remote $json/$yaml).
    fn read(
        &mut self,
        name: &str,
        value: &Node,
        pos: Pos,
        context: Context,
    ) -> Result<Option<Node>, Issue> {
        let error = |message: String| {
            Issue::error(
                Stage::Preprocess,
                pos,
                format!("placeholder {name}: {message}"),
            )
        };
        let Some(target) = value.as_str() else {
            return Err(error(format!(
                "its value must be a string (a path relative to this file, or an absolute URL), found {}",
                validate::describe(value)
            )));
        };
        let remote = url::Url::parse(target).is_ok() || self.location.contains("://");
        if remote {
            // Backstage reads the URL; greenroom reads no network while loading. A definition
            // is fetched when shown; elsewhere $text stands in as the URL itself (a string is
            // what the field gets either way).
            if context == Context::Definition {
                let url = super::bundle::join(self.location, target);
                self.remote_definition = Some((name.to_owned(), url.clone(), pos));
                return Ok(Some(Node {
                    pos,
                    value: NodeValue::String(url),
                }));
            }
            if name == "$text" {
                return Ok(Some(Node {
                    pos,
                    value: NodeValue::String(target.to_owned()),
                }));
            }
            self.deferred.get_or_insert(pos);
            return Ok(None);
        }
        self.reads_files = true;
        let dir = Path::new(self.location).parent().unwrap_or(Path::new(""));
        let path = dir.join(target.trim_start_matches("./"));
        let content = read_text(&path.display().to_string())
            .map_err(|why| error(format!("cannot read {target} ({why}: {})", path.display())))?;
        let node = match name {
            "$text" => Node {
                pos,
                value: NodeValue::String(content),
            },
            "$openapi" | "$asyncapi" => {
                let file = path.display().to_string();
                let bundled = super::bundle::bundle(&file, &content, &mut read_text)
                    .map_err(|err| error(format!("{target}: {err}")))?;
                Node {
                    pos,
                    value: NodeValue::String(bundled),
                }
            }
            "$json" => match serde_json::from_str::<serde_json::Value>(&content) {
                Ok(json) => from_json(&json, pos),
                Err(err) => return Err(error(format!("{target} is not valid JSON: {err}"))),
            },
            _ => {
                let mut documents = yaml::parse_stream(&content);
                if documents.len() != 1 {
                    return Err(error(format!(
                        "{target} must hold exactly one YAML document, found {}",
                        documents.len()
                    )));
                }
                match documents.remove(0).doc {
                    Ok(Some(mut node)) => {
                        reposition(&mut node, pos);
                        node
                    }
                    Ok(None) => Node {
                        pos,
                        value: NodeValue::Null,
                    },
                    Err(err) => {
                        return Err(error(format!("{target}:{}: {}", err.pos, err.message)))
                    }
                }
            }
        };
        Ok(Some(node))
    }
}

/// A file's text, or why not (for messages).
fn read_text(path: &str) -> Result<String, String> {
    match super::file_read::read_limited(Path::new(path)) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err("no such file".into()),
        Err(err) => Err(err.to_string()),
    }
}

/// A JSON value as a tree, every node at the placeholder's position.
fn from_json(json: &serde_json::Value, pos: Pos) -> Node {
    use serde_json::Value as J;
    let value = match json {
        J::Null => NodeValue::Null,
        J::Bool(b) => NodeValue::Bool(*b),
        J::Number(n) => n.as_i64().map_or_else(
            || NodeValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            NodeValue::Int,
        ),
        J::String(s) => NodeValue::String(s.clone()),
        J::Array(items) => NodeValue::Seq(items.iter().map(|i| from_json(i, pos)).collect()),
        J::Object(map) => NodeValue::Map(
            map.iter()
                .map(|(k, v)| {
                    (
                        Node {
                            pos,
                            value: NodeValue::String(k.clone()),
                        },
                        from_json(v, pos),
                    )
                })
                .collect(),
        ),
    };
    Node { pos, value }
}

/// Moves a tree read from another file to the placeholder's position in this one.
fn reposition(node: &mut Node, pos: Pos) {
    node.pos = pos;
    match &mut node.value {
        NodeValue::Seq(items) => items.iter_mut().for_each(|i| reposition(i, pos)),
        NodeValue::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            reposition(k, pos);
            reposition(v, pos);
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::problem::Severity;

    fn read(text: &str) -> Vec<DocumentOutcome> {
        read_documents(&Arc::from("catalog-info.yaml"), text)
    }

    const GOOD: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: NAME\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";

    #[test]
    fn a_bad_document_costs_only_itself() {
        let text = format!(
            "{}---\n{}---\n{}",
            GOOD.replace("NAME", "one"),
            GOOD.replace("NAME", "Bad Name"),
            GOOD.replace("NAME", "three")
        );
        let outcomes = read(&text);
        assert_eq!(outcomes.len(), 3);
        assert!(outcomes[0].entity.is_some() && outcomes[2].entity.is_some());
        assert!(outcomes[1].entity.is_none());
        assert_eq!(outcomes[1].failed_at, Some(Stage::Policy));
        assert_eq!(outcomes[1].problems.len(), 1);
        let problem = &outcomes[1].problems[0];
        assert_eq!(problem.to_string(), "catalog-info.yaml:13:9: error: metadata.name: \"Bad Name\" is not a valid name: a string of [a-zA-Z0-9] sequences separated by any of [-_.], at most 63 characters in total");
        assert_eq!(
            problem.entity.as_deref(),
            Some("component:default/bad name")
        );
        assert_eq!(outcomes[1].lines, (9, 17));
        let contents = read_file(&Arc::from("catalog-info.yaml"), &text);
        assert_eq!(contents.entities.len(), 2);
        assert_eq!(contents.problems.len(), 1);
    }

    #[test]
    fn empty_documents_keep_their_index() {
        let text = format!(
            "# leading comment\n---\n{}---\n---\n{}",
            GOOD.replace("NAME", "a"),
            GOOD.replace("NAME", "b")
        );
        let outcomes = read(&text);
        assert_eq!(outcomes.len(), 3);
        assert!(outcomes[1].empty && outcomes[1].problems.is_empty());
        assert_eq!(outcomes[2].entity.as_ref().unwrap().entity.name(), "b");
    }

    #[test]
    fn syntax_errors_are_readable_and_positioned() {
        let text = format!("{}---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: second\n---\n{}", GOOD.replace("NAME", "a"), GOOD.replace("NAME", "c"));
        let outcomes = read(&text);
        assert_eq!(outcomes.len(), 3);
        let problem = &outcomes[1].problems[0];
        assert!(
            problem.message.starts_with("YAML syntax error: "),
            "{problem}"
        );
        assert_eq!(problem.pos, Pos { line: 12, col: 24 }, "{problem}");
        assert!(outcomes[2].entity.is_some());
    }

    #[test]
    fn an_alias_to_no_anchor_stops_the_file_as_in_backstage() {
        let text = format!(
            "{}---\n{}---\n{}",
            GOOD.replace("NAME", "a"),
            GOOD.replace("NAME", "b").replace("team-a", "*nobody"),
            GOOD.replace("NAME", "c")
        );
        let outcomes = read(&text);
        assert!(outcomes[0].entity.is_some());
        assert_eq!(outcomes[1].failed_at, Some(Stage::Yaml));
        assert_eq!(outcomes[1].problems[0].pos.line, 17);
        assert_eq!(outcomes[2].failed_at, Some(Stage::Yaml));
        assert!(
            outcomes[2].problems[0].message.contains("line 17"),
            "{:?}",
            outcomes[2].problems
        );
    }

    #[test]
    fn malformed_references_are_errors_after_the_schema() {
        let outcomes = read(
            &GOOD
                .replace("NAME", "x")
                .replace("owner: team-a", "owner: 'group:'"),
        );
        assert_eq!(outcomes[0].failed_at, Some(Stage::Relations));
        assert!(
            outcomes[0].problems[0].message.starts_with("spec.owner: "),
            "{:?}",
            outcomes[0].problems
        );
    }

    #[test]
    fn unknown_kinds_load_as_generic_entities() {
        let outcomes = read(
            &GOOD
                .replace("NAME", "x")
                .replace("kind: Component", "kind: Widget")
                .replace("owner: team-a", "owner: 'group:'"),
        );
        let outcome = &outcomes[0];
        assert!(!outcome.has_error());
        assert_eq!(outcome.problems.len(), 1);
        assert_eq!(outcome.problems[0].severity, Severity::Warning);
        let read = outcome.entity.as_ref().unwrap();
        assert!(read.declared.is_empty());
        assert_eq!(read.entity.key(), "widget:default/x");
    }

    #[test]
    fn placeholders_read_files_next_to_the_document() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("spec.json"),
            r#"{"type": "service", "lifecycle": "production", "owner": "team-a"}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("def.yaml"), "openapi: 3.0.0\n").unwrap();
        std::fs::write(dir.path().join("two.yaml"), "a: 1\n---\nb: 2\n").unwrap();
        let location: Arc<str> = dir
            .path()
            .join("catalog-info.yaml")
            .display()
            .to_string()
            .into();
        let component = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  $json: ./spec.json\n";
        let outcome = read_documents(&location, component).remove(0);
        assert!(!outcome.has_error(), "{:?}", outcome.problems);
        assert_eq!(outcome.entity.unwrap().entity.owner(), Some("team-a"));

        let api = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: a\nspec:\n  type: openapi\n  lifecycle: production\n  owner: t\n  definition:\n    $text: DEF\n";
        let outcome = read_documents(&location, &api.replace("DEF", "./def.yaml")).remove(0);
        assert!(!outcome.has_error(), "{:?}", outcome.problems);
        assert_eq!(
            outcome.entity.unwrap().entity.spec_str("definition"),
            Some("openapi: 3.0.0\n")
        );
        let outcome = read_documents(&location, &api.replace("DEF", "./missing.json")).remove(0);
        assert_eq!(outcome.failed_at, Some(Stage::Preprocess));
        assert!(
            outcome.problems[0]
                .message
                .contains("cannot read ./missing.json"),
            "{:?}",
            outcome.problems
        );
        assert_eq!(outcome.problems[0].pos, Pos { line: 10, col: 5 });
        // A remote definition is checked with its URL in its place, and kept as the
        // placeholder to be fetched when shown: no network, no error.
        let outcome = read_documents(
            &location,
            &api.replace("DEF", "https://example.com/openapi.yaml"),
        )
        .remove(0);
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        assert_eq!(
            outcome.entity.unwrap().entity.definition(),
            Some(crate::catalog::Definition::Url {
                placeholder: "$text",
                url: "https://example.com/openapi.yaml"
            })
        );
        let outcome = read_documents(
            &location,
            &component.replace("$json: ./spec.json", "$yaml: ./two.yaml"),
        )
        .remove(0);
        assert!(
            outcome.problems[0]
                .message
                .contains("exactly one YAML document, found 2"),
            "{:?}",
            outcome.problems
        );
        // $openapi: the document with its external refs inlined, and a warning that only
        // Backstage's openapi module knows the placeholder.
        std::fs::write(
            dir.path().join("o.yaml"),
            "openapi: 3.0.0\npaths:\n  /a: {$ref: './p.yaml'}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("p.yaml"), "get: {summary: hi}\n").unwrap();
        let openapi = api.replace("$text: DEF", "$openapi: ./o.yaml");
        let outcome = read_documents(&location, &openapi).remove(0);
        assert!(!outcome.has_error(), "{:?}", outcome.problems);
        assert_eq!(outcome.problems.len(), 1);
        assert_eq!(outcome.problems[0].severity, Severity::Warning);
        assert!(outcome.problems[0]
            .message
            .contains("@backstage/plugin-catalog-backend-module-openapi"));
        assert_eq!(
            outcome.entity.unwrap().entity.spec_str("definition"),
            Some("openapi: 3.0.0\npaths:\n  /a:\n    get:\n      summary: hi\n")
        );
        std::fs::remove_file(dir.path().join("p.yaml")).unwrap();
        let outcome = read_documents(&location, &openapi).remove(0);
        assert_eq!(outcome.failed_at, Some(Stage::Preprocess));
        assert!(
            outcome.problems.iter().any(|p| p
                .message
                .starts_with("placeholder $openapi: ./o.yaml: $ref \"./p.yaml\" in ")
                && p.message.contains("cannot read")),
            "{:?}",
            outcome.problems
        );
        // Not placeholders: two keys, or an unknown resolver.
        let outcome = read_documents(&location, &api.replace("$text: DEF", "$file: x")).remove(0);
        assert_eq!(outcome.failed_at, Some(Stage::Kind));
    }
}
