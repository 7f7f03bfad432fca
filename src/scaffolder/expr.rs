//! Expressions and text templates as the Scaffolder evaluates them: nunjucks with `${{ }}` variable
//! delimiters (`{% %}` blocks, `{# #}` comments), run on minijinja.
//!
//! What follows Backstage (plugins/scaffolder-backend `SecureTemplater.ts`,
//! `NunjucksWorkflowRunner.ts` `render`, `lib/templating/filters.ts`):
//! - an input string that is exactly one `${{ expr }}` keeps the JSON type of the value (Backstage
//!   wraps it in `| dump` and parses the result back); any other string is rendered to a string;
//!   a result that is the empty string means "absent" (the key is dropped);
//! - undefined values render as nothing and chained lookups on them stay undefined (nunjucks'
//!   `memberLookup`), so `parameters.missing.deep` is empty, not an error;
//! - values print as JavaScript's `String()` would: arrays joined with `,`, objects as
//!   `[object Object]`, `1.0` as `1`;
//! - the Scaffolder filters `parseRepoUrl`, `parseEntityRef`, `pick`, `projectSlug`, and nunjucks'
//!   `dump`, `join` (with attribute), `length` (0 for undefined), `replace` (with max count),
//!   `truncate`, `wordcount`, `center`, `nl2br`, `striptags`, `forceescape` beside minijinja's own
//!   Jinja2 set (`upper`, `lower`, `trim`, `default`/`d`, `first`, `last`, `join`, `sort`, ...);
//! - the JavaScript string and array methods templates call most (`toUpperCase()`, `split()`,
//!   `startsWith()`, `includes()`, `replace()`, `join()`, ...).
//!
//! Known differences from nunjucks (documented in the README's Templates section): `===`/`!==`,
//! regex literals `r/../` and the `.length` *property* are not supported (use `| length`); a
//! template that fails to render is an error here, where Backstage silently keeps the raw text.
//!
//! Templates run no code: minijinja is a sandboxed interpreter without I/O, and every render has a
//! fuel budget (instructions) and an output cap, so a template cannot loop forever or fill memory.

use minijinja::value::{Value as MValue, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior};
use serde_json::Value;

/// Instructions one render may execute.
pub const FUEL: u64 = 20_000_000;
/// Bytes one rendered string may have.
pub const MAX_RENDERED_BYTES: usize = 16 << 20;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    pub message: String,
}

impl ExprError {
    fn new(message: impl Into<String>) -> ExprError {
        ExprError {
            message: message.into(),
        }
    }
}

impl From<Error> for ExprError {
    fn from(err: Error) -> ExprError {
        // The detail (line, what was undefined) is in the error's Display; debug info off keeps
        // the template source (and any value in it) out of the message.
        let mut message = err.kind().to_string();
        if let Some(detail) = err.detail() {
            message = format!("{message}: {detail}");
        }
        if let Some(line) = err.line() {
            message = format!("{message} (line {line})");
        }
        ExprError { message }
    }
}

/// minijinja's lexer panics ("empty lexer stack") on `}}` outside a string and outside brackets in
/// an expression (`a }} b`): its state stack runs empty. Such an expression is refused first.
fn refuse_stray_end(expr: &str) -> Result<(), ExprError> {
    let (mut quote, mut depth) = (None, 0usize);
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, '}') if depth == 0 && chars.peek() == Some(&'}') => {
                return Err(ExprError::new(format!(
                    "`}}}}` inside the expression `{expr}`: close the expression once"
                )))
            }
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Options of `fetch:template` that change how text is templated.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Syntax {
    /// `cookiecutterCompat`: `{{ }}` delimiters and the `jsonify` filter.
    pub cookiecutter: bool,
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
}

/// A configured template engine. Cheap to share (`&Templater`) between steps and threads.
pub struct Templater {
    env: Environment<'static>,
    variable_start: &'static str,
}

/// A render context converted once and used for many renders.
#[derive(Clone, Debug)]
pub struct Context(MValue);

impl Context {
    pub fn new(json: &Value) -> Context {
        Context(MValue::from_serialize(json))
    }
}

impl Default for Templater {
    fn default() -> Templater {
        Templater::new(Syntax::default())
    }
}

impl Templater {
    pub fn new(syntax: Syntax) -> Templater {
        let mut env = Environment::new();
        let variable_start = if syntax.cookiecutter { "{{" } else { "${{" };
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .block_delimiters("{%", "%}")
                .variable_delimiters(variable_start, "}}")
                .comment_delimiters("{#", "#}")
                .build()
                .expect("static delimiters are valid"),
        );
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        // nunjucks keeps a file's last newline; minijinja drops it by default.
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(syntax.trim_blocks);
        env.set_lstrip_blocks(syntax.lstrip_blocks);
        env.set_fuel(Some(FUEL));
        env.set_formatter(|out: &mut Output, _state: &State, value: &MValue| {
            out.write_str(&js_string(value))
                .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))
        });
        env.set_unknown_method_callback(js_method);
        env.add_filter("parseRepoUrl", |url: String| {
            parse_repo_url(&url).map(|v| MValue::from_serialize(&v))
        });
        env.add_filter("projectSlug", |url: String| {
            let parsed = parse_repo_url(&url)?;
            let part = |k: &str| parsed.get(k).and_then(Value::as_str).unwrap_or_default();
            Ok::<_, Error>(format!("{}/{}", part("owner"), part("repo")))
        });
        env.add_filter(
            "parseEntityRef",
            |value: MValue, context: Option<MValue>| {
                let context: Value = context
                    .map(|c| serde_json::to_value(&c).unwrap_or(Value::Null))
                    .unwrap_or(Value::Null);
                parse_entity_ref(&to_json(&value).unwrap_or(Value::Null), &context)
                    .map(|v| MValue::from_serialize(&v))
            },
        );
        env.add_filter("pick", |value: MValue, path: String| {
            let json = to_json(&value).unwrap_or(Value::Null);
            pick(&json, &path)
                .map(MValue::from_serialize)
                .unwrap_or(MValue::UNDEFINED)
        });
        env.add_filter("dump", dump);
        if syntax.cookiecutter {
            env.add_filter("jsonify", dump);
        }
        env.add_filter("join", join);
        env.add_filter("length", length);
        env.add_filter("replace", replace);
        env.add_filter("truncate", truncate);
        env.add_filter("wordcount", |s: String| s.split_whitespace().count());
        env.add_filter("center", |s: String, width: Option<usize>| {
            let width = width.unwrap_or(80);
            let len = s.chars().count();
            if len >= width {
                return s;
            }
            let left = (width - len) / 2;
            let right = width - len - left;
            format!("{}{s}{}", " ".repeat(left), " ".repeat(right))
        });
        env.add_filter("nl2br", |s: String| {
            s.replace("\r\n", "<br />\n").replace('\n', "<br />\n")
        });
        env.add_filter("striptags", striptags);
        env.add_filter("forceescape", |s: String| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;")
        });
        Templater {
            env,
            variable_start,
        }
    }

    /// Renders a text template to a string.
    pub fn render(&self, source: &str, context: &Context) -> Result<String, ExprError> {
        if !source.contains(self.variable_start())
            && !source.contains("{%")
            && !source.contains("{#")
        {
            return Ok(source.to_string());
        }
        let source = quote_object_keys(source, self.variable_start);
        let rendered = self.env.render_str(&source, &context.0)?;
        if rendered.len() > MAX_RENDERED_BYTES {
            return Err(ExprError::new(format!(
                "rendered text is larger than {} MiB",
                MAX_RENDERED_BYTES >> 20
            )));
        }
        Ok(rendered)
    }

    /// Evaluates one expression (no delimiters); `None` when it is undefined.
    pub fn eval(&self, expr: &str, context: &Context) -> Result<Option<Value>, ExprError> {
        refuse_stray_end(expr)?;
        let expr = quote_object_keys_in(expr);
        let value = self.env.compile_expression(&expr)?.eval(&context.0)?;
        if value.is_undefined() {
            return Ok(None);
        }
        to_json(&value).map(Some)
    }

    /// Renders every string inside a JSON value with Backstage's rule; `None` when the whole value
    /// rendered to the empty string (absent). Keys whose value renders absent are dropped.
    pub fn render_value(
        &self,
        value: &Value,
        context: &Context,
    ) -> Result<Option<Value>, ExprError> {
        Ok(match value {
            Value::String(s) => self.render_string_value(s, context)?,
            Value::Array(items) => Some(Value::Array(
                items
                    .iter()
                    .map(|item| Ok(self.render_value(item, context)?.unwrap_or(Value::Null)))
                    .collect::<Result<_, ExprError>>()?,
            )),
            Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (key, item) in map {
                    if let Some(rendered) = self.render_value(item, context)? {
                        out.insert(key.clone(), rendered);
                    }
                }
                Some(Value::Object(out))
            }
            other => Some(other.clone()),
        })
    }

    fn render_string_value(&self, s: &str, context: &Context) -> Result<Option<Value>, ExprError> {
        if let Some(expr) = self.single_expression(s) {
            // Backstage falls back to plain rendering when the lone expression does not parse.
            let compiled = refuse_stray_end(expr).and_then(|()| {
                Ok(self
                    .env
                    .compile_expression_owned(quote_object_keys_in(expr))?)
            });
            if let Ok(compiled) = compiled {
                let value = compiled.eval(&context.0)?;
                if value.is_undefined() {
                    return Ok(None);
                }
                return to_json(&value).map(Some);
            }
        }
        let rendered = self.render(s, context)?;
        Ok((!rendered.is_empty()).then_some(Value::String(rendered)))
    }

    fn variable_start(&self) -> &'static str {
        self.variable_start
    }

    /// The expression inside a string that is exactly one `${{ ... }}`.
    fn single_expression<'a>(&self, s: &'a str) -> Option<&'a str> {
        let inner = s.strip_prefix(self.variable_start())?.strip_suffix("}}")?;
        (!inner.contains(self.variable_start()) && !inner.contains("{%")).then_some(inner)
    }
}

/// nunjucks object literals take bare keys as names (`{ defaultKind: "group" }`, as in
/// JavaScript); Jinja would look `defaultKind` up as a variable. Bare keys after `{` or `,` are
/// quoted inside the template's tags, strings left alone.
fn quote_object_keys<'a>(source: &'a str, variable_start: &str) -> std::borrow::Cow<'a, str> {
    if !source.contains(':') {
        return std::borrow::Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len() + 16);
    let mut rest = source;
    loop {
        let next = [variable_start, "{%"]
            .iter()
            .filter_map(|d| rest.find(d).map(|i| (i, *d)))
            .min_by_key(|(i, _)| *i);
        let Some((start, delimiter)) = next else {
            out.push_str(rest);
            break;
        };
        let end_delimiter = if delimiter == "{%" { "%}" } else { "}}" };
        out.push_str(&rest[..start + delimiter.len()]);
        rest = &rest[start + delimiter.len()..];
        let end = tag_end(rest, end_delimiter).unwrap_or(rest.len());
        out.push_str(&quote_object_keys_in(&rest[..end]));
        rest = &rest[end..];
    }
    std::borrow::Cow::Owned(out)
}

/// Where a tag's closing delimiter is, outside string literals.
fn tag_end(tag: &str, end_delimiter: &str) -> Option<usize> {
    let mut literals = Literals::default();
    tag.char_indices()
        .find(|&(i, c)| !literals.takes(c) && tag[i..].starts_with(end_delimiter))
        .map(|(i, _)| i)
}

/// Where a scan stands against string literals ('…' or "…", with backslash escapes inside).
#[derive(Default)]
struct Literals {
    quote: Option<char>,
    escaped: bool,
}

impl Literals {
    /// Takes the next character; true when it belongs to a string literal, its quotes included.
    fn takes(&mut self, c: char) -> bool {
        match self.quote {
            Some(q) => {
                if self.escaped {
                    self.escaped = false;
                } else if c == '\\' {
                    self.escaped = true;
                } else if c == q {
                    self.quote = None;
                }
                true
            }
            None if c == '"' || c == '\'' => {
                self.quote = Some(c);
                true
            }
            None => false,
        }
    }
}

/// [`quote_object_keys`] for one expression.
fn quote_object_keys_in(expr: &str) -> String {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = String::with_capacity(expr.len() + 8);
    let mut literals = Literals::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        i += 1;
        if literals.takes(c) {
            continue;
        }
        match c {
            '{' | ',' => {
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if j < chars.len() && (chars[j].is_ascii_alphabetic() || chars[j] == '_') {
                    let mut k = j;
                    while k < chars.len() && (chars[k].is_ascii_alphanumeric() || chars[k] == '_') {
                        k += 1;
                    }
                    let mut colon = k;
                    while colon < chars.len() && chars[colon].is_whitespace() {
                        colon += 1;
                    }
                    if colon < chars.len()
                        && chars[colon] == ':'
                        && (c == '{' || inside_braces(&chars[..i]))
                    {
                        out.extend(&chars[i..j]);
                        out.push('"');
                        out.extend(&chars[j..k]);
                        out.push('"');
                        i = k;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether the innermost open bracket before the end of `before` is a `{` (a `,` inside an
/// object literal, not inside a call or a list).
fn inside_braces(before: &[char]) -> bool {
    let mut depth: Vec<char> = Vec::new();
    let mut quote = None;
    for &c in before {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '{' | '(' | '[' => depth.push(c),
                '}' | ')' | ']' => {
                    depth.pop();
                }
                _ => {}
            },
        }
    }
    depth.last() == Some(&'{')
}

/// Backstage's truthiness for `if:` (`isTruthy`): an array is true when not empty, anything
/// else as JavaScript's `!!value`.
pub fn is_truthy(value: &Option<Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|x| x != 0.0 && !x.is_nan()),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(_)) => true,
    }
}

fn to_json(value: &MValue) -> Result<Value, ExprError> {
    if value.is_undefined() {
        return Ok(Value::Null);
    }
    serde_json::to_value(value).map_err(|e| ExprError::new(format!("value is not JSON: {e}")))
}

/// JavaScript's `String(value)`, which is how nunjucks prints a value.
fn js_string(value: &MValue) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => String::new(),
        ValueKind::Bool => value.is_true().to_string(),
        ValueKind::Number => match (value.as_i64(), f64::try_from(value.clone())) {
            (Some(i), _) => i.to_string(),
            (None, Ok(x)) => js_number(x),
            _ => value.to_string(),
        },
        ValueKind::String | ValueKind::Bytes => value.as_str().unwrap_or_default().to_string(),
        ValueKind::Seq | ValueKind::Iterable => value
            .try_iter()
            .map(|items| items.map(|v| js_string(&v)).collect::<Vec<_>>().join(","))
            .unwrap_or_default(),
        ValueKind::Map => "[object Object]".to_string(),
        _ => value.to_string(),
    }
}

fn js_number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if x.fract() == 0.0 && x.abs() < 1e21 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// nunjucks `dump(value, spaces)`: `JSON.stringify`.
fn dump(value: MValue, spaces: Option<MValue>) -> Result<String, Error> {
    if value.is_undefined() {
        return Ok(String::new());
    }
    let json = to_json(&value).map_err(|e| Error::new(ErrorKind::InvalidOperation, e.message))?;
    let indent = spaces
        .and_then(|s| s.as_i64())
        .filter(|n| *n > 0)
        .map(|n| n.min(10) as usize);
    Ok(match indent {
        None => serde_json::to_string(&json).unwrap_or_default(),
        Some(n) => {
            let indent = " ".repeat(n);
            let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
            let mut out = Vec::new();
            let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
            serde::Serialize::serialize(&json, &mut ser)
                .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
            String::from_utf8(out).unwrap_or_default()
        }
    })
}

/// nunjucks `join(array, separator = "", attribute)`.
fn join(
    value: MValue,
    separator: Option<String>,
    attribute: Option<String>,
) -> Result<String, Error> {
    if value.is_undefined() || value.is_none() {
        return Ok(String::new());
    }
    if let Some(s) = value.as_str() {
        // A string joins its characters, as Array.prototype.join on a string would not: nunjucks
        // converts it with `lib.toArray`.
        return Ok(s
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join(separator.as_deref().unwrap_or("")));
    }
    let items = value.try_iter()?;
    let parts: Vec<String> = items
        .map(|item| match &attribute {
            Some(attr) => js_string(&item.get_attr(attr).unwrap_or(MValue::UNDEFINED)),
            None => js_string(&item),
        })
        .collect();
    Ok(parts.join(separator.as_deref().unwrap_or("")))
}

/// nunjucks `length`: 0 for undefined and null, characters of a string, items of a list, keys
/// of an object.
fn length(value: MValue) -> Result<usize, Error> {
    Ok(match value.kind() {
        ValueKind::Undefined | ValueKind::None => 0,
        ValueKind::String => value.as_str().map_or(0, |s| s.encode_utf16().count()),
        _ => value.len().unwrap_or(0),
    })
}

/// nunjucks `replace(string, old, new, maxCount)`.
fn replace(value: MValue, old: String, new: String, max: Option<i64>) -> Result<String, Error> {
    let s = js_string(&value);
    Ok(match max {
        Some(n) if n >= 0 => s.replacen(&old, &new, n as usize),
        _ => s.replace(&old, &new),
    })
}

/// nunjucks `truncate(string, length = 255, killwords = false, end = "...")`.
fn truncate(
    s: String,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<String>,
) -> String {
    let length = length.unwrap_or(255);
    if s.chars().count() <= length {
        return s;
    }
    let end = end.unwrap_or_else(|| "...".into());
    let mut cut: String = s.chars().take(length).collect();
    if !killwords.unwrap_or(false) {
        if let Some(space) = cut.rfind(' ') {
            cut.truncate(space);
        }
    }
    cut + &end
}

/// nunjucks `striptags`: tags removed and whitespace runs collapsed to one space.
fn striptags(s: String) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The JavaScript methods nunjucks templates call on strings and arrays (nunjucks evaluates member
/// calls on the real JS object).
fn js_method(
    _state: &State,
    value: &MValue,
    method: &str,
    args: &[MValue],
) -> Result<MValue, Error> {
    let arg_str = |i: usize| args.get(i).map(js_string).unwrap_or_default();
    let arg_int = |i: usize| args.get(i).and_then(MValue::as_i64);
    if let Some(s) = value.as_str() {
        let chars: Vec<char> = s.chars().collect();
        let index = |i: i64| -> usize {
            let len = chars.len() as i64;
            (if i < 0 { (len + i).max(0) } else { i.min(len) }) as usize
        };
        return Ok(match method {
            "toUpperCase" | "toLocaleUpperCase" => MValue::from(s.to_uppercase()),
            "toLowerCase" | "toLocaleLowerCase" => MValue::from(s.to_lowercase()),
            "trim" => MValue::from(s.trim()),
            "trimStart" => MValue::from(s.trim_start()),
            "trimEnd" => MValue::from(s.trim_end()),
            "startsWith" => MValue::from(s.starts_with(&arg_str(0))),
            "endsWith" => MValue::from(s.ends_with(&arg_str(0))),
            "includes" => MValue::from(s.contains(&arg_str(0))),
            "indexOf" => MValue::from(
                s.find(&arg_str(0))
                    .map_or(-1, |byte| s[..byte].chars().count() as i64),
            ),
            "split" => {
                let sep = arg_str(0);
                let parts: Vec<String> = if sep.is_empty() {
                    chars.iter().map(|c| c.to_string()).collect()
                } else {
                    s.split(&sep).map(str::to_string).collect()
                };
                MValue::from(parts)
            }
            "replace" => MValue::from(s.replacen(&arg_str(0), &arg_str(1), 1)),
            "replaceAll" => MValue::from(s.replace(&arg_str(0), &arg_str(1))),
            "slice" | "substring" => {
                let start = index(arg_int(0).unwrap_or(0));
                let end = arg_int(1).map_or(chars.len(), index);
                MValue::from(chars[start..end.max(start)].iter().collect::<String>())
            }
            "concat" => MValue::from(format!("{s}{}", arg_str(0))),
            "toString" => MValue::from(s),
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        });
    }
    if matches!(value.kind(), ValueKind::Seq) {
        let items: Vec<MValue> = value.try_iter()?.collect();
        return Ok(match method {
            "join" => MValue::from(
                items
                    .iter()
                    .map(js_string)
                    .collect::<Vec<_>>()
                    .join(&args.first().map_or(",".to_string(), js_string)),
            ),
            "includes" => MValue::from(args.first().is_some_and(|a| items.contains(a))),
            "indexOf" => MValue::from(
                args.first()
                    .and_then(|a| items.iter().position(|i| i == a))
                    .map_or(-1, |p| p as i64),
            ),
            "slice" => {
                let len = items.len() as i64;
                let idx = |i: i64| (if i < 0 { (len + i).max(0) } else { i.min(len) }) as usize;
                let start = idx(arg_int(0).unwrap_or(0));
                let end = arg_int(1).map_or(items.len(), idx);
                MValue::from(items[start..end.max(start)].to_vec())
            }
            "concat" => {
                let mut out = items;
                for a in args {
                    match a.kind() {
                        ValueKind::Seq => out.extend(a.try_iter()?),
                        _ => out.push(a.clone()),
                    }
                }
                MValue::from(out)
            }
            "toString" => MValue::from(js_string(value)),
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        });
    }
    Err(Error::from(ErrorKind::UnknownMethod))
}

fn filter_error(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// Backstage's `parseRepoUrl` (plugin-scaffolder-node): `host?owner=..&repo=..` (or
/// `organization`, `workspace`, `project`) into `{host, owner, repo, organization, workspace,
/// project}`, absent parts left out. The parts required depend on the host's SCM: GitLab `owner`
/// (or `project`) and `repo`, Bitbucket `project` and `repo` (and `workspace` on bitbucket.org),
/// Azure `project` and `repo`, everything else (GitHub, GitHub Enterprise) `owner` and `repo`.
pub fn parse_repo_url(repo_url: &str) -> Result<Value, Error> {
    let parsed = url::Url::parse(&format!("https://{repo_url}")).map_err(|e| {
        filter_error(format!(
            "Invalid repo URL passed to publisher, got {repo_url}, {e}"
        ))
    })?;
    let host = match (parsed.host_str(), parsed.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => {
            return Err(filter_error(format!(
                "Invalid repo URL {repo_url}: no host"
            )))
        }
    };
    let param = |name: &str| {
        parsed
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
    };
    let required: &[&str] = if host.contains("gitlab") {
        if param("project").is_some() {
            &[]
        } else {
            &["owner", "repo"]
        }
    } else if host == "www.bitbucket.org" {
        &["workspace", "project", "repo"]
    } else if host.contains("bitbucket")
        || host == "dev.azure.com"
        || host.ends_with(".visualstudio.com")
    {
        &["project", "repo"]
    } else {
        &["repo", "owner"]
    };
    for name in required {
        if param(name).is_none() {
            return Err(filter_error(format!(
                "Invalid repo URL passed to publisher: {parsed}, missing {name}"
            )));
        }
    }
    let mut out = serde_json::Map::new();
    out.insert("host".into(), Value::String(host));
    for name in ["owner", "repo", "organization", "workspace", "project"] {
        if let Some(v) = param(name) {
            out.insert(name.into(), Value::String(v));
        }
    }
    Ok(Value::Object(out))
}

/// Backstage's `parseEntityRef` (catalog-model) with `{defaultKind, defaultNamespace}`.
pub fn parse_entity_ref(reference: &Value, context: &Value) -> Result<Value, Error> {
    let default_kind = context.get("defaultKind").and_then(Value::as_str);
    let default_namespace = context
        .get("defaultNamespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    let (kind, namespace, name) = match reference {
        Value::String(text) if !text.is_empty() => {
            let slash = text.find('/');
            let mut colon = text.find(':');
            if let (Some(s), Some(c)) = (slash, colon) {
                if s < c {
                    colon = None;
                }
            }
            let kind = colon.map(|c| &text[..c]);
            let namespace = slash.map(|s| &text[colon.map_or(0, |c| c + 1)..s]);
            let name = &text[colon.map_or(0, |c| c + 1).max(slash.map_or(0, |s| s + 1))..];
            if kind == Some("") || namespace == Some("") || name.is_empty() {
                return Err(filter_error(format!(
                    "Entity reference \"{text}\" was not on the form [<kind>:][<namespace>/]<name>"
                )));
            }
            let kind = kind.or(default_kind).ok_or_else(|| {
                filter_error(format!("Entity reference \"{text}\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"))
            })?;
            (
                kind.to_string(),
                namespace.unwrap_or(default_namespace).to_string(),
                name.to_string(),
            )
        }
        Value::Object(map) => {
            let field = |k: &str| map.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
            let name = field("name")
                .ok_or_else(|| filter_error("Entity reference had missing or empty name".into()))?;
            let kind = field("kind")
                .or(default_kind)
                .ok_or_else(|| filter_error("Entity reference had missing or empty kind".into()))?;
            (
                kind.to_string(),
                field("namespace").unwrap_or(default_namespace).to_string(),
                name.to_string(),
            )
        }
        _ => return Err(filter_error("Entity reference must not be empty".into())),
    };
    Ok(serde_json::json!({ "kind": kind, "namespace": namespace, "name": name }))
}

/// lodash `get(object, path)`: `a.b[0].c` or `a['b']`.
pub fn pick<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut keys = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => keys.push(std::mem::take(&mut current)),
            '[' => {
                if !current.is_empty() {
                    keys.push(std::mem::take(&mut current));
                }
                let mut inner = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    inner.push(c);
                }
                keys.push(inner.trim_matches(|c| c == '\'' || c == '"').to_string());
                if chars.peek() == Some(&'.') {
                    chars.next();
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() || keys.is_empty() {
        keys.push(current);
    }
    keys.iter().try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        Context::new(&json!({
            "parameters": {
                "name": "test-project",
                "count": 1234,
                "itemList": ["first", "second", "third"],
                "repoUrl": "github.com?repo=backstage&owner=backstage",
                "owner": "group:techdocs",
                "flag": false,
            },
            "steps": { "publish": { "output": { "remoteUrl": "https://github.com/o/r" } } },
        }))
    }

    #[test]
    fn a_lone_expression_keeps_its_type_and_others_render_to_strings() {
        let t = Templater::default();
        let c = ctx();
        let r = |s: &str| t.render_value(&json!(s), &c).unwrap();
        assert_eq!(r("${{ parameters.count }}"), Some(json!(1234)));
        assert_eq!(
            r("${{ parameters.itemList }}"),
            Some(json!(["first", "second", "third"]))
        );
        assert_eq!(r("${{ parameters.flag }}"), Some(json!(false)));
        assert_eq!(r("n=${{ parameters.count }}"), Some(json!("n=1234")));
        assert_eq!(
            r("${{ parameters.itemList }}!"),
            Some(json!("first,second,third!"))
        );
        assert_eq!(r("${{ parameters.nope }}"), None);
        assert_eq!(r("${{ parameters.nope.deeper }}"), None);
        assert_eq!(r("x${{ parameters.nope }}"), Some(json!("x")));
        assert_eq!(
            r("${{ steps['publish'].output.remoteUrl }}"),
            Some(json!("https://github.com/o/r"))
        );
    }

    #[test]
    fn nunjucks_filters() {
        let t = Templater::default();
        let c = ctx();
        let s = |s: &str| t.render(s, &c).unwrap();
        assert_eq!(
            s("${{ parameters.itemList | dump }}"),
            r#"["first","second","third"]"#
        );
        assert_eq!(s("${{ parameters.name | upper }}"), "TEST-PROJECT");
        assert_eq!(
            s("${{ parameters.name | replace('-', '_') }}"),
            "test_project"
        );
        assert_eq!(s("${{ parameters.missing | default('x') }}"), "x");
        assert_eq!(
            s("${{ parameters.itemList | join(', ') }}"),
            "first, second, third"
        );
        assert_eq!(s("${{ parameters.itemList | length }}"), "3");
        assert_eq!(s("${{ parameters.missing | length }}"), "0");
        assert_eq!(
            s("${{ parameters.itemList | first }}/${{ parameters.itemList | last }}"),
            "first/third"
        );
        assert_eq!(s("${{ '  a ' | trim }}"), "a");
        assert_eq!(s("${{ parameters.name.toUpperCase() }}"), "TEST-PROJECT");
        assert_eq!(s("${{ parameters.name.split('-')[1] }}"), "project");
        assert_eq!(s("${{ 'foo bar baz' | truncate(5) }}"), "foo...");
        assert_eq!(
            s("{% if parameters.flag %}yes{% else %}no{% endif %}\n"),
            "no\n"
        );
        assert_eq!(
            s("${{ {a: 1, 'b': 2, c:'x,y:z'} | dump }}"),
            r#"{"a":1,"b":2,"c":"x,y:z"}"#
        );
        assert_eq!(s("${{ parameters.itemList[0:1] | join }}"), "first");
        assert_eq!(
            s("{% for i in parameters.itemList %}${{ loop.index }}${{ i }} {% endfor %}"),
            "1first 2second 3third "
        );
    }
}
