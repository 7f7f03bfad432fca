//! Reading a file's stream of documents: splitting it at its `---` and `...` markers, numbering
//! the documents as the `yaml` package does, parsing each one alone, and turning saphyr's errors
//! into [`YamlError`]s that say where and why.

use super::builder::{unresolved_alias, TreeBuilder};
use super::lines::LineCounter;
use super::node::{Document, Node, NodeValue, Pos, YamlError};
use saphyr_parser::{Parser, ScanError};
use std::borrow::Cow;

/// Parses every document of a file. A syntax error loses only the document it is in. Empty
/// documents are left out (Backstage skips them); [`parse_stream`] keeps them.
pub fn parse_documents(text: &str) -> Vec<Document> {
    parse_stream(text)
        .into_iter()
        .map(|d| d.doc)
        .filter(|doc| !matches!(doc, Ok(None)))
        .collect()
}

/// One document of a stream, numbered as the `yaml` package's `parseAllDocuments` numbers them,
/// with the (1-based, inclusive) lines it spans.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamDocument {
    pub first_line: u32,
    pub last_line: u32,
    /// `Ok(None)` for an empty document (`---` with nothing, or an explicit null).
    pub doc: Document,
}

/// Parses every document of a file, empty ones included, so that `result[i]` is the document the
/// `yaml` package calls `i`: a document that starts with `---` always counts, even empty; text
/// before the first `---` (and after a `...` end marker) counts only if it holds more than
/// comments, blank lines and directives, or is ended by `...`. So a comment-only file has no document, a leading `---`
/// adds none, and `---` twice in a row adds an empty one.
pub fn parse_stream(text: &str) -> Vec<StreamDocument> {
    split_documents(text)
        .into_iter()
        .filter(|chunk| chunk.marked || chunk.closed || has_content(chunk.text))
        .map(|chunk| StreamDocument {
            first_line: chunk.first_line + 1,
            last_line: chunk.first_line + chunk.text.lines().count().max(1) as u32,
            doc: parse_one(chunk.text, chunk.first_line),
        })
        .collect()
}

struct Chunk<'a> {
    text: &'a str,
    /// 0-based line the chunk starts on.
    first_line: u32,
    /// Whether the chunk starts with a `---` marker.
    marked: bool,
    /// Whether it ends with a `...` marker, which always ends a document, an empty one if none
    /// was open.
    closed: bool,
}

/// Splits a stream at its `---` markers (before them) and `...` end markers (after them), so that
/// each document is parsed alone. A marker is `---`/`...` at the start of a line followed by a
/// space, a tab or the end of the line, as YAML defines it.
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let chunk = |start: usize, end: usize, first_line: u32, marked: bool, closed: bool| Chunk {
        text: &text[start..end],
        first_line,
        marked,
        closed,
    };
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 0u32;
    let mut marked = false;
    let mut line = 0u32;
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        if is_marker(raw, "---") {
            if offset > start {
                chunks.push(chunk(start, offset, start_line, marked, false));
            }
            start = offset;
            start_line = line;
            marked = true;
        }
        offset += raw.len();
        line += 1;
        if is_marker(raw, "...") {
            chunks.push(chunk(start, offset, start_line, marked, true));
            start = offset;
            start_line = line;
            marked = false;
        }
    }
    if offset > start || chunks.is_empty() {
        chunks.push(chunk(start, text.len(), start_line, marked, false));
    }
    chunks
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']))
}

/// Whether a chunk without a leading `---` holds a document: anything but blank lines, comments,
/// directives and a `...` end marker.
fn has_content(chunk: &str) -> bool {
    chunk.lines().any(|line| {
        let trimmed = line.trim_start_matches([' ', '\t', '\u{feff}']);
        !(trimmed.is_empty()
            || trimmed.starts_with('#')
            || line.starts_with('%')
            || is_marker(line, "..."))
    })
}

fn parse_one(chunk: &str, first_line: u32) -> Document {
    let mut chunk = Cow::Borrowed(chunk);
    // YAML 1.2 allows a tab after a mapping's `:` (the `yaml` package takes it), saphyr does not:
    // such a tab becomes a space (same length, so positions hold) and the chunk is parsed again.
    for _ in 0..64 {
        match parse_chunk(&chunk, first_line) {
            Err(Retry::TabAfterColon(offset)) => {
                chunk.to_mut().replace_range(offset..offset + 1, " ")
            }
            Err(Retry::Error(err)) => return Err(err),
            Ok(doc) => return Ok(doc),
        }
    }
    Err(YamlError {
        pos: Pos {
            line: first_line + 1,
            col: 1,
        },
        message: "YAML syntax error: too many tabs after colons".into(),
        aborts_file: false,
    })
}

enum Retry {
    /// The byte offset of a tab that follows a `:`.
    TabAfterColon(usize),
    Error(YamlError),
}

fn parse_chunk(chunk: &str, first_line: u32) -> Result<Option<Node>, Retry> {
    let mut builder = TreeBuilder::new(chunk, first_line);
    for event in Parser::new_from_str(chunk) {
        match event {
            Ok((event, span)) => builder.on_event(event, span).map_err(Retry::Error)?,
            Err(err) => {
                if err
                    .info()
                    .contains("':' must be followed by a valid YAML whitespace")
                {
                    // The marker is a character index, after the tabs.
                    let offset = chunk
                        .char_indices()
                        .nth(err.marker().index())
                        .map_or(chunk.len(), |(i, _)| i);
                    let before = chunk[..offset].trim_end_matches('\t');
                    if before.len() < offset && before.ends_with(':') {
                        return Err(Retry::TabAfterColon(before.len()));
                    }
                }
                let mut err = within_chunk(scan_error(&err, &builder.lines), chunk, first_line);
                if !err.aborts_file {
                    explain(&mut err, &builder, chunk, first_line);
                }
                return Err(Retry::Error(err));
            }
        }
    }
    if builder.documents > 1 {
        // The splitter only misses markers inside flow or quoted text; refuse rather than guess.
        return Err(Retry::Error(YamlError {
            pos: Pos {
                line: first_line + 1,
                col: 1,
            },
            message:
                "several documents could not be told apart; put each `---` at the start of a line"
                    .into(),
            aborts_file: false,
        }));
    }
    // An empty document (e.g. a trailing `---`) is null, which Backstage skips.
    Ok(builder.root.filter(|root| root.value != NodeValue::Null))
}

/// Adds what usually causes a syntax error to its message: an unclosed or unquoted `[`/`{`
/// (`owner: {{ values.owner }}`), or a `: ` or trailing `:` in an unquoted value.
fn explain(err: &mut YamlError, builder: &TreeBuilder, chunk: &str, first_line: u32) {
    let source_char = |pos: Pos| {
        let line = chunk
            .lines()
            .nth((pos.line - first_line).checked_sub(1)? as usize)?;
        line.chars().nth(pos.col.checked_sub(1)? as usize)
    };
    let flow = builder.stack.iter().find_map(|frame| {
        let c = source_char(frame.node.pos).filter(|c| matches!(c, '[' | '{'))?;
        Some((c, frame.node.pos))
    });
    if let Some((c, pos)) = flow {
        err.message.push_str(&format!(
            " (inside the `{c}` opened at line {}, column {}: close it, or quote the value if it is text that starts with `{c}`)",
            pos.line, pos.col
        ));
    } else if err.message.contains("mapping values are not allowed") {
        err.message
            .push_str(" (a value that contains \": \" or ends with \":\" must be quoted)");
    }
}

/// An error found only at the end of a chunk (an unclosed `[` or `{`) would point at the next
/// document's `---`; it is moved to the end of the chunk's last line of content, where the
/// document stops.
fn within_chunk(mut err: YamlError, chunk: &str, first_line: u32) -> YamlError {
    let last = chunk
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let t = line.trim_start();
            !t.is_empty()
                && !t.starts_with('#')
                && !is_marker(line, "---")
                && !is_marker(line, "...")
        })
        .last();
    if let Some((i, line)) = last {
        let last_line = first_line + i as u32 + 1;
        if err.pos.line > last_line {
            err.pos = Pos {
                line: last_line,
                col: line.trim_end().chars().count() as u32 + 1,
            };
            err.message.push_str(" before the end of the document");
        }
    }
    err
}

fn scan_error(err: &ScanError, lines: &LineCounter) -> YamlError {
    let pos = lines.pos(err.marker());
    if err.info().contains("unknown anchor") {
        return unresolved_alias(pos);
    }
    YamlError {
        pos,
        message: format!("YAML syntax error: {}", err.info()),
        aborts_file: false,
    }
}
