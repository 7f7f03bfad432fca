//! The expression tokenizer of nunjitsu's `parser/expression.ts`: names, numbers, strings,
//! regex literals `r/../flags` and operators, with zero-based positions.

use super::ast::Pos;
use super::error::ParseError;
use super::regex::{JsRegex, MAX_PATTERN_LEN};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kind {
    Eof,
    Name,
    Number,
    Str,
    Regex,
    Op,
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) value: String,
    /// Regex flags for a regex token.
    pub(super) flags: String,
    pub(super) pos: Pos,
}

/// nunjucks' code whitespace.
pub fn is_code_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{a0}')
}

pub fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

pub fn is_ident_continue(c: char) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

/// The end of an identifier at `start` (optionally after leading digits), if there is one.
pub fn scan_identifier(chars: &[char], start: usize, leading_digits: bool) -> Option<usize> {
    let mut i = start;
    if leading_digits {
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
    }
    if !chars.get(i).copied().is_some_and(is_ident_start) {
        return None;
    }
    i += 1;
    while i < chars.len() && is_ident_continue(chars[i]) {
        i += 1;
    }
    Some(i)
}

/// Scans `r/pattern/flags` at `start`: (pattern, flags, end).
pub fn scan_regex(chars: &[char], start: usize) -> Result<(String, String, usize), String> {
    let mut pattern = String::new();
    let mut backslashes = 0;
    let mut i = start + 2;
    while i < chars.len() {
        let c = chars[i];
        if (c != '/' || backslashes > 0) && pattern.chars().count() >= MAX_PATTERN_LEN {
            return Err("Regular-expression literal exceeds the maximum length".into());
        }
        if c == '\\' {
            pattern.push(c);
            backslashes += 1;
        } else if c == '/' {
            if backslashes == 0 {
                let mut end = i + 1;
                let mut flags = String::new();
                while end < chars.len() && matches!(chars[end], 'g' | 'i' | 'm' | 'y') {
                    if flags.contains(chars[end]) {
                        return Err("Duplicate regular-expression flag".into());
                    }
                    flags.push(chars[end]);
                    end += 1;
                }
                if chars.get(end).is_some_and(|c| c.is_ascii_alphabetic()) {
                    return Err("Unsupported regular-expression flag".into());
                }
                JsRegex::new(&pattern, &flags)?;
                return Ok((pattern, flags, end));
            }
            if backslashes % 2 == 0 {
                return Err("Ambiguous regular-expression delimiter escape".into());
            }
            pattern.push(c);
            backslashes = 0;
        } else {
            pattern.push(c);
            backslashes = 0;
        }
        i += 1;
    }
    Err("Unterminated regular-expression literal".into())
}

pub(super) fn tokenize(source: &str, start: Pos) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let (mut i, mut line, mut column) = (0usize, start.line, start.column);
    let fail = |message: String, pos: Pos| ParseError { message, pos };
    while i < chars.len() {
        let c = chars[i];
        if is_code_ws(c) {
            if c == '\n' {
                line += 1;
                column = 0;
            } else {
                column += 1;
            }
            i += 1;
            continue;
        }
        let pos = Pos { line, column };
        let previous = tokens.last();
        let after_dot = previous.is_some_and(|t| t.kind == Kind::Op && t.value == ".");
        let push = |tokens: &mut Vec<Token>, kind, value: String, flags: String| {
            tokens.push(Token {
                kind,
                value,
                flags,
                pos,
            })
        };
        if let Some(end) = scan_identifier(&chars, i, after_dot) {
            let name: String = chars[i..end].iter().collect();
            if name == "r" && chars.get(end) == Some(&'/') {
                let (pattern, flags, end) = scan_regex(&chars, i).map_err(|m| fail(m, pos))?;
                push(&mut tokens, Kind::Regex, pattern, flags);
                column += (end - i) as u32;
                i = end;
            } else {
                push(&mut tokens, Kind::Name, name, String::new());
                column += (end - i) as u32;
                i = end;
            }
            continue;
        }
        let after_operand = previous.is_some_and(|t| {
            matches!(t.kind, Kind::Name | Kind::Number | Kind::Str | Kind::Regex)
                || (t.kind == Kind::Op && matches!(t.value.as_str(), ")" | "]" | "}"))
        });
        let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c == '.' && next_digit && !after_operand {
            return Err(fail("Invalid numeric literal".into(), pos));
        }
        if c.is_ascii_digit() {
            let mut end = i;
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
            if chars.get(end) == Some(&'.') {
                end += 1;
                while end < chars.len() && chars[end].is_ascii_digit() {
                    end += 1;
                }
            }
            if chars
                .get(end)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_')
            {
                return Err(fail("Invalid numeric literal".into(), pos));
            }
            push(
                &mut tokens,
                Kind::Number,
                chars[i..end].iter().collect(),
                String::new(),
            );
            column += (end - i) as u32;
            i = end;
            continue;
        }
        if c == '"' || c == '\'' {
            let mut value = String::new();
            let mut j = i + 1;
            let mut closed = false;
            while j < chars.len() {
                let d = chars[j];
                if d == c {
                    closed = true;
                    break;
                }
                if d == '\\' {
                    j += 1;
                    match chars.get(j) {
                        Some('n') => value.push('\n'),
                        Some('r') => value.push('\r'),
                        Some('t') => value.push('\t'),
                        Some(e) => value.push(*e),
                        None => break,
                    }
                } else {
                    value.push(d);
                }
                j += 1;
            }
            if !closed {
                return Err(fail("Unterminated string literal".into(), pos));
            }
            push(&mut tokens, Kind::Str, value, String::new());
            for d in &chars[i..=j] {
                if *d == '\n' {
                    line += 1;
                    column = 0;
                } else {
                    column += 1;
                }
            }
            i = j + 1;
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
        let op = ["===", "!==", "**", "//", "==", "!=", "<=", ">="]
            .into_iter()
            .find(|op| rest.starts_with(op));
        let value = match op {
            Some(op) => op.to_string(),
            None if "()[]{}.,:|~+-*/%<>=".contains(c) => c.to_string(),
            None => {
                return Err(fail(
                    format!("Unexpected character {}", quote(&c.to_string())),
                    pos,
                ))
            }
        };
        let len = value.chars().count();
        push(&mut tokens, Kind::Op, value, String::new());
        i += len;
        column += len as u32;
    }
    tokens.push(Token {
        kind: Kind::Eof,
        value: String::new(),
        flags: String::new(),
        pos: Pos { line, column },
    });
    Ok(tokens)
}

/// A value quoted for a diagnostic, as JSON.
pub fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}
