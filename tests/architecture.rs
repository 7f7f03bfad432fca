//! The architecture test: reads the imports of every file under `src/` and holds them against the
//! table in `docs/ARCHITECTURE.md`. It fails when a module uses what the table's "never uses"
//! column forbids, when files import each other in a loop, or when a file passes 800 lines. The
//! table is the one a newcomer reads, so the document and the code cannot drift apart.
//!
//! What counts as an import: `use` paths, and `crate::`/`super::`/`self::` paths written inline in
//! code (comments and string literals are left out). A parent's `pub use child::X` is the folder's
//! face, not a use of the child; a `super::X` that the parent only re-exports counts against the
//! file that defines `X`. Test-only code (`#[cfg(test)]` blocks, `tests.rs` files) is left out:
//! the rules are about the product.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

/// A module path from the crate root: `["providers", "pagerduty"]`.
type ModPath = Vec<String>;

struct SourceFile {
    /// Relative to the project root, with `/`: `src/providers/http.rs`.
    path: String,
    module: ModPath,
    lines: usize,
    /// The code with comments, strings and test-only blocks blanked (lines kept).
    code: String,
    /// Paths used, already absolute, with the line each was written on.
    uses: Vec<(ModPath, usize)>,
    /// `pub use` re-exports: item name → absolute path it names.
    reexports: BTreeMap<String, ModPath>,
}

#[test]
fn no_module_uses_what_the_table_forbids() {
    let files = read_sources();
    let table = read_table();
    let modules: BTreeSet<&str> = files
        .iter()
        .filter_map(|f| f.module.first().map(String::as_str))
        .collect();
    for (folder, never) in &table {
        assert!(
            modules.contains(folder.as_str()),
            "docs/ARCHITECTURE.md names `src/{folder}`, which is not a module of src/"
        );
        assert!(
            !never.is_empty(),
            "the table's row for `{folder}` forbids nothing"
        );
    }
    for module in &modules {
        assert!(
            table.contains_key(*module),
            "`src/{module}` has no row in docs/ARCHITECTURE.md's table: say what it may use"
        );
    }
    let mut broken = Vec::new();
    for file in &files {
        let Some(top) = file.module.first() else {
            continue;
        };
        let never = &table[top];
        for (used, line) in &file.uses {
            if let Some(root) = used.first() {
                if root != top && never.contains(root) {
                    broken.push(format!(
                        "{}:{line}: `{top}` uses `{}`, which the table says it never uses",
                        file.path,
                        used.join("::")
                    ));
                }
            }
        }
        for (external, line) in external_crates_named(&file.code) {
            if never.contains(&external) && !modules.contains(external.as_str()) {
                broken.push(format!(
                    "{}:{line}: `{top}` uses the crate `{external}`, which the table says it never uses",
                    file.path
                ));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn no_two_files_import_each_other() {
    let files = read_sources();
    let graph = file_graph(&files);
    let circles = strongly_connected(&graph);
    let described: Vec<String> = circles
        .iter()
        .map(|circle| {
            let ties: Vec<String> = circle
                .iter()
                .flat_map(|from| {
                    graph[from]
                        .iter()
                        .filter(|(to, _)| circle.contains(*to))
                        .map(move |(to, line)| format!("  {from}:{line} -> {to}"))
                })
                .collect();
            format!("circle of {} files:\n{}", circle.len(), ties.join("\n"))
        })
        .collect();
    assert!(described.is_empty(), "{}", described.join("\n"));
}

#[test]
fn no_source_file_passes_800_lines() {
    let long: Vec<String> = read_sources()
        .iter()
        .filter(|f| f.lines > MAX_LINES)
        .map(|f| format!("{}: {} lines", f.path, f.lines))
        .collect();
    assert!(
        long.is_empty(),
        "split these by concern (at most {MAX_LINES} lines a file):\n{}",
        long.join("\n")
    );
}

/// The parser understands the import forms the rules depend on.
#[test]
fn the_import_reader_reads_use_trees_and_inline_paths() {
    let code = "use crate::catalog::{load::{self, Loaded}, Catalog};\n\
                use super::model::*;\n\
                // crate::tui in a comment\n\
                let s = \"crate::cli in a string\";\n\
                let x = crate::providers::http::Client::new();\n\
                pub use self::inner::Thing;\n\
                inner::call();\n";
    let children = BTreeSet::from(["inner".to_string()]);
    let paths: Vec<(String, usize)> = imports(&strip_comments_and_strings(code), &children)
        .into_iter()
        .map(|i| (i.path.join("::"), i.line))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("crate::catalog::load".to_string(), 1),
            ("crate::catalog::load::Loaded".to_string(), 1),
            ("crate::catalog::Catalog".to_string(), 1),
            ("super::model::*".to_string(), 2),
            ("self::inner::Thing".to_string(), 6),
            ("crate::providers::http::Client::new".to_string(), 5),
            ("self::inner::call".to_string(), 7),
        ]
    );
}

/// `src/**/*.rs` with their module paths and absolute uses, test-only code left out.
fn read_sources() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    collect_rs(&root.join("src"), &mut paths);
    paths.sort();
    let mut files: Vec<SourceFile> = paths
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let module = module_of(&rel);
            let code = without_test_blocks(&strip_comments_and_strings(&text));
            let mut uses = Vec::new();
            let mut reexports = BTreeMap::new();
            for import in imports(&code, &child_modules(&code)) {
                let Some(path) = absolute(&module, &import.path) else {
                    continue;
                };
                if import.reexport {
                    if let Some(name) = path.last() {
                        reexports.insert(name.clone(), path.clone());
                    }
                    // Re-exporting a child is the folder's face, not a use of it.
                    if path.len() > module.len() && path[..module.len()] == module[..] {
                        continue;
                    }
                }
                uses.push((path, import.line));
            }
            SourceFile {
                path: rel,
                module,
                lines: text.lines().count(),
                code,
                uses,
                reexports,
            }
        })
        .collect();
    files.retain(|f| f.path != "src/main.rs");
    files
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` → `[a, b]`; `src/lib.rs` → `[]`.
fn module_of(rel: &str) -> ModPath {
    let inner = rel.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = inner.split('/').map(String::from).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// One path an import names, as written (`crate::…`, `super::…`, `self::…`).
struct Import {
    path: Vec<String>,
    line: usize,
    reexport: bool,
}

/// The modules a file declares (`mod name;`), which its code may name without `self::`.
fn child_modules(code: &str) -> BTreeSet<String> {
    code.split(';')
        .filter_map(|statement| {
            let words: Vec<&str> = statement.split_whitespace().collect();
            match words.as_slice() {
                [.., "mod", name] if !name.contains(['{', '}']) => Some(name.to_string()),
                _ => None,
            }
        })
        .collect()
}

/// The `use` trees (expanded) and inline paths of code that has no comments or strings left:
/// those from `crate::`, `super::` and `self::`, and those through the file's own child modules
/// (`children`), which are made `self::` paths.
fn imports(code: &str, children: &BTreeSet<String>) -> Vec<Import> {
    let mut found = Vec::new();
    let mut in_use_spans = Vec::new();
    let bytes = code.as_bytes();
    let mut at = 0;
    while let Some(offset) = code[at..].find("use ") {
        let start = at + offset;
        at = start + 4;
        let before = code[..start].trim_end();
        let is_statement = start == 0
            || !is_ident(bytes[start - 1])
                && (before.is_empty()
                    || before.ends_with(';')
                    || before.ends_with('}')
                    || before.ends_with('{')
                    || before.ends_with(']')
                    || before.ends_with("pub")
                    || before.ends_with(')'));
        if !is_statement {
            continue;
        }
        let Some(end) = code[start..].find(';').map(|e| start + e) else {
            break;
        };
        let reexport = before.ends_with("pub") || before.ends_with(')') && before.contains("pub(");
        let line = code[..start].matches('\n').count() + 1;
        for mut path in expand_use_tree(&code[start + 4..end]) {
            if path.first().is_some_and(|first| children.contains(first)) {
                path.insert(0, "self".to_string());
            }
            if matches!(
                path.first().map(String::as_str),
                Some("crate" | "super" | "self")
            ) {
                found.push(Import {
                    path,
                    line,
                    reexport,
                });
            }
        }
        in_use_spans.push(start..end);
        at = end;
    }
    let mut inline = Vec::new();
    let child_prefixes = children.iter().map(|c| format!("{c}::"));
    for prefix in ["crate::", "super::", "self::"]
        .map(String::from)
        .into_iter()
        .chain(child_prefixes)
    {
        let prefix = prefix.as_str();
        let mut from = 0;
        while let Some(offset) = code[from..].find(prefix) {
            let start = from + offset;
            from = start + prefix.len();
            if start > 0 && (is_ident(bytes[start - 1]) || bytes[start - 1] == b':') {
                continue;
            }
            if in_use_spans.iter().any(|span| span.contains(&start)) {
                continue;
            }
            let end = code[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| start + e);
            let mut path: Vec<String> = code[start..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            if !matches!(prefix, "crate::" | "super::" | "self::") {
                path.insert(0, "self".to_string());
            }
            inline.push((start, path));
        }
    }
    inline.sort_by_key(|(start, _)| *start);
    found.extend(inline.into_iter().map(|(start, path)| Import {
        path,
        line: code[..start].matches('\n').count() + 1,
        reexport: false,
    }));
    found
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `a::{b::{self, C}, D as E}` → `a::b`, `a::b::C`, `a::D`.
fn expand_use_tree(tree: &str) -> Vec<Vec<String>> {
    let mut without_aliases = String::new();
    let mut rest = tree;
    while let Some(at) = rest.find(" as ") {
        without_aliases.push_str(&rest[..at]);
        let after = &rest[at + 4..];
        rest = &after[after.find([',', '}']).unwrap_or(after.len())..];
    }
    without_aliases.push_str(rest);
    let tree: String = without_aliases
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out = Vec::new();
    expand_into(&tree, &mut Vec::new(), &mut out);
    out
}

fn expand_into(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let Some(brace) = tree.find('{') else {
        let mut path = prefix.clone();
        for segment in tree.split("::").filter(|s| !s.is_empty()) {
            // `{self, …}` names the prefix itself; a leading `self::` is kept for `absolute`.
            if segment != "self" || path.is_empty() {
                path.push(segment.to_string());
            }
        }
        if !path.is_empty() {
            out.push(path);
        }
        return;
    };
    let head = tree[..brace]
        .split("::")
        .filter(|s| !s.is_empty())
        .map(String::from);
    let inner = &tree[brace + 1..tree.rfind('}').unwrap_or(tree.len())];
    let depth_before = prefix.len();
    prefix.extend(head);
    for part in split_top_level(inner) {
        expand_into(part, prefix, out);
    }
    prefix.truncate(depth_before);
}

/// Splits `a, b::{c, d}, e` at the commas outside braces.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// An import made absolute from the file's module; `None` for paths into other crates.
fn absolute(module: &ModPath, path: &[String]) -> Option<ModPath> {
    let mut out = module.clone();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            out.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                out.pop()?;
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    out.extend(rest.iter().filter(|s| *s != "*").cloned());
    Some(out)
}

/// Code with comments, string literals and char literals blanked (newlines kept, so line
/// numbers stay right).
fn strip_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
        {
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = j + 1;
            let rest: String = chars[body_start..].iter().collect();
            let body_len = rest
                .find(&closing)
                .map_or(rest.len(), |e| rest[..e].chars().count());
            let end = body_start + body_len + closing.chars().count();
            for &ch in &chars[i..end.min(chars.len())] {
                out.push(blank(ch));
            }
            i = end;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), else a lifetime ('a).
            let end = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|&ch| ch == '\'')
                    .map(|p| i + 2 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for &ch in &chars[i..=end] {
                        out.push(blank(ch));
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Blanks every `#[cfg(test)]` item (a `mod tests { … }` block, a test-only function or `use`).
fn without_test_blocks(code: &str) -> String {
    let mut out = code.to_string();
    let mut from = 0;
    while let Some(offset) = out[from..].find("#[cfg(test)]") {
        let start = from + offset;
        let after = start + "#[cfg(test)]".len();
        let semicolon = out[after..].find(';').map(|e| after + e);
        let brace = out[after..].find('{').map(|e| after + e);
        let end = match (semicolon, brace) {
            (Some(s), Some(b)) if s < b => s + 1,
            (_, Some(b)) => matching_brace(&out, b).map_or(out.len(), |e| e + 1),
            (Some(s), None) => s + 1,
            (None, None) => out.len(),
        };
        let blanked: String = out[start..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(start..end, &blanked);
        from = end;
    }
    out
}

fn matching_brace(code: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in code[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// file → the files it uses, each with the first line that uses it.
fn file_graph(files: &[SourceFile]) -> BTreeMap<String, BTreeMap<String, usize>> {
    let by_module: BTreeMap<&ModPath, &SourceFile> = files.iter().map(|f| (&f.module, f)).collect();
    let mut graph: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for file in files {
        let edges = graph.entry(file.path.clone()).or_default();
        for (used, line) in &file.uses {
            if let Some(target) = defining_file(&by_module, used, 0) {
                if target.path != file.path {
                    edges.entry(target.path.clone()).or_insert(*line);
                }
            }
        }
    }
    graph
}

/// The file a path names: its longest prefix that is a file's module, followed through that
/// file's re-exports when the next segment is one.
fn defining_file<'a>(
    by_module: &BTreeMap<&ModPath, &'a SourceFile>,
    path: &[String],
    hops: usize,
) -> Option<&'a SourceFile> {
    let (len, file) = (0..=path.len())
        .rev()
        .find_map(|len| by_module.get(&path[..len].to_vec()).map(|f| (len, *f)))?;
    if hops < 8 {
        if let Some(name) = path.get(len) {
            if let Some(target) = file.reexports.get(name) {
                let mut followed = target.clone();
                followed.extend(path[len + 1..].iter().cloned());
                if followed != path {
                    return defining_file(by_module, &followed, hops + 1).or(Some(file));
                }
            }
        }
    }
    Some(file)
}

/// Tarjan's strongly connected components of more than one file.
fn strongly_connected(graph: &BTreeMap<String, BTreeMap<String, usize>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeMap<String, usize>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, node: &'a str) {
        s.index.insert(node, s.next);
        s.low.insert(node, s.next);
        s.next += 1;
        s.stack.push(node);
        s.on_stack.insert(node);
        let graph = s.graph;
        for to in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            let to = to.as_str();
            if !graph.contains_key(to) {
                continue;
            }
            if !s.index.contains_key(to) {
                visit(s, to);
                let low = s.low[to].min(s.low[node]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(to) {
                let low = s.index[to].min(s.low[node]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut component = Vec::new();
            while let Some(top) = s.stack.pop() {
                s.on_stack.remove(top);
                component.push(top.to_string());
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.found
}

/// The table's rows: top-level module → the names in its "never uses" cell.
fn read_table() -> BTreeMap<String, BTreeSet<String>> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ARCHITECTURE.md"))
            .expect("docs/ARCHITECTURE.md");
    let mut table = BTreeMap::new();
    for line in doc.lines().filter(|l| l.starts_with("| `src/")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(
            cells.len(),
            4,
            "docs/ARCHITECTURE.md: a row of the table has 4 cells: {line}"
        );
        let never = backticked(cells[3]);
        for folder in backticked(cells[0]) {
            let module = folder
                .trim_start_matches("src/")
                .trim_end_matches('/')
                .trim_end_matches(".rs")
                .to_string();
            table.insert(module, never.clone());
        }
    }
    assert!(
        !table.is_empty(),
        "docs/ARCHITECTURE.md has no table of modules"
    );
    table
}

fn backticked(cell: &str) -> BTreeSet<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

/// External crates a file names (`ratatui::…`, `use tokio::…`), with the first line of each.
fn external_crates_named(code: &str) -> Vec<(String, usize)> {
    let mut seen = BTreeMap::new();
    for (number, line) in code.lines().enumerate() {
        let bytes = line.as_bytes();
        let mut from = 0;
        while let Some(offset) = line[from..].find("::") {
            let end = from + offset;
            let start = line[..end]
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |s| s + 1);
            let preceded_by_path = start >= 2 && &bytes[start - 2..start] == b"::";
            if !preceded_by_path && start < end {
                seen.entry(line[start..end].to_string())
                    .or_insert(number + 1);
            }
            from = end + 2;
        }
    }
    seen.into_iter().collect()
}
