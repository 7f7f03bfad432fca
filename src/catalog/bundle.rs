//! `$openapi` and `$asyncapi` placeholders, as Backstage's `plugin-catalog-backend-module-openapi`
//! resolves them: the document is read and bundled the way json-schema-ref-parser's `bundle`
//! (which the module uses) does it, and the result is the document as YAML text.
//!
//! The bundler's rules, which decide where each shared schema ends up and so every `$ref` left in
//! the text (checked against the real module in `tests/backstage_placeholders.rs`):
//! - every `$ref` is inventoried by a walk that visits keys `definitions`/`$defs` first, then
//!   shorter keys first (JavaScript's key order: integer-like keys before the others), and walks
//!   into each object once, at the first place it is met;
//! - a ref's target is followed through refs on its way (`#/a` where `a` is a ref to another file
//!   points into that file);
//! - refs into the document itself stay, as `#pointer`; refs to another file are grouped by target
//!   and sorted (fewer ref hops, then nearer the root, then nearer a `definitions`, then the shorter
//!   path): the first of each target is replaced by the target (a `$ref` with sibling keys keeps
//!   them over the target's), the others point at it, and a target inside an inlined one points
//!   beneath it; a pointer that passes through a ref is then rewritten to go round it;
//! - AsyncAPI 3 keeps the refs under `channels/*/servers`, `operations/*/channel` and
//!   `operations/*/messages` (and those of `components`) as they are written.
//!
//! Pure: files come through the `read` function the caller gives (the disk while loading, HTTP
//! when a URL definition is shown).

use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
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
    let root = parse(location, text)?;
    let asyncapi3 = match &root["asyncapi"] {
        Value::String(version) => version.split('.').next() == Some("3"),
        Value::Number(version) => version.as_f64().is_some_and(|v| v.trunc() == 3.0),
        _ => false,
    };
    let mut bundler = Bundler {
        root: location.to_string(),
        read,
        docs: HashMap::from([(location.to_string(), root)]),
        seen: HashSet::new(),
        inventory: Vec::new(),
        asyncapi3,
    };
    bundler.crawl(location, "", &mut Vec::new(), 0)?;
    let actions = remap(std::mem::take(&mut bundler.inventory));
    let mut pointers = Vec::new();
    let mut out = Place {
        docs: &bundler.docs,
        actions: &actions,
        pointers: &mut pointers,
    }
    .put(location, "", &mut Vec::new())
    .map_err(|message| BundleError {
        file: location.to_string(),
        reference: None,
        message,
    })?;
    for at in pointers {
        go_round_refs(&mut out, &at);
    }
    serde_yaml::to_string(&out).map_err(|err| BundleError {
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

/// One `$ref` met by the walk (json-schema-ref-parser's inventory entry).
struct Entry {
    /// The ref object: its file and its pointer there.
    at: (String, String),
    /// Where the walk met it, as a pointer in the result (`#/a/b`).
    path: String,
    depth: usize,
    /// What it resolves to, past any refs on the way: the file and `#pointer`.
    file: String,
    hash: String,
    /// It points at itself.
    circular: bool,
    /// It has keys beside `$ref`.
    extended: bool,
    external: bool,
    /// Refs followed to reach it, from the root and inside its target.
    indirections: usize,
}

/// What becomes of a ref object in the result.
enum Action {
    /// It stays a ref, pointing here.
    Point(String),
    /// It is replaced by its target (file, pointer).
    Inline(String, String),
}

/// Actions by file, then by the ref object's pointer in it.
type Actions = HashMap<String, HashMap<String, Action>>;

struct Bundler<'a, 'r> {
    root: String,
    read: &'a mut Read<'r>,
    /// Files read so far, by location (the root document among them).
    docs: HashMap<String, Value>,
    /// Objects walked into, once each: (file, pointer).
    seen: HashSet<(String, String)>,
    inventory: Vec<Entry>,
    asyncapi3: bool,
}

/// Where AsyncAPI 3 keeps refs as written: (where the path starts, what comes later in it). The
/// module's `reply/channel` and `reply/messages` are covered by `/channel` and `/messages`.
const ASYNCAPI3_KEPT: [(&str, &str); 6] = [
    ("#/channels/", "/servers"),
    ("#/operations/", "/channel"),
    ("#/operations/", "/messages"),
    ("#/components/channels/", "/servers"),
    ("#/components/operations/", "/channel"),
    ("#/components/operations/", "/messages"),
];

impl Bundler<'_, '_> {
    fn value(&self, file: &str, pointer: &str) -> &Value {
        // Every (file, pointer) walked was found in a document already read.
        self.docs[file].pointer(pointer).unwrap_or(&Value::Null)
    }

    fn excluded(&self, path: &str) -> bool {
        self.asyncapi3
            && ASYNCAPI3_KEPT.iter().any(|(start, later)| {
                path.find(start)
                    .is_some_and(|i| path[i + start.len()..].contains(later))
            })
    }

    /// Walks the value at `pointer` of `file`, met at `path` of the result, inventorying refs.
    fn crawl(
        &mut self,
        file: &str,
        pointer: &str,
        path: &mut Vec<String>,
        indirections: usize,
    ) -> Result<(), BundleError> {
        let at = format!("#{}", to_pointer(path));
        if self.excluded(&at) || !self.seen.insert((file.to_string(), pointer.to_string())) {
            return Ok(());
        }
        let mut keys = match self.value(file, pointer) {
            Value::Object(map) if !is_ref(map) => js_keys(map),
            Value::Array(items) => (0..items.len()).map(|i| i.to_string()).collect(),
            _ => return Ok(()),
        };
        keys.sort_by_key(|key| {
            (
                !matches!(key.as_str(), "definitions" | "$defs"),
                key.encode_utf16().count(),
            )
        });
        for key in keys {
            let child = format!("{pointer}/{}", escape(&key));
            path.push(key);
            let result = match self.value(file, &child) {
                Value::Object(map) if is_ref(map) => {
                    self.inventory_ref(file, &child, path, indirections)
                }
                _ => self.crawl(file, &child, path, indirections),
            };
            path.pop();
            result?;
        }
        Ok(())
    }

    fn inventory_ref(
        &mut self,
        file: &str,
        pointer: &str,
        path: &mut Vec<String>,
        indirections: usize,
    ) -> Result<(), BundleError> {
        let object = self
            .value(file, pointer)
            .as_object()
            .cloned()
            .unwrap_or_default();
        let reference = object["$ref"].as_str().unwrap_or_default().to_string();
        let error = |message: String| BundleError {
            file: file.to_string(),
            reference: Some(reference.clone()),
            message,
        };
        let (target, fragment) = self.locate(file, &reference).map_err(error)?;
        let (target, fragment, hops, circular) = self
            .resolve(target, fragment, (file, pointer))
            .map_err(|message| match message {
                Resolve::File(err) => err,
                Resolve::Ref(message) => error(message),
            })?;
        let depth = path.len();
        let external = target != self.root;
        self.inventory.push(Entry {
            at: (file.to_string(), pointer.to_string()),
            path: format!("#{}", to_pointer(path)),
            depth,
            file: target.clone(),
            hash: format!("#{fragment}"),
            circular,
            extended: object.len() > 1,
            external,
            indirections: indirections + hops,
        });
        self.crawl(&target, &fragment, path, indirections + hops + 1)
    }

    /// The file and pointer a ref written in `file` names (the file read if new).
    fn locate(&mut self, file: &str, reference: &str) -> Result<(String, String), String> {
        let (target_file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let pointer = percent_decode(fragment);
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err("only JSON pointers (#/a/b) are supported after the #".into());
        }
        let target = if target_file.is_empty() {
            file.to_string()
        } else {
            join(file, target_file)
        };
        Ok((target, pointer))
    }

    /// Reads and parses `file` unless it was.
    fn load(&mut self, file: &str) -> Result<(), Resolve> {
        if !self.docs.contains_key(file) {
            let text = (self.read)(file)
                .map_err(|why| Resolve::Ref(format!("cannot read {file} ({why})")))?;
            let doc = parse(file, &text).map_err(Resolve::File)?;
            self.docs.insert(file.to_string(), doc);
        }
        Ok(())
    }

    /// Where (`file`, `pointer`) leads once the refs on its way and at its end are followed:
    /// the file, the pointer, how many refs were followed, and whether the ref at `from` points
    /// at itself.
    fn resolve(
        &mut self,
        mut file: String,
        pointer: String,
        from: (&str, &str),
    ) -> Result<(String, String, usize, bool), Resolve> {
        let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
        let mut at = String::new();
        let mut hops = 0;
        let mut visited = HashSet::new();
        self.load(&file)?;
        for token in &tokens {
            (file, at) = self.follow(file, at, token, &mut hops, &mut visited)?;
            let next = format!("{at}/{}", escape(token));
            if self.docs[&file].pointer(&next).is_none() {
                return Err(Resolve::Ref(format!("{file} has nothing at #{pointer}")));
            }
            at = next;
        }
        if (file.as_str(), at.as_str()) == from {
            return Ok((file, at, hops, true));
        }
        (file, at) = self.follow(file, at, "", &mut hops, &mut visited)?;
        Ok((file, at, hops, false))
    }

    /// Follows the refs at (`file`, `at`) whose object does not hold `token` itself.
    fn follow(
        &mut self,
        mut file: String,
        mut at: String,
        token: &str,
        hops: &mut usize,
        visited: &mut HashSet<(String, String)>,
    ) -> Result<(String, String), Resolve> {
        loop {
            let reference = match self.value(&file, &at) {
                Value::Object(map)
                    if is_ref(map) && (token.is_empty() || !map.contains_key(token)) =>
                {
                    map["$ref"].as_str().unwrap_or_default().to_string()
                }
                _ => return Ok((file, at)),
            };
            let (next_file, next_at) = self.locate(&file, &reference).map_err(Resolve::Ref)?;
            if !visited.insert((next_file.clone(), next_at.clone()))
                || (next_file == file && next_at == at)
            {
                // A chain that comes back: it stays a ref, as in the module.
                return Ok((file, at));
            }
            self.load(&next_file)?;
            if self.docs[&next_file].pointer(&next_at).is_none() {
                return Err(Resolve::Ref(format!(
                    "{next_file} has nothing at #{next_at}"
                )));
            }
            *hops += 1;
            (file, at) = (next_file, next_at);
        }
    }
}

/// Why a ref's target could not be found: said of the ref (a file that cannot be read, a pointer
/// that leads nowhere), or of the file it names (it does not parse).
enum Resolve {
    Ref(String),
    File(BundleError),
}

/// json-schema-ref-parser's `remap`: the inventory sorted so the best place for each target comes
/// first, and what each ref object becomes.
fn remap(mut inventory: Vec<Entry>) -> Actions {
    let definitions = |path: &str| {
        [path.rfind("/definitions"), path.rfind("/$defs")]
            .into_iter()
            .flatten()
            .max()
    };
    inventory.sort_by(|a, b| {
        a.file
            .cmp(&b.file)
            .then_with(|| a.hash.cmp(&b.hash))
            .then_with(|| b.circular.cmp(&a.circular))
            .then_with(|| a.extended.cmp(&b.extended))
            .then_with(|| a.indirections.cmp(&b.indirections))
            .then_with(|| a.depth.cmp(&b.depth))
            .then_with(|| definitions(&b.path).cmp(&definitions(&a.path)))
            .then_with(|| {
                a.path
                    .encode_utf16()
                    .count()
                    .cmp(&b.path.encode_utf16().count())
            })
    });
    let mut actions: Actions = HashMap::new();
    // The target last inlined: its file, its hash, and where it was put.
    let mut current: Option<(String, String, String)> = None;
    for entry in inventory {
        let action = match &current {
            _ if !entry.external => Action::Point(entry.hash.clone()),
            Some((file, hash, path)) if *file == entry.file && *hash == entry.hash => {
                Action::Point(path.clone())
            }
            Some((file, hash, path))
                if *file == entry.file && entry.hash.starts_with(&format!("{hash}/")) =>
            {
                Action::Point(format!("{path}{}", &entry.hash[hash.len()..]))
            }
            _ if entry.circular => {
                current = Some((entry.file.clone(), entry.hash.clone(), entry.path.clone()));
                Action::Point(entry.path.clone())
            }
            _ => {
                current = Some((entry.file.clone(), entry.hash.clone(), entry.path.clone()));
                Action::Inline(entry.file.clone(), entry.hash[1..].to_string())
            }
        };
        let (file, pointer) = entry.at;
        actions.entry(file).or_default().insert(pointer, action);
    }
    actions
}

/// Refs nested deeper than this in the result are a schema inlined into itself.
const MAX_DEPTH: usize = 512;

/// Builds the result from the documents and the actions.
struct Place<'a> {
    docs: &'a HashMap<String, Value>,
    actions: &'a Actions,
    /// Where the refs that stay are, for [`go_round_refs`].
    pointers: &'a mut Vec<String>,
}

impl Place<'_> {
    fn put(&mut self, file: &str, pointer: &str, path: &mut Vec<String>) -> Result<Value, String> {
        if path.len() > MAX_DEPTH {
            return Err(format!(
                "the $refs nest deeper than {MAX_DEPTH} levels at #{}",
                to_pointer(&path[..8])
            ));
        }
        let value = self.docs[file].pointer(pointer).unwrap_or(&Value::Null);
        let action = self.actions.get(file).and_then(|a| a.get(pointer));
        match (value, action) {
            (Value::Object(map), Some(Action::Point(to))) => {
                let mut map = map.clone();
                map.insert("$ref".into(), Value::String(to.clone()));
                self.pointers.push(to_pointer(path));
                Ok(Value::Object(map))
            }
            (Value::Object(map), Some(Action::Inline(target, at))) => {
                let inlined = self.put(target, at, path)?;
                match inlined {
                    Value::Object(inlined) if map.len() > 1 => {
                        Ok(Value::Object(extend(map, inlined)))
                    }
                    other => Ok(other),
                }
            }
            (Value::Object(map), None) => {
                let mut out = Map::with_capacity(map.len());
                for key in map.keys() {
                    path.push(key.clone());
                    let child = self.put(file, &format!("{pointer}/{}", escape(key)), path);
                    path.pop();
                    out.insert(key.clone(), child?);
                }
                Ok(Value::Object(out))
            }
            (Value::Array(items), _) => {
                let mut out = Vec::with_capacity(items.len());
                for i in 0..items.len() {
                    path.push(i.to_string());
                    let child = self.put(file, &format!("{pointer}/{i}"), path);
                    path.pop();
                    out.push(child?);
                }
                Ok(Value::Array(out))
            }
            // JavaScript has one number type: a whole float is written as an integer (`0.0` → `0`).
            (Value::Number(n), _) => Ok(match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => {
                    Value::from(f as i64)
                }
                _ => Value::Number(n.clone()),
            }),
            (other, _) => Ok(other.clone()),
        }
    }
}

/// A `$ref` with sibling keys over its target: the siblings first and winning, objects on both
/// sides merged.
fn extend(siblings: &Map<String, Value>, target: Map<String, Value>) -> Map<String, Value> {
    let mut out: Map<String, Value> = siblings
        .iter()
        .filter(|(k, _)| *k != "$ref")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, value) in target {
        match out.get_mut(&key) {
            None => {
                out.insert(key, value);
            }
            Some(mine @ Value::Object(_)) if value.is_object() => {
                *mine = deep_merge(value, mine.clone());
            }
            Some(_) => {}
        }
    }
    out
}

/// `over` merged into `base`, `over` winning where both have a value that is not an object.
fn deep_merge(base: Value, over: Value) -> Value {
    match (base, over) {
        (Value::Object(mut base), Value::Object(over)) => {
            for (key, value) in over {
                let merged = match base.remove(&key) {
                    Some(old) => deep_merge(old, value),
                    None => value,
                };
                base.insert(key, merged);
            }
            Value::Object(base)
        }
        (_, over) => over,
    }
}

/// The module's last step: a `#/a/b` pointer that passes through a ref object is rewritten to
/// start from that ref's target, since pointers do not follow refs.
fn go_round_refs(out: &mut Value, at: &str) {
    let Some(Value::String(reference)) = out.pointer(at).map(|v| &v["$ref"]) else {
        return;
    };
    let Some(rest) = reference.strip_prefix("#/") else {
        return;
    };
    let mut current = Some(&*out);
    let mut resolved: Vec<&str> = Vec::new();
    let mut changed = false;
    for segment in rest.split('/') {
        let Some(value) = current.filter(|v| v.is_object() || v.is_array()) else {
            return;
        };
        let key = unescape(segment);
        let mut value = value;
        if let Value::Object(map) = value {
            if let (false, Some(Value::String(to))) = (map.contains_key(&key), map.get("$ref")) {
                if let Some(target) = to.strip_prefix("#/") {
                    resolved = target.split('/').collect();
                    changed = true;
                    match out.pointer(&format!("/{target}")) {
                        Some(next @ (Value::Object(_) | Value::Array(_))) => value = next,
                        _ => return,
                    }
                }
            }
        }
        current = match value {
            Value::Object(map) => map.get(&key),
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        resolved.push(segment);
    }
    if changed {
        let fixed = format!("#/{}", resolved.join("/"));
        if let Some(Value::Object(map)) = out.pointer_mut(at) {
            map.insert("$ref".into(), Value::String(fixed));
        }
    }
}

fn is_ref(map: &Map<String, Value>) -> bool {
    matches!(map.get("$ref"), Some(Value::String(s)) if !s.is_empty())
}

/// An object's keys in JavaScript's order: integer-like keys ascending, then the others as
/// written.
fn js_keys(map: &Map<String, Value>) -> Vec<String> {
    let index = |key: &str| {
        key.parse::<u32>()
            .ok()
            .filter(|n| *n < u32::MAX && n.to_string() == key)
    };
    let mut integers: Vec<(u32, String)> = map
        .keys()
        .filter_map(|k| index(k).map(|n| (n, k.clone())))
        .collect();
    integers.sort();
    let others = map.keys().filter(|k| index(k).is_none()).cloned();
    integers.into_iter().map(|(_, k)| k).chain(others).collect()
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// A path in the result as a JSON pointer (`~` and `/` escaped).
fn to_pointer(path: &[String]) -> String {
    path.iter().map(|p| format!("/{}", escape(p))).collect()
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
        let main = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: './common/responses.yaml#/Ok'}\n        '404': {$ref: '#/components/responses/NotFound'}\n  /b:\n    get:\n      responses:\n        '200': {$ref: 'common/responses.yaml#/Ok'}\ncomponents:\n  responses:\n    NotFound: {description: gone}\n";
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
        // As the module: an internal ref to nothing fails the document too.
        let dangling = "openapi: 3.0.0\npaths:\n  /a: {$ref: '#/components/pathItems/A'}\n";
        let err = bundle("/x/o.yaml", dangling, &mut files(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "$ref \"#/components/pathItems/A\" in /x/o.yaml: /x/o.yaml has nothing at #/components/pathItems/A"
        );
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
