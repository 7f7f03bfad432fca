//! Regular-expression literals `r/pattern/flags`, executed with the `regex` crate because
//! Backstage renders with `allowRegexExecution: true`.
//!
//! ECMAScript and the `regex` crate differ; the pattern is translated where the meaning can be
//! kept and refused where it cannot:
//! - `\d`, `\w`, `\b` are ASCII in JavaScript: translated to `[0-9]`, `[0-9A-Za-z_]`,
//!   `(?-u:\b)`;
//! - lookahead/lookbehind (`(?=`, `(?!`, `(?<=`, `(?<!`) and backreferences (`\1`, `\k<name>`) do
//!   not exist in the `regex` crate (it guarantees linear time): such a literal is refused, where
//!   nunjitsu would accept it;
//! - the sticky flag `y` is refused; `g`, `i`, `m` are supported;
//! - `.` also matches `\r`, `\u2028` and `\u2029` here (JavaScript's `.` does not);
//! - positions (`lastIndex`) count bytes, not UTF-16 code units (the same for ASCII text).

use std::cell::Cell;

use regex::{Captures, Regex, RegexBuilder};

/// The compiled program may not exceed this many bytes (a hostile pattern cannot eat memory).
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// nunjitsu's ceiling on a pattern's length.
pub const MAX_PATTERN_LEN: usize = 16 * 1024;

#[derive(Debug)]
pub struct JsRegex {
    pub source: String,
    pub flags: String,
    regex: Regex,
    last_index: Cell<usize>,
}

impl JsRegex {
    pub fn new(source: &str, flags: &str) -> Result<JsRegex, String> {
        if flags.contains('y') {
            return Err("The sticky regular-expression flag y is not supported".into());
        }
        let translated = translate(source)?;
        let regex = RegexBuilder::new(&translated)
            .case_insensitive(flags.contains('i'))
            .multi_line(flags.contains('m'))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|_| "Invalid regular-expression literal".to_string())?;
        Ok(JsRegex {
            source: source.to_string(),
            flags: flags.to_string(),
            regex,
            last_index: Cell::new(0),
        })
    }

    fn global(&self) -> bool {
        self.flags.contains('g')
    }

    /// `RegExp.prototype.toString()`: `/source/flags` with flags in canonical order.
    pub fn to_js_string(&self) -> String {
        let source = if self.source.is_empty() {
            "(?:)".to_string()
        } else {
            self.source
                .replace('\n', "\\n")
                .replace('\r', "\\r")
                .replace('\u{2028}', "\\u2028")
                .replace('\u{2029}', "\\u2029")
        };
        let flags: String = "gimy".chars().filter(|f| self.flags.contains(*f)).collect();
        format!("/{source}/{flags}")
    }

    /// `RegExp.prototype.test`: a global regex searches from, and advances, `lastIndex`.
    pub fn test(&self, text: &str) -> bool {
        if !self.global() {
            return self.regex.is_match(text);
        }
        let start = self.last_index.get();
        let found = (start <= text.len() && text.is_char_boundary(start))
            .then(|| self.regex.find_at(text, start))
            .flatten();
        match found {
            Some(m) => {
                self.last_index.set(m.end());
                true
            }
            None => {
                self.last_index.set(0);
                false
            }
        }
    }

    /// `String.prototype.replace(regex, replacement)` with `$&`, `$1`, `$<name>`, `$$`, `` $` ``,
    /// `$'` in the replacement.
    pub fn replace(&self, text: &str, replacement: &str) -> String {
        let mut out = String::new();
        let mut last = 0;
        for caps in self.regex.captures_iter(text) {
            let m = caps.get(0).expect("group 0 always matches");
            out.push_str(&text[last..m.start()]);
            expand(&caps, text, replacement, &mut out);
            last = m.end();
            if !self.global() {
                break;
            }
        }
        out.push_str(&text[last..]);
        if self.global() {
            self.last_index.set(0);
        }
        out
    }

    /// `String.prototype.split(regex, limit)`: captured groups are spliced into the result.
    pub fn split(&self, text: &str, limit: Option<u32>) -> Vec<Option<String>> {
        let limit = limit.map_or(usize::MAX, |l| l as usize);
        let mut out = Vec::new();
        if limit == 0 {
            return out;
        }
        if text.is_empty() {
            if !self.regex.is_match(text) {
                out.push(Some(String::new()));
            }
            return out;
        }
        let mut start = 0;
        for caps in self.regex.captures_iter(text) {
            let m = caps.get(0).expect("group 0 always matches");
            if m.end() == start && m.start() == m.end() || m.start() >= text.len() {
                continue;
            }
            out.push(Some(text[start..m.start()].to_string()));
            if out.len() >= limit {
                return out;
            }
            for group in caps.iter().skip(1) {
                out.push(group.map(|g| g.as_str().to_string()));
                if out.len() >= limit {
                    return out;
                }
            }
            start = m.end();
        }
        out.push(Some(text[start..].to_string()));
        out
    }
}

fn expand(caps: &Captures, text: &str, replacement: &str, out: &mut String) {
    let m = caps.get(0).expect("group 0 always matches");
    let mut chars = replacement.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let rest = &replacement[i + 1..];
        match rest.chars().next() {
            Some('$') => {
                out.push('$');
                chars.next();
            }
            Some('&') => {
                out.push_str(m.as_str());
                chars.next();
            }
            Some('`') => {
                out.push_str(&text[..m.start()]);
                chars.next();
            }
            Some('\'') => {
                out.push_str(&text[m.end()..]);
                chars.next();
            }
            Some('<') if caps.len() > 1 => match rest.find('>') {
                Some(end) => {
                    if let Some(g) = caps.name(&rest[1..end]) {
                        out.push_str(g.as_str());
                    }
                    for _ in 0..=end {
                        chars.next();
                    }
                }
                None => out.push('$'),
            },
            Some(d) if d.is_ascii_digit() => {
                let two: Option<usize> = rest.get(..2).and_then(|s| s.parse().ok());
                let one = d.to_digit(10).unwrap_or(0) as usize;
                let (group, used) = match two {
                    Some(n) if n >= 1 && n < caps.len() && rest.as_bytes()[1].is_ascii_digit() => {
                        (n, 2)
                    }
                    _ => (one, 1),
                };
                if group >= 1 && group < caps.len() {
                    if let Some(g) = caps.get(group) {
                        out.push_str(g.as_str());
                    }
                    for _ in 0..used {
                        chars.next();
                    }
                } else {
                    out.push('$');
                }
            }
            _ => out.push('$'),
        }
    }
}

/// ECMAScript pattern syntax to the `regex` crate's, or the reason it cannot be kept.
fn translate(source: &str) -> Result<String, String> {
    let unsupported = |what: &str| format!("Regular-expression {what} are not supported");
    let mut out = String::with_capacity(source.len() + 8);
    let mut chars = source.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    return Err("Invalid regular-expression literal".into());
                };
                match (e, in_class) {
                    ('d', false) => out.push_str("[0-9]"),
                    ('d', true) => out.push_str("0-9"),
                    ('D', false) => out.push_str("[^0-9]"),
                    ('w', false) => out.push_str("[0-9A-Za-z_]"),
                    ('w', true) => out.push_str("0-9A-Za-z_"),
                    ('W', false) => out.push_str("[^0-9A-Za-z_]"),
                    ('b', false) => out.push_str("(?-u:\\b)"),
                    ('B', false) => out.push_str("(?-u:\\B)"),
                    ('1'..='9', false) | ('k', false) => return Err(unsupported("backreferences")),
                    ('u', _) => {
                        let hex: String = chars.by_ref().take(4).collect();
                        if hex.len() != 4 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                            return Err("Invalid regular-expression literal".into());
                        }
                        out.push_str(&format!("\\x{{{hex}}}"));
                    }
                    ('/', _) => out.push('/'),
                    (e, _) if e.is_ascii_alphanumeric() => {
                        out.push('\\');
                        out.push(e);
                    }
                    // An escaped punctuation character is that character, as in the regex crate.
                    (e, _) => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap_or('^'));
                }
                // `[]` matches nothing and `[^]` anything in JavaScript.
                if chars.peek() == Some(&']') {
                    chars.next();
                    in_class = false;
                    if out.ends_with("[^") {
                        out.truncate(out.len() - 2);
                        out.push_str("(?s:.)");
                    } else {
                        out.truncate(out.len() - 1);
                        out.push_str("[^\\x00-\\x{10FFFF}]");
                    }
                }
            }
            '[' => out.push_str("\\["),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '(' if !in_class && chars.peek() == Some(&'?') => {
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with("?=")
                    || rest.starts_with("?!")
                    || rest.starts_with("?<=")
                    || rest.starts_with("?<!")
                {
                    return Err(unsupported("lookaround assertions"));
                }
                out.push('(');
            }
            c if in_class && matches!(c, '&' | '~' | '-') && chars.peek() == Some(&c) => {
                // The regex crate reads `&&`, `~~`, `--` in a class as set operations.
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_patterns_run_with_their_meaning() {
        let r = JsRegex::new(r"^\w+-\d$", "").unwrap();
        assert!(r.test("ab_c-1"));
        assert!(!r.test("é-1"));
        let g = JsRegex::new("o", "g").unwrap();
        assert_eq!(g.replace("foo", "0"), "f00");
        let first = JsRegex::new("(o)", "").unwrap();
        assert_eq!(first.replace("foo", "[$1$&]"), "f[oo]o");
        assert!(JsRegex::new("a(?=b)", "").is_err());
        assert_eq!(JsRegex::new("", "gi").unwrap().to_js_string(), "/(?:)/gi");
    }
}
