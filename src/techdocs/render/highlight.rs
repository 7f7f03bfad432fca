//! Colours for fenced code: comments, strings, numbers, keywords, and keys in YAML/TOML/JSON, by a
//! small scanner per language family. syntect was measured for this (default syntaxes, fancy-regex,
//! parsing only): +2.6 MB on a stripped release binary (+12 % of greenroom's 21 MB) and ~55 s more
//! release build, for colours a keyword table gives well enough in a terminal.

use super::doc::Tone;

/// How a language writes comments and what its keywords are.
struct Lang {
    line_comment: &'static [&'static str],
    block_comment: Option<(&'static str, &'static str)>,
    keywords: &'static [&'static str],
    /// `key:` / `key =` at the start of a line is a key (YAML, TOML, INI).
    keys: bool,
    /// Single quotes open strings (not in Rust, where they are lifetimes and chars).
    single_quote_strings: bool,
}

const RUST: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while",
];
const PYTHON: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "False", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "None", "nonlocal", "not", "or", "pass", "raise", "return", "True", "try", "while",
    "with", "yield",
];
const C_LIKE: &[&str] = &[
    "abstract",
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "default",
    "defer",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "final",
    "finally",
    "for",
    "func",
    "function",
    "go",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "map",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "struct",
    "switch",
    "this",
    "throw",
    "throws",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "yield",
    "fun",
    "val",
    "override",
    "nil",
    "chan",
    "range",
    "select",
];
const SHELL: &[&str] = &[
    "case", "do", "done", "elif", "else", "esac", "exit", "export", "fi", "for", "function", "if",
    "in", "local", "return", "set", "then", "until", "while",
];
const SQL: &[&str] = &[
    "add", "alter", "and", "as", "by", "create", "delete", "drop", "from", "group", "having",
    "index", "insert", "into", "join", "key", "left", "limit", "not", "null", "on", "or", "order",
    "primary", "select", "set", "table", "update", "values", "where",
];
const DATA: &[&str] = &["true", "false", "null", "yes", "no", "on", "off"];

fn lang(name: &str) -> Option<Lang> {
    let lang = |line_comment, block_comment, keywords, keys, single_quote_strings| Lang {
        line_comment,
        block_comment,
        keywords,
        keys,
        single_quote_strings,
    };
    let slash: &'static [&'static str] = &["//"];
    let hash: &'static [&'static str] = &["#"];
    let block = Some(("/*", "*/"));
    Some(match name.to_ascii_lowercase().as_str() {
        "rust" | "rs" => lang(slash, block, RUST, false, false),
        "python" | "py" => lang(hash, None, PYTHON, false, true),
        "js" | "javascript" | "ts" | "typescript" | "jsx" | "tsx" | "go" | "golang" | "java"
        | "kotlin" | "kt" | "c" | "cpp" | "c++" | "h" | "cs" | "csharp" | "swift" | "scala"
        | "groovy" | "proto" | "protobuf" | "graphql" | "gql" => {
            lang(slash, block, C_LIKE, false, true)
        }
        "sh" | "bash" | "shell" | "zsh" | "console" | "dockerfile" | "docker" | "makefile"
        | "make" => lang(hash, None, SHELL, false, true),
        "sql" | "postgresql" | "psql" => lang(&["--"], block, SQL, false, true),
        "yaml" | "yml" | "toml" | "ini" | "properties" | "conf" | "hcl" | "terraform" | "tf" => {
            lang(hash, None, DATA, true, true)
        }
        "json" | "jsonc" => lang(slash, block, DATA, false, false),
        _ => return None,
    })
}

/// The block's lines as pieces of text with their tone. An unknown language is one code tone.
pub fn highlight(language: &str, code: &str) -> Vec<Vec<(Tone, String)>> {
    // `py title="x.py"`, `{.python}`: the first word, without braces or dot, names the language.
    let name = language
        .trim_start_matches('{')
        .trim_start_matches('.')
        .split(|c: char| c.is_whitespace() || c == '}' || c == ',')
        .next()
        .unwrap_or("");
    let Some(lang) = lang(name) else {
        return code
            .lines()
            .map(|line| vec![(Tone::Code, line.to_string())])
            .collect();
    };
    let json = matches!(name.to_ascii_lowercase().as_str(), "json" | "jsonc");
    let mut in_block = false;
    code.lines()
        .map(|line| line_tones(&lang, json, line, &mut in_block))
        .collect()
}

fn line_tones(lang: &Lang, json: bool, line: &str, in_block: &mut bool) -> Vec<(Tone, String)> {
    let mut out: Vec<(Tone, String)> = Vec::new();
    let mut push = |tone: Tone, text: &str| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some((last, buf)) if *last == tone => buf.push_str(text),
            _ => out.push((tone, text.to_string())),
        }
    };
    let mut rest = line;
    if lang.keys {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let body_key = body.strip_prefix("- ").unwrap_or(body);
        let dash = &body[..body.len() - body_key.len()];
        if let Some(end) = key_end(body_key) {
            push(Tone::Code, indent);
            push(Tone::Code, dash);
            push(Tone::Keyword, &body_key[..end]);
            rest = &body_key[end..];
        }
    }
    while !rest.is_empty() {
        if *in_block {
            let (_, close) = lang
                .block_comment
                .expect("only set for languages with blocks");
            match rest.find(close) {
                Some(at) => {
                    push(Tone::Comment, &rest[..at + close.len()]);
                    rest = &rest[at + close.len()..];
                    *in_block = false;
                }
                None => {
                    push(Tone::Comment, rest);
                    rest = "";
                }
            }
            continue;
        }
        if let Some((open, _)) = lang
            .block_comment
            .filter(|(open, _)| rest.starts_with(open))
        {
            push(Tone::Comment, open);
            rest = &rest[open.len()..];
            *in_block = true;
            continue;
        }
        if lang
            .line_comment
            .iter()
            .any(|mark| rest.starts_with(mark) && comment_starts(line, rest))
        {
            push(Tone::Comment, rest);
            break;
        }
        let c = rest.chars().next().expect("rest is not empty");
        if c == '"' || c == '`' || (c == '\'' && lang.single_quote_strings) {
            let end = string_end(rest, c);
            // A JSON string followed by a colon is a key.
            let tone = match json && rest[end..].trim_start().starts_with(':') {
                true => Tone::Keyword,
                false => Tone::Str,
            };
            push(tone, &rest[..end]);
            rest = &rest[end..];
        } else if c.is_ascii_digit() {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .unwrap_or(rest.len());
            push(Tone::Number, &rest[..end]);
            rest = &rest[end..];
        } else if c.is_alphabetic() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let word = &rest[..end];
            let keyword = lang.keywords.iter().any(|k| match lang.keywords == SQL {
                true => k.eq_ignore_ascii_case(word),
                false => *k == word,
            });
            let tone = match (keyword, rest[end..].starts_with('(')) {
                (true, _) => Tone::Keyword,
                (false, true) => Tone::Function,
                _ if word.chars().next().is_some_and(char::is_uppercase) && !lang.keys => {
                    Tone::Type
                }
                _ => Tone::Code,
            };
            push(tone, word);
            rest = &rest[end..];
        } else {
            push(Tone::Code, &rest[..c.len_utf8()]);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// `#` starts a comment at the line's start or after a space (not in `a#b` or `${#x}`).
fn comment_starts(line: &str, rest: &str) -> bool {
    let before = &line[..line.len() - rest.len()];
    !rest.starts_with('#') || before.is_empty() || before.ends_with(char::is_whitespace)
}

/// The length of a string opened by `quote` at the start of `text`, backslash escapes skipped;
/// an unclosed string runs to the end of the line.
fn string_end(text: &str, quote: char) -> usize {
    let mut escaped = false;
    for (at, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == quote => return at + c.len_utf8(),
            _ => {}
        }
    }
    text.len()
}

/// Where the key of `key: value` / `key = value` ends, for YAML, TOML and INI lines.
fn key_end(body: &str) -> Option<usize> {
    let end = body.find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')))?;
    let after = &body[end..];
    let is_key =
        end > 0 && (after.starts_with(": ") || after == ":" || after.trim_start().starts_with('='));
    is_key.then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tones(language: &str, code: &str) -> Vec<Vec<(Tone, String)>> {
        highlight(language, code)
    }

    #[test]
    fn colours_keywords_strings_comments_numbers() {
        let lines = tones(
            "rust",
            "fn main() { let x = \"a // b\"; } // done\n/* one\ntwo */ 42",
        );
        assert_eq!(
            lines[0],
            [
                (Tone::Keyword, "fn".into()),
                (Tone::Code, " ".into()),
                (Tone::Function, "main".into()),
                (Tone::Code, "() { ".into()),
                (Tone::Keyword, "let".into()),
                (Tone::Code, " x = ".into()),
                (Tone::Str, "\"a // b\"".into()),
                (Tone::Code, "; } ".into()),
                (Tone::Comment, "// done".into()),
            ]
        );
        assert_eq!(lines[1], [(Tone::Comment, "/* one".into())]);
        assert_eq!(
            lines[2],
            [
                (Tone::Comment, "two */".into()),
                (Tone::Code, " ".into()),
                (Tone::Number, "42".into())
            ]
        );
    }

    #[test]
    fn keys_in_yaml_and_json_and_unknown_languages_plain() {
        let yaml = tones("yaml", "  - name: web # the front\n");
        assert_eq!(yaml[0][0], (Tone::Code, "  - ".into()));
        assert_eq!(yaml[0][1], (Tone::Keyword, "name".into()));
        assert_eq!(
            yaml[0].last().unwrap(),
            &(Tone::Comment, "# the front".into())
        );
        let json = tones("json", "{\"a\": \"b\"}");
        assert_eq!(json[0][1], (Tone::Keyword, "\"a\"".into()));
        assert_eq!(json[0][3], (Tone::Str, "\"b\"".into()));
        assert_eq!(
            tones("brainfuck", "+[>]"),
            [[(Tone::Code, "+[>]".to_string())]]
        );
        let sh = tones("bash", "echo ${#x} # count");
        assert_eq!(sh[0].last().unwrap(), &(Tone::Comment, "# count".into()));
    }
}
