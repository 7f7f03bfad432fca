//! Expressions and text templates as Backstage's Scaffolder (plugin-scaffolder-backend 4.3.0)
//! evaluates them: its engine is nunjitsu 0.7.0, a closed interpreter of a nunjucks 3.2.4 subset
//! with JavaScript semantics, configured with `allowRegexExecution: true`, Backstage's filters
//! (`parseRepoUrl`, `parseEntityRef`, `pick`, `projectSlug`) and globals (`always`, `failure`).
//! This module is our own interpreter of the same language, checked against nunjitsu by
//! `tests/template_engine_peer.rs`.
//!
//! - `scan`: text, `${{ }}`, `{% %}`, `{# #}`, whitespace control, trimBlocks/lstripBlocks, raw;
//! - `expr_parser`, `parser`, `ast`: expressions and statements;
//! - `value`, `number`, `json`: values with JavaScript's `String()`, `Number()`, `==`, `===`,
//!   truthiness and `JSON.stringify`;
//! - `eval`: the interpreter; `filters`, `methods`, `backstage`: filters, tests, the JavaScript
//!   methods nunjitsu allows, Backstage's filters (`filter_args`: what filters and tests share);
//!   `regex`: `r/../` literals; `limits`; `error`: parse and evaluation errors.
//!
//! Step inputs follow the Scaffolder's `render`: every string goes through
//! `renderValue(value, context, {coercion: 'json'})` (a lone `${{ expr }}` keeps the value's
//! type, empty output means absent), and a string that fails to render is kept raw; we keep it
//! too but report it (see [`Templater::render_value_reporting`]).

mod ast;
pub mod backstage;
mod builtin_tests;
mod calls;
mod error;
mod eval;
mod expr_parser;
mod filter_args;
mod filters;
mod json;
mod lexer;
mod limits;
mod methods;
mod number;
mod operators;
mod parser;
mod regex;
mod scan;
mod scope;
mod sequences;
mod text_filters;
mod value;

use std::rc::Rc;

use serde_json::Value as Json;

pub use backstage::{parse_entity_ref, parse_repo_url, pick};
pub use error::{EvalError, ExprError, ParseError};

use ast::Pos;

/// Bytes one rendered text may have (nunjitsu's output limit).
pub const MAX_RENDERED_BYTES: usize = limits::OUTPUT_UNITS;
use eval::Evaluator;
use scope::{Options, Out, Scope};
use value::{from_json, is_reserved, Value};

/// The interpreter recurses once per nesting level (up to nunjitsu's 512 levels, each several
/// frames deep); a render runs on its own thread with a stack that holds that depth.
const RENDER_STACK_BYTES: usize = 256 << 20;

fn on_deep_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("template".into())
            .stack_size(RENDER_STACK_BYTES)
            .spawn_scoped(scope, f)
            .expect("a template thread starts")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Options of `fetch:template` that change how text is templated.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Syntax {
    /// `cookiecutterCompat`: `{{ }}` delimiters, `jsonify`, `True`/`False`/`None`.
    pub cookiecutter: bool,
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
}

/// A configured template engine; holds no state between renders.
#[derive(Clone, Debug, Default)]
pub struct Templater {
    syntax: Syntax,
}

/// A render context: plain data, converted to template values at each render.
#[derive(Clone, Debug)]
pub struct Context(Json);

impl Context {
    pub fn new(json: &Json) -> Context {
        Context(json.clone())
    }
}

/// A step-input string that failed to render and was kept unrendered, as Backstage keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderWarning {
    /// Where the string is: `input.values.name`, `if`, `each`, `output.links[0].url`.
    pub field: String,
    pub error: ExprError,
}

impl Templater {
    pub fn new(syntax: Syntax) -> Templater {
        Templater { syntax }
    }

    /// Text without any template syntax renders as itself (no parse, no thread).
    fn is_plain(&self, source: &str) -> bool {
        let variable_start = if self.syntax.cookiecutter {
            "{{"
        } else {
            "${{"
        };
        ![variable_start, "{%", "{#", "#}"]
            .iter()
            .any(|d| source.contains(d))
            && source.len() <= limits::SOURCE_UNITS
    }

    fn options(&self) -> Options {
        Options {
            cookiecutter: self.syntax.cookiecutter,
            allow_regex: true,
        }
    }

    fn parse(&self, source: &str) -> Result<Vec<ast::Node>, ExprError> {
        if source.chars().count() > limits::SOURCE_UNITS {
            return Err(ExprError {
                message: limits::exceeded("source code unit", limits::SOURCE_UNITS),
                line: None,
                column: None,
            });
        }
        let options = scan::ScanOptions {
            cookiecutter: self.syntax.cookiecutter,
            trim_blocks: self.syntax.trim_blocks,
            lstrip_blocks: self.syntax.lstrip_blocks,
        };
        Ok(parser::parse(source, options, limits::NESTING_DEPTH)?)
    }

    fn scope(context: &Context) -> Rc<Scope> {
        let entries = match &context.0 {
            Json::Object(map) => map
                .iter()
                .filter(|(k, _)| !is_reserved(k))
                .map(|(k, v)| (Rc::from(k.as_str()), from_json(v)))
                .collect(),
            _ => Vec::new(),
        };
        Scope::root(entries.into_iter()).child(true).child(true)
    }

    /// Renders a text template to a string (`renderer.render`).
    pub fn render(&self, source: &str, context: &Context) -> Result<String, ExprError> {
        if self.is_plain(source) {
            return Ok(source.to_string());
        }
        on_deep_stack(|| self.render_here(source, context))
    }

    fn render_here(&self, source: &str, context: &Context) -> Result<String, ExprError> {
        let nodes = self.parse(source)?;
        let options = self.options();
        let evaluator = Evaluator::new(&options);
        let mut out = Out::default();
        evaluator.nodes(&nodes, &Self::scope(context), &mut out, 1)?;
        Ok(out.text)
    }

    /// One string through `renderValue(source, context, {coercion: 'json'})`: `None` is absent.
    pub fn render_string_value(
        &self,
        source: &str,
        context: &Context,
    ) -> Result<Option<Json>, ExprError> {
        let nodes = self.parse(source)?;
        let options = self.options();
        let evaluator = Evaluator::new(&options);
        // A single non-text root node renders in JSON mode: each interpolation also writes its
        // `dump`, and the concatenation is parsed back as JSON.
        let json_mode = nodes.len() == 1 && !matches!(nodes[0].kind, ast::NodeKind::Text(_));
        let mut out = Out {
            text: String::new(),
            json: json_mode.then(String::new),
        };
        evaluator.nodes(&nodes, &Self::scope(context), &mut out, 1)?;
        if let Some(encoded) = out.json {
            if encoded.is_empty() {
                return Ok(None);
            }
            if let Ok(value) = serde_json::from_str::<Json>(&encoded) {
                return Ok(Some(value));
            }
        }
        Ok((!out.text.is_empty()).then_some(Json::String(out.text)))
    }

    /// Evaluates one expression (no delimiters); `None` when it is undefined.
    pub fn eval(&self, expr: &str, context: &Context) -> Result<Option<Json>, ExprError> {
        on_deep_stack(|| self.eval_here(expr, context))
    }

    fn eval_here(&self, expr: &str, context: &Context) -> Result<Option<Json>, ExprError> {
        let parsed =
            expr_parser::ExprParser::new(expr, Pos::default(), limits::NESTING_DEPTH)?.parse()?;
        let options = self.options();
        let evaluator = Evaluator::new(&options);
        let value: Value = evaluator.expr(&parsed, &Self::scope(context), 1)?;
        value::to_json(&value).map_err(|message| ExprError {
            message,
            line: None,
            column: None,
        })
    }

    /// Renders every string inside a JSON value strictly: the first failure is an error.
    /// `None` when the whole value rendered absent; keys whose value renders absent are dropped.
    pub fn render_value(&self, value: &Json, context: &Context) -> Result<Option<Json>, ExprError> {
        let mut first_error = None;
        let rendered = self.render_tree(value, context, "", &mut |_, e| {
            first_error.get_or_insert(e);
        });
        match first_error {
            Some(e) => Err(e),
            None => Ok(rendered),
        }
    }

    /// Renders every string inside a JSON value as Backstage's runner does: a string that fails
    /// keeps its raw text, and each such failure is reported with its field path (`field` names
    /// the root, e.g. `input`).
    pub fn render_value_reporting(
        &self,
        value: &Json,
        context: &Context,
        field: &str,
        warnings: &mut Vec<RenderWarning>,
    ) -> Option<Json> {
        self.render_tree(value, context, field, &mut |field, error| {
            warnings.push(RenderWarning { field, error })
        })
    }

    fn render_tree(
        &self,
        value: &Json,
        context: &Context,
        path: &str,
        failed: &mut dyn FnMut(String, ExprError),
    ) -> Option<Json> {
        match value {
            Json::String(s) => match self.render_string_value(s, context) {
                Ok(v) => v,
                Err(e) => {
                    failed(path.to_string(), e);
                    Some(value.clone())
                }
            },
            // JSON.parse's reviver deletes an absent array item, which JSON later writes as null.
            Json::Array(items) => Some(Json::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        self.render_tree(item, context, &format!("{path}[{i}]"), failed)
                            .unwrap_or(Json::Null)
                    })
                    .collect(),
            )),
            Json::Object(map) => {
                let mut out = serde_json::Map::new();
                for (key, item) in map {
                    let field = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    if let Some(rendered) = self.render_tree(item, context, &field, failed) {
                        out.insert(key.clone(), rendered);
                    }
                }
                Some(Json::Object(out))
            }
            other => Some(other.clone()),
        }
    }
}

/// Backstage's truthiness for `if:` (`isTruthy`): an array is true when not empty, anything
/// else as JavaScript's `!!value`.
pub fn is_truthy(value: &Option<Json>) -> bool {
    match value {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_f64().is_some_and(|x| x != 0.0 && !x.is_nan()),
        Some(Json::String(s)) => !s.is_empty(),
        Some(Json::Array(items)) => !items.is_empty(),
        Some(Json::Object(_)) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        Context::new(&json!({
            "parameters": {"name": "my-service", "list": ["a", "b"], "count": 2},
            "values": {"owner": "acme", "repo": "widgets"},
        }))
    }

    #[test]
    fn step_strings_render_as_the_scaffolder_renders_them() {
        let t = Templater::default();
        let r = |s: &str| t.render_string_value(s, &ctx()).unwrap();
        assert_eq!(r("${{ parameters.name.length }}"), Some(json!(10)));
        assert_eq!(r("${{ parameters.list }}"), Some(json!(["a", "b"])));
        assert_eq!(
            r("${{ values.owner + '/' + values.repo }}"),
            Some(json!("acme/widgets"))
        );
        assert_eq!(
            r("${{ parameters.name === 'my-service' }}"),
            Some(json!(true))
        );
        assert_eq!(r("${{ r/serv/.test(parameters.name) }}"), Some(json!(true)));
        assert_eq!(r("${{ parameters.missing.deep }}"), None);
        assert_eq!(
            r("{% if parameters.count > 1 %}true{% endif %}"),
            Some(json!(true))
        );
        assert_eq!(r("n=${{ parameters.count }}"), Some(json!("n=2")));
        assert_eq!(r("${{ '' }}"), Some(json!("")));
    }

    #[test]
    fn a_string_that_fails_is_kept_raw_and_reported_with_its_field_and_position() {
        let t = Templater::default();
        let input = json!({
            "values": {"name": "${{ parameters.name.replaceAll('-', '_') }}", "ok": "${{ parameters.count }}"},
            "list": ["x", "${{ a && b }}"],
        });
        let mut warnings = Vec::new();
        let rendered = t.render_value_reporting(&input, &ctx(), "input", &mut warnings);
        assert_eq!(
            rendered,
            Some(json!({
                "values": {"name": "${{ parameters.name.replaceAll('-', '_') }}", "ok": 2},
                "list": ["x", "${{ a && b }}"],
            }))
        );
        let fields: Vec<&str> = warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(fields, ["input.values.name", "input.list[1]"]);
        assert!(
            warnings[0].error.to_string().contains("cannot be called"),
            "{}",
            warnings[0].error
        );
        assert_eq!(
            (warnings[1].error.line, warnings[1].error.column),
            (Some(1), Some(7))
        );
        assert!(t.render_value(&input, &ctx()).is_err());
    }

    #[test]
    fn unsupported_syntax_is_refused_with_a_position() {
        let t = Templater::default();
        let err = t.render("line\n${{ a || b }}", &ctx()).unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(8)));
        assert!(t.render("{% include 'x' %}", &ctx()).is_err());
        assert!(t.render("${{ parameters.name | nope }}", &ctx()).is_err());
    }
}
