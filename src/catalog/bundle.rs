//! `$openapi` and `$asyncapi` placeholders, as Backstage's `plugin-catalog-backend-module-openapi`
//! resolves them: the document is read, every `$ref` to another file (relative to the file it is
//! written in) is replaced by what it points at, and internal `#/...` refs of the document are left
//! as they are; the result is the document as YAML text. Like json-schema-ref-parser's `bundle`
//! (which the module uses), a target met a second time (or inside itself) becomes an internal ref
//! to where it was first put, so shared and recursive schemas stay finite.
//!
//! Pure: files come through the `read` function the caller gives (the disk while loading, HTTP
//! when a URL definition is shown).

use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// Reads the text of a location (a path or a URL), or says why it cannot.
pub type Read<'a> = dyn FnMut(&str) -> Result<String, String> + 'a;

/// Why a document could not be bundled: the file, the `$ref` written in it (none when the file
/// itself does not parse), and what went wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct BundleError {
    pub file: String,
    pub reference: Option<String>,
    pub message: String,
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reference {
            Some(reference) => write!(f, "$ref {reference:?} in {}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The document at `location` (its text already read) with its external refs inlined, as YAML.
pub fn bundle(location: &str, text: &str, read: &mut Read) -> Result<String, BundleError> {
    let mut root = parse(location, text)?;
    let mut bundler = Bundler {
        root: location.to_string(),
        read,
        docs: HashMap::new(),
        placed: HashMap::new(),
    };
    bundler.walk(&mut root, location, &mut Vec::new())?;
    serde_yaml::to_string(&root).map_err(|err| BundleError {
        file: location.to_string(),
        reference: None,
        message: format!("cannot write the bundled document: {err}"),
    })
}

/// `target` relative to the file at `base`: a URL joined to a URL base, a path to the base's
/// folder (`..` and `.` folded, so one file has one name).
pub fn join(base: &str, target: &str) -> String {
    if is_url(target) {
        return target.to_string();
    }
    if is_url(base) {
        return url::Url::parse(base)
            .and_then(|b| b.join(target))
            .map_or_else(|_| target.to_string(), String::from);
    }
    let dir = Path::new(base).parent().unwrap_or(Path::new(""));
    let mut out = PathBuf::new();
    for part in dir.join(target).components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.display().to_string()
}

pub fn is_url(text: &str) -> bool {
    text.contains("://") && url::Url::parse(text).is_ok()
}

/// A document's text as JSON values: JSON when it looks like JSON (fast for big descriptions),
/// else YAML.
fn parse(file: &str, text: &str) -> Result<Value, BundleError> {
    let parsed = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))
    } else {
        serde_yaml::from_str(text).map_err(|e| format!("not valid YAML: {e}"))
    };
    parsed.map_err(|message| BundleError {
        file: file.to_string(),
        reference: None,
        message,
    })
}

struct Bundler<'a, 'r> {
    root: String,
    read: &'a mut Read<'r>,
    /// Files read so far, by location.
    docs: HashMap<String, Value>,
    /// (file, JSON pointer) → the pointer in the result where it was put.
    placed: HashMap<(String, String), String>,
}

impl Bundler<'_, '_> {
    /// Inlines the external refs under `value`, which sits at `path` in the result and was read
    /// from `file`.
    fn walk(
        &mut self,
        value: &mut Value,
        file: &str,
        path: &mut Vec<String>,
    ) -> Result<(), BundleError> {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let reference = reference.clone();
                    return self.replace(value, &reference, file, path);
                }
                for (key, child) in map.iter_mut() {
                    path.push(key.clone());
                    self.walk(child, file, path)?;
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    path.push(i.to_string());
                    self.walk(child, file, path)?;
                    path.pop();
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A `$ref` object: left alone (internal to the document), pointed at where its target was
    /// already put, or replaced by its target (with the object's other keys over it).
    fn replace(
        &mut self,
        value: &mut Value,
        reference: &str,
        file: &str,
        path: &mut Vec<String>,
    ) -> Result<(), BundleError> {
        let error = |message: String| BundleError {
            file: file.to_string(),
            reference: Some(reference.to_string()),
            message,
        };
        let (target_file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let pointer = percent_decode(fragment);
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(error(
                "only JSON pointers (#/a/b) are supported after the #".into(),
            ));
        }
        let target = if target_file.is_empty() {
            file.to_string()
        } else {
            join(file, target_file)
        };
        if target == self.root {
            // Into the document itself: an internal ref, whoever wrote it.
            *value = ref_to(&pointer);
            return Ok(());
        }
        let key = (target.clone(), pointer.clone());
        if let Some(placed) = self.placed.get(&key) {
            *value = ref_to(placed);
            return Ok(());
        }
        if !self.docs.contains_key(&target) {
            let text = (self.read)(&target)
                .map_err(|why| error(format!("cannot read {target} ({why})")))?;
            let doc = parse(&target, &text)?;
            self.docs.insert(target.clone(), doc);
        }
        let mut inlined = self.docs[&target]
            .pointer(&pointer)
            .cloned()
            .ok_or_else(|| error(format!("{target} has nothing at #{pointer}")))?;
        self.placed.insert(key, to_pointer(path));
        self.walk(&mut inlined, &target, path)?;
        if let (Value::Object(siblings), Value::Object(target_map)) = (&*value, &mut inlined) {
            for (k, v) in siblings.iter().filter(|(k, _)| *k != "$ref") {
                target_map.insert(k.clone(), v.clone());
            }
        }
        *value = inlined;
        Ok(())
    }
}

fn ref_to(pointer: &str) -> Value {
    serde_json::json!({ "$ref": format!("#{pointer}") })
}

/// A path in the result as a JSON pointer (`~` and `/` escaped).
fn to_pointer(path: &[String]) -> String {
    path.iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// `%7B` → `{`: a ref's fragment is URI-encoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files<'a>(
        list: &'a [(&'a str, &'a str)],
    ) -> impl FnMut(&str) -> Result<String, String> + 'a {
        move |at: &str| {
            list.iter()
                .find(|(name, _)| *name == at)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| "no such file".to_string())
        }
    }

    #[test]
    fn external_refs_are_inlined_and_internal_ones_kept() {
        let main = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: './common/responses.yaml#/Ok'}\n        '404': {$ref: '#/components/responses/NotFound'}\n  /b:\n    get:\n      responses:\n        '200': {$ref: 'common/responses.yaml#/Ok'}\n";
        let responses = "Ok:\n  description: fine\n  content:\n    application/json:\n      schema: {$ref: '#/Thing'}\nThing:\n  type: object\n  properties:\n    child: {$ref: '#/Thing'}\n";
        let list = [("/api/common/responses.yaml", responses)];
        let mut read = files(&list);
        let out = bundle("/api/openapi.yaml", main, &mut read).unwrap();
        let doc: Value = serde_yaml::from_str(&out).unwrap();
        let ok = &doc["paths"]["/a"]["get"]["responses"]["200"];
        assert_eq!(ok["description"], "fine");
        // A file's own internal ref is inlined once; inside itself it points back.
        let thing = &ok["content"]["application/json"]["schema"];
        assert_eq!(thing["type"], "object");
        assert_eq!(
            thing["properties"]["child"]["$ref"],
            "#/paths/~1a/get/responses/200/content/application~1json/schema"
        );
        assert_eq!(
            doc["paths"]["/a"]["get"]["responses"]["404"]["$ref"],
            "#/components/responses/NotFound"
        );
        // The same target again: a ref to where it was put.
        assert_eq!(
            doc["paths"]["/b"]["get"]["responses"]["200"]["$ref"],
            "#/paths/~1a/get/responses/200"
        );
    }

    #[test]
    fn broken_refs_name_the_file_and_the_ref() {
        let main =
            "asyncapi: 2.6.0\ncomponents:\n  messages:\n    A: {$ref: './messages.yaml#/A'}\n";
        let err = bundle("/x/asyncapi.yaml", main, &mut files(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "$ref \"./messages.yaml#/A\" in /x/asyncapi.yaml: cannot read /x/messages.yaml (no such file)"
        );
        let list = [("/x/messages.yaml", "B: {}\n")];
        let mut read = files(&list);
        let err = bundle("/x/asyncapi.yaml", main, &mut read).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("/x/messages.yaml has nothing at #/A"),
            "{err}"
        );
        let list = [("/x/messages.yaml", "A: [unclosed\n")];
        let mut read = files(&list);
        let err = bundle("/x/asyncapi.yaml", main, &mut read).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/x/messages.yaml: not valid YAML"),
            "{err}"
        );
    }

    #[test]
    fn joins_paths_and_urls() {
        assert_eq!(join("/a/b/openapi.yaml", "../c/./d.yaml"), "/a/c/d.yaml");
        assert_eq!(
            join("https://h.example/r/api.yaml", "s.yaml"),
            "https://h.example/r/s.yaml"
        );
        assert_eq!(
            join("/a/x.yaml", "https://h.example/y"),
            "https://h.example/y"
        );
        assert_eq!(percent_decode("/paths/%7Bid%7D"), "/paths/{id}");
    }
}
