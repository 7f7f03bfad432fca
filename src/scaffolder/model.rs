//! A Scaffolder template (`scaffolder.backstage.io/v1beta3`, kind Template) as the engine and the
//! form read it, built from a catalog entity.
//!
//! Backstage accepts `parameters` as one object (one page) or a list of pages; both become
//! [`Template::parameters`]. A step's `if` and `each` are kept as written: they are expressions
//! evaluated when the step runs.

use crate::catalog::Entity;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    /// `template:default/name`.
    pub reference: String,
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub spec_type: Option<String>,
    /// Form pages: JSON Schema objects, one per page.
    pub parameters: Vec<Value>,
    pub steps: Vec<Step>,
    pub output: Output,
    /// The folder of the template's file: `fetch:*` resolve relative `url`s against it. `None` when
    /// the template was not read from a local file.
    pub base_dir: Option<PathBuf>,
    /// The template file's URL when it was read from GitHub (GitHub org discovery, or a Backstage
    /// backend's `backstage.io/managed-by-location`): relative `url`s resolve against its folder
    /// on GitHub.
    pub base_url: Option<String>,
    /// The catalog source the template was read from (a folder given as a source, or a catalog
    /// file's folder): relative `url`s may reach anywhere under it when the template is not in a
    /// git work tree ([`Template::with_source_roots`]).
    pub source_root: Option<PathBuf>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub id: String,
    pub name: String,
    pub action: String,
    /// The raw `input` (expressions not yet rendered); an object, or null when absent.
    pub input: Value,
    pub if_: Option<Value>,
    pub each: Option<Value>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Output {
    /// Raw `output.links` (each `{title, url | entityRef, icon}` with expressions).
    pub links: Vec<Value>,
    /// Raw `output.text` (each `{title, content, icon, default}` with expressions).
    pub text: Vec<Value>,
    /// Any other keys of `output`, rendered and shown as they are.
    pub other: serde_json::Map<String, Value>,
}

/// Why an entity is not a usable template.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{reference}: {message}")]
pub struct ModelError {
    pub reference: String,
    pub message: String,
}

pub const API_VERSION: &str = "scaffolder.backstage.io/v1beta3";

impl Template {
    pub fn from_entity(entity: &Entity) -> Result<Template, ModelError> {
        let reference = entity.key();
        let fail = |message: String| ModelError {
            reference: reference.clone(),
            message,
        };
        if !entity.is_kind("Template") {
            return Err(fail(format!("is a {}, not a Template", entity.kind)));
        }
        if entity.api_version != API_VERSION {
            return Err(fail(format!(
                "apiVersion {} is not supported (only {API_VERSION})",
                entity.api_version
            )));
        }
        let spec = entity.spec.to_json();
        let parameters = match spec.get("parameters") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(pages)) => pages.clone(),
            Some(page @ Value::Object(_)) => vec![page.clone()],
            Some(_) => return Err(fail("spec.parameters must be an object or a list".into())),
        };
        let steps = match spec.get("steps") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(steps)) => steps
                .iter()
                .enumerate()
                .map(|(i, s)| Step::from_json(i, s).map_err(&fail))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(fail("spec.steps must be a list".into())),
        };
        let output = match spec.get("output") {
            Some(Value::Object(map)) => {
                let mut other = map.clone();
                let list = |v: Option<Value>| match v {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                };
                Output {
                    links: list(other.remove("links")),
                    text: list(other.remove("text")),
                    other,
                }
            }
            _ => Output::default(),
        };
        let location = entity.source.location.as_ref();
        let base_dir = (!location.contains("://"))
            .then(|| PathBuf::from(location).parent().map(PathBuf::from))
            .flatten();
        let base_url = [
            Some(location),
            entity.annotation("backstage.io/managed-by-location"),
            entity.annotation("backstage.io/managed-by-origin-location"),
        ]
        .into_iter()
        .flatten()
        .map(|l| l.strip_prefix("url:").unwrap_or(l))
        .find(|l| l.starts_with("https://") && l.contains("/blob/"))
        .map(str::to_string);
        Ok(Template {
            reference,
            name: entity.name().to_string(),
            title: entity.display_name().to_string(),
            description: entity.description().map(str::to_string),
            owner: entity.owner().map(str::to_string),
            tags: entity.tags().map(str::to_string).collect(),
            spec_type: entity.spec_type().map(str::to_string),
            parameters,
            steps,
            output,
            base_dir,
            base_url,
            source_root: None,
        })
    }

    /// Records which of the catalog's local source `roots` (folders, or catalog files whose folder
    /// counts) holds the template's file, compared as written.
    pub fn with_source_roots(mut self, roots: &[PathBuf]) -> Template {
        use crate::catalog::walk::{is_within, normalize};
        let Some(base) = self.base_dir.as_deref().map(normalize) else {
            return self;
        };
        self.source_root = roots
            .iter()
            .map(|root| match root.is_dir() {
                true => normalize(root),
                false => normalize(root.parent().unwrap_or(std::path::Path::new("."))),
            })
            .find(|root| is_within(&base, root));
        self
    }

    /// Parses a template from YAML text (tests and tools), with `base_dir` for relative urls.
    pub fn from_yaml(text: &str, base_dir: Option<PathBuf>) -> Result<Template, ModelError> {
        let json: Value = serde_yaml::from_str(text).map_err(|e| ModelError {
            reference: "template".into(),
            message: e.to_string(),
        })?;
        let doc = crate::catalog::value::Value::from_json(&json);
        let source = crate::catalog::Source {
            location: base_dir
                .as_ref()
                .map(|d| d.join("template.yaml").display().to_string())
                .unwrap_or_else(|| "template.yaml://inline".into())
                .into(),
            pos: Default::default(),
        };
        let entity = Entity::from_document(doc, source).ok_or_else(|| ModelError {
            reference: "template".into(),
            message: "not an entity (kind and metadata.name are required)".into(),
        })?;
        Template::from_entity(&entity)
    }
}

impl Step {
    fn from_json(index: usize, step: &Value) -> Result<Step, String> {
        let at = format!("spec.steps[{index}]");
        let obj = step
            .as_object()
            .ok_or_else(|| format!("{at} must be an object"))?;
        let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_string);
        let action = text("action").ok_or_else(|| format!("{at}.action is required"))?;
        // Backstage names an id-less step `step-<n>` (1-based) in its task log.
        let id = text("id").unwrap_or_else(|| format!("step-{}", index + 1));
        Ok(Step {
            name: text("name").unwrap_or_else(|| action.clone()),
            id,
            action,
            input: obj.get("input").cloned().unwrap_or(Value::Null),
            if_: obj.get("if").cloned(),
            each: obj.get("each").cloned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_parameters_object_is_one_page_and_steps_keep_if_and_each() {
        let t = Template::from_yaml(
            "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\n  tags: [a]\nspec:\n  owner: team\n  type: service\n  parameters:\n    properties:\n      x: {type: string}\n  steps:\n    - action: debug:log\n      if: ${{ parameters.x }}\n      each: [1, 2]\n      input: {message: hi}\n  output:\n    links:\n      - {title: T, url: u}\n",
            Some(PathBuf::from("/tmp/t")),
        )
        .unwrap();
        assert_eq!(t.parameters.len(), 1);
        assert_eq!(t.steps[0].id, "step-1");
        assert_eq!(t.steps[0].name, "debug:log");
        assert_eq!(
            t.steps[0].if_,
            Some(Value::String("${{ parameters.x }}".into()))
        );
        assert!(t.steps[0].each.is_some());
        assert_eq!(t.output.links.len(), 1);
        assert_eq!(t.base_dir, Some(PathBuf::from("/tmp/t")));
        assert_eq!(t.tags, vec!["a"]);
    }

    #[test]
    fn a_step_without_action_is_an_error() {
        let err = Template::from_yaml(
            "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  steps:\n    - id: a\n",
            None,
        )
        .unwrap_err();
        assert!(err.message.contains("spec.steps[0].action"), "{err}");
    }
}
