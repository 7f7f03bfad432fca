//! Splitting a template into text, `${{ }}` variables and `{% %}` tags (comments dropped), with
//! whitespace control (`-`), trimBlocks, lstripBlocks and raw/verbatim regions, as nunjitsu's
//! `scanTemplate` does; and the code scanners that find a tag's end outside strings and regexes.

use super::ast::Pos;
use super::error::ParseError;
use super::expr_parser::{is_code_ws, scan_identifier, scan_regex};
use super::number::is_js_whitespace;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TokKind {
    Text,
    Variable,
    Block,
}

#[derive(Clone, Debug)]
pub struct Tok {
    pub kind: TokKind,
    pub value: String,
    pub pos: Pos,
    /// Where `value` starts in the source.
    pub value_pos: Pos,
}

fn starts(chars: &[char], i: usize, s: &str) -> bool {
    let mut j = i;
    for c in s.chars() {
        if chars.get(j) != Some(&c) {
            return false;
        }
        j += 1;
    }
    true
}

fn find(chars: &[char], from: usize, s: &str) -> Option<usize> {
    (from..chars.len()).find(|&i| starts(chars, i, s))
}

/// Skips a string literal, identifier (or regex literal) or digit run at `i`.
fn skip_code_token(chars: &[char], i: usize) -> Result<Option<usize>, String> {
    let c = chars[i];
    if c == '"' || c == '\'' {
        let mut j = i + 1;
        while j < chars.len() {
            if chars[j] == '\\' {
                j += 1;
            } else if chars[j] == c {
                return Ok(Some(j + 1));
            }
            j += 1;
        }
        return Ok(Some(chars.len()));
    }
    match scan_identifier(chars, i, true) {
        Some(end) if end == i + 1 && c == 'r' && chars.get(end) == Some(&'/') => {
            Ok(Some(scan_regex(chars, i)?.2))
        }
        Some(end) => Ok(Some(end)),
        None => {
            let mut end = i;
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
            Ok((end > i).then_some(end))
        }
    }
}

fn find_code_terminator(
    chars: &[char],
    start: usize,
    terminator: &str,
) -> Result<Option<usize>, String> {
    let mut i = start;
    while i + terminator.len() <= chars.len() {
        if let Some(next) = skip_code_token(chars, i)? {
            i = next;
        } else if starts(chars, i, terminator) {
            return Ok(Some(i));
        } else {
            i += 1;
        }
    }
    Ok(None)
}

/// Walks code outside strings, regexes and brackets: `accept(i, token_end)` sees each token at
/// depth 0 (`Some(end)`: a string, an identifier, a regex or a digit run) and each other
/// character there (`None`), and the walk stops at the first one it accepts.
fn find_at_top_level(
    chars: &[char],
    mut accept: impl FnMut(usize, Option<usize>) -> bool,
) -> Result<Option<usize>, String> {
    let (mut i, mut depth) = (0, 0i32);
    while i < chars.len() {
        let token_end = skip_code_token(chars, i)?;
        match (token_end, chars[i]) {
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            _ if depth == 0 && accept(i, token_end) => return Ok(Some(i)),
            _ => {}
        }
        i = token_end.unwrap_or(i + 1);
    }
    Ok(None)
}

/// The first `expected` character outside brackets, strings and regexes.
pub fn find_top_level(source: &str, expected: char) -> Result<Option<usize>, String> {
    let chars: Vec<char> = source.chars().collect();
    find_at_top_level(&chars, |i, token_end| {
        token_end.is_none() && chars[i] == expected
    })
}

/// Splits `source` around a standalone top-level `keyword` (as `for x in items`).
pub fn split_keyword(source: &str, keyword: &str) -> Result<Option<(String, String)>, String> {
    let chars: Vec<char> = source.chars().collect();
    let keyword: Vec<char> = keyword.chars().collect();
    let at = find_at_top_level(&chars, |i, token_end| {
        token_end.is_some_and(|end| {
            let before = if i == 0 { ' ' } else { chars[i - 1] };
            let after = chars.get(end).copied().unwrap_or(' ');
            chars[i..end] == keyword[..] && is_code_ws(before) && is_code_ws(after)
        })
    })?;
    Ok(at.map(|i| {
        let left: String = chars[..i].iter().collect();
        let right: String = chars[i + keyword.len()..].iter().collect();
        (trim_code(&left).into(), trim_code(&right).into())
    }))
}

pub fn trim_code(s: &str) -> &str {
    s.trim_matches(is_code_ws)
}

/// The position after `text` starting at `pos`.
pub fn advance(text: &str, mut pos: Pos) -> Pos {
    for c in text.chars() {
        if c == '\n' {
            pos.line += 1;
            pos.column = 0;
        } else {
            pos.column += 1;
        }
    }
    pos
}

/// Options of the template syntax.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanOptions {
    pub cookiecutter: bool,
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
}

pub fn tag_name(value: &str) -> &str {
    let t = trim_code(value);
    let end = t
        .char_indices()
        .find(|&(i, c)| {
            !(if i == 0 {
                c == '_' || c.is_ascii_alphabetic()
            } else {
                c == '_' || c.is_ascii_alphanumeric()
            })
        })
        .map_or(t.len(), |(i, _)| i);
    &t[..end]
}

pub fn tag_remainder(value: &str) -> &str {
    let t = trim_code(value);
    trim_code(&t[tag_name(value).len()..])
}

struct Scanner<'a> {
    chars: &'a [char],
    index: usize,
    pos: Pos,
    line_has_content: bool,
    pending: String,
    pending_pos: Pos,
    tokens: Vec<Tok>,
}

impl Scanner<'_> {
    fn advance_to(&mut self, end: usize) {
        for &c in &self.chars[self.index..end] {
            if c == '\n' {
                self.pos.line += 1;
                self.pos.column = 0;
                self.line_has_content = false;
            } else {
                self.pos.column += 1;
                if !c.is_whitespace() {
                    self.line_has_content = true;
                }
            }
        }
        self.index = end;
    }

    fn append_text(&mut self, end: usize) {
        if self.pending.is_empty() {
            self.pending_pos = self.pos;
        }
        self.pending.extend(&self.chars[self.index..end]);
        self.advance_to(end);
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let value = std::mem::take(&mut self.pending);
            self.tokens.push(Tok {
                kind: TokKind::Text,
                value,
                pos: self.pending_pos,
                value_pos: self.pending_pos,
            });
        }
    }

    fn skip_whitespace(&mut self) {
        let mut end = self.index;
        while end < self.chars.len() && is_js_whitespace(self.chars[end]) {
            end += 1;
        }
        self.advance_to(end);
    }

    fn skip_newline(&mut self) {
        if starts(self.chars, self.index, "\r\n") {
            self.advance_to(self.index + 2);
        } else if starts(self.chars, self.index, "\n") {
            self.advance_to(self.index + 1);
        }
    }
}

/// The next occurrence of a delimiter, remembered until the scan passes it: searching afresh
/// for every tag would make a template with many tags quadratic.
#[derive(Default)]
struct NextMatch(Option<Option<usize>>);

impl NextMatch {
    fn find(&mut self, chars: &[char], from: usize, pattern: &str) -> Option<usize> {
        match self.0 {
            Some(Some(i)) if i >= from => Some(i),
            Some(None) => None,
            _ => {
                let found = find(chars, from, pattern);
                self.0 = Some(found);
                found
            }
        }
    }
}

fn position_of(chars: &[char], offset: usize) -> Pos {
    advance(&chars[..offset].iter().collect::<String>(), Pos::default())
}

pub fn scan(source: &str, options: ScanOptions) -> Result<Vec<Tok>, ParseError> {
    let chars: Vec<char> = source.chars().collect();
    let variable_start = if options.cookiecutter { "{{" } else { "${{" };
    let mut s = Scanner {
        chars: &chars,
        index: 0,
        pos: Pos::default(),
        line_has_content: false,
        pending: String::new(),
        pending_pos: Pos::default(),
        tokens: Vec::new(),
    };
    let err = |message: &str, pos: Pos| ParseError {
        message: message.into(),
        pos,
    };
    let (mut next_variable, mut next_block) = (NextMatch::default(), NextMatch::default());
    let (mut next_comment, mut next_comment_end) = (NextMatch::default(), NextMatch::default());
    while s.index < chars.len() {
        let index = s.index;
        let opening = [
            (TokKind::Variable, variable_start, &mut next_variable),
            (TokKind::Block, "{%", &mut next_block),
            (TokKind::Text, "{#", &mut next_comment),
        ]
        .into_iter()
        .filter_map(|(kind, open, next)| next.find(&chars, index, open).map(|i| (i, kind, open)))
        .min_by_key(|(i, _, _)| *i);
        if let Some(end_comment) = next_comment_end.find(&chars, index, "#}") {
            if opening.is_none_or(|(i, _, _)| end_comment < i) {
                return Err(err(
                    "Unexpected end of comment",
                    position_of(&chars, end_comment),
                ));
            }
        }
        let Some((at, kind, open)) = opening else {
            s.append_text(chars.len());
            break;
        };
        let comment = kind == TokKind::Text;
        s.append_text(at);
        let start = s.pos;
        if kind == TokKind::Block && options.lstrip_blocks && !s.line_has_content {
            if let Some(newline) = s.pending.rfind('\n').map(|i| i + 1).or(Some(0)) {
                if s.pending[newline..].chars().all(char::is_whitespace) {
                    s.pending.truncate(newline);
                }
            }
        }
        let open_len = open.chars().count();
        let left_trim = chars.get(at + open_len) == Some(&'-');
        if left_trim {
            let kept = s.pending.trim_end_matches(is_js_whitespace).len();
            s.pending.truncate(kept);
        }
        s.flush();
        s.advance_to(at + open_len + usize::from(left_trim));
        let close = match kind {
            TokKind::Block => "%}",
            TokKind::Variable => "}}",
            TokKind::Text => "#}",
        };
        let end = if comment {
            find(&chars, s.index, close)
        } else {
            find_code_terminator(&chars, s.index, close).map_err(|m| err(&m, start))?
        };
        let Some(end) = end else {
            let what = match kind {
                TokKind::Block => "block",
                TokKind::Variable => "variable",
                TokKind::Text => "comment",
            };
            return Err(err(&format!("Unterminated {what} tag"), start));
        };
        let right_trim = end > 0 && chars[end - 1] == '-';
        let content_end = if right_trim { end - 1 } else { end };
        let content: String = chars[s.index..content_end.max(s.index)].iter().collect();
        let content_pos = s.pos;
        s.advance_to(end + 2);
        if !comment {
            let start_trimmed = content.trim_start_matches(is_code_ws);
            let value = if kind == TokKind::Variable {
                start_trimmed
            } else {
                trim_code(&content)
            };
            let value_pos = advance(&content[..content.len() - start_trimmed.len()], content_pos);
            let name = if kind == TokKind::Block {
                tag_name(value)
            } else {
                ""
            };
            if name == "raw" || name == "verbatim" {
                if !tag_remainder(value).is_empty() {
                    return Err(err(
                        &format!("{name} tag does not accept trailing content"),
                        start,
                    ));
                }
                if options.trim_blocks {
                    s.skip_newline();
                }
                let Some((close_start, close_end)) = find_raw_end(&chars, s.index, name) else {
                    return Err(err(&format!("Missing \"end{name}\" tag"), start));
                };
                if chars[close_start..close_end].contains(&'\n') {
                    return Err(err(
                        &format!("{name} closing tag cannot contain a line break"),
                        position_of(&chars, close_start),
                    ));
                }
                s.append_text(close_start);
                s.advance_to(close_end);
                if right_trim {
                    s.skip_whitespace();
                }
                continue;
            }
            s.tokens.push(Tok {
                kind,
                value: value.to_string(),
                pos: start,
                value_pos,
            });
        }
        if right_trim {
            s.skip_whitespace();
        } else if kind == TokKind::Block && options.trim_blocks {
            s.skip_newline();
        }
    }
    s.flush();
    Ok(s.tokens)
}

/// The `{% endraw %}` matching a raw region (raw regions nest): its start and end.
fn find_raw_end(chars: &[char], start: usize, name: &str) -> Option<(usize, usize)> {
    let mut depth = 1;
    let mut i = start;
    let closing = format!("end{name}");
    while let Some(marker) = find(chars, i, "{%") {
        let mut j = marker + 2;
        if chars.get(j) == Some(&'-') {
            i = marker + 2;
            continue;
        }
        while chars.get(j).is_some_and(|c| c.is_whitespace()) {
            j += 1;
        }
        let open = if starts(chars, j, &closing) {
            j += closing.len();
            false
        } else if starts(chars, j, name) {
            j += name.len();
            true
        } else {
            i = marker + 2;
            continue;
        };
        while chars.get(j).is_some_and(|c| c.is_whitespace()) {
            j += 1;
        }
        if !starts(chars, j, "%}") {
            i = marker + 2;
            continue;
        }
        let end = j + 2;
        if open {
            depth += 1;
        } else {
            depth -= 1;
            if depth == 0 {
                return Some((marker, end));
            }
        }
        i = end;
    }
    None
}
