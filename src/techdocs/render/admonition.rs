//! MkDocs admonitions, which CommonMark does not know: `!!! type "Title"` (or `??? type` folded,
//! `???+ type` unfolded) then a body indented by four spaces. A page is cut into markdown and
//! admonitions before pulldown-cmark sees it, outside code fences so a `!!!` in code stays code.
//! An admonition indented under a list item belongs to that item (as Python-Markdown reads it):
//! it and the rest of the item's indented lines are cut out as a nested block, read the same way.

use super::doc::Tone;

pub enum Block {
    Markdown(String),
    Admonition(Admonition),
    /// A list item's lines from an admonition on, their indent removed; rendered indented.
    Nested(String),
}

pub struct Admonition {
    /// `note`, `warning`, ... as written.
    pub kind: String,
    /// `None`: the kind, capitalised; `Some("")`: no title line.
    pub title: Option<String>,
    /// `???` (folded on the site) or `???+` (unfolded); `None` for `!!!`.
    pub folded: Option<bool>,
    /// The body, its indent removed.
    pub body: String,
}

impl Admonition {
    /// The admonition's colour: MkDocs Material's families of types.
    pub fn tone(&self) -> Tone {
        match self.kind.to_ascii_lowercase().as_str() {
            "tip" | "hint" | "important" | "success" | "check" | "done" => Tone::Tip,
            "warning" | "caution" | "attention" => Tone::Warning,
            "danger" | "error" | "failure" | "fail" | "missing" | "bug" => Tone::Danger,
            _ => Tone::Note,
        }
    }

    /// The first line: the title (else the kind, capitalised), after a fold mark (`▸` closed,
    /// `▾` open) for `???`; `None` when the title is `""`.
    pub fn title_line(&self, open: bool) -> Option<String> {
        let mut kind = self.kind.clone();
        if let Some(first) = kind.get(..1) {
            kind.replace_range(..1, &first.to_uppercase());
        }
        let text = match self.title.as_deref() {
            Some("") => return None,
            Some(title) => title.to_string(),
            None => kind,
        };
        Some(match (self.folded, open) {
            (None, _) => text,
            (Some(_), true) => format!("▾ {text}"),
            (Some(_), false) => format!("▸ {text}"),
        })
    }
}

/// The page cut into markdown and admonitions, in order.
pub fn split(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut markdown = String::new();
    let mut fence: Option<String> = None;
    let mut lines = text.lines().peekable();
    // The indent of the list item the last lines belong to, if any.
    let mut item: Option<usize> = None;
    while let Some(line) = lines.next() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if fence.is_none() && indent > 0 && item.is_some_and(|at| at < indent) {
            if opening(&line[indent..]).is_some() {
                // Under a list item: the item's lines that follow (blank ones between them).
                let mut nested = vec![&line[indent..]];
                while let Some(next) = lines.peek() {
                    match next.get(..indent) {
                        _ if next.trim().is_empty() => nested.push(""),
                        Some(lead) if lead.trim().is_empty() => nested.push(&next[indent..]),
                        _ => break,
                    }
                    lines.next();
                }
                while nested.last().is_some_and(|l| l.is_empty()) {
                    nested.pop();
                }
                if !markdown.is_empty() {
                    blocks.push(Block::Markdown(std::mem::take(&mut markdown)));
                }
                blocks.push(Block::Nested(nested.join("\n")));
                continue;
            }
        }
        if !line.trim().is_empty() && fence.is_none() {
            item = match list_marker(line) {
                Some(at) => Some(at),
                None if item.is_some_and(|at| indent > at) => item,
                None => None,
            };
        }
        if let Some(mark) = fence_mark(line) {
            fence = match &fence {
                Some(open) if mark.starts_with(open.as_str()) => None,
                Some(open) => Some(open.clone()),
                None => Some(mark),
            };
        }
        let opened = match fence {
            None => opening(line),
            Some(_) => None,
        };
        let Some(mut admonition) = opened else {
            markdown.push_str(line);
            markdown.push('\n');
            continue;
        };
        // The body: lines indented by four spaces (or a tab), and blank lines between them.
        let mut body: Vec<&str> = Vec::new();
        while let Some(next) = lines.peek() {
            if next.trim().is_empty() {
                body.push("");
            } else if let Some(inner) = next.strip_prefix("    ").or(next.strip_prefix('\t')) {
                body.push(inner);
            } else {
                break;
            }
            lines.next();
        }
        while body.last().is_some_and(|l| l.is_empty()) {
            body.pop();
        }
        admonition.body = body.join("\n");
        if !markdown.is_empty() {
            blocks.push(Block::Markdown(std::mem::take(&mut markdown)));
        }
        blocks.push(Block::Admonition(admonition));
    }
    if !markdown.is_empty() {
        blocks.push(Block::Markdown(markdown));
    }
    blocks
}

/// The indent of a list item's marker (`- `, `* `, `+ `, `1. `, `1) `) that starts `line`.
fn list_marker(line: &str) -> Option<usize> {
    let trimmed = line.trim_start_matches(' ');
    let rest = match trimmed.strip_prefix(['-', '*', '+']) {
        Some(rest) => rest,
        None => {
            let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
            trimmed[digits..]
                .strip_prefix(['.', ')'])
                .filter(|_| (1..10).contains(&digits))?
        }
    };
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some(line.len() - trimmed.len())
}

/// The fence a line opens or closes (` ``` `, `~~~~`), when it is one.
fn fence_mark(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let run = trimmed.chars().take_while(|x| *x == c).count();
    (run >= 3).then(|| c.to_string().repeat(run))
}

/// `!!! type "Title"`, `??? type`, `???+ type ""`.
fn opening(line: &str) -> Option<Admonition> {
    let (folded, rest) = if let Some(rest) = line.strip_prefix("!!!") {
        (None, rest)
    } else if let Some(rest) = line.strip_prefix("???+") {
        (Some(false), rest)
    } else {
        (Some(true), line.strip_prefix("???")?)
    };
    let rest = rest.trim();
    let (kind, title) = match rest.find(char::is_whitespace) {
        Some(at) => (&rest[..at], rest[at..].trim()),
        None => (rest, ""),
    };
    // `!!! note inline end "x"`: extra classes before the title are layout, not words.
    let title = match title.find('"') {
        Some(start) => {
            let inner = &title[start + 1..];
            Some(inner[..inner.rfind('"').unwrap_or(inner.len())].to_string())
        }
        None => None,
    };
    if kind.is_empty()
        || !kind
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    Some(Admonition {
        kind: kind.to_string(),
        title,
        folded,
        body: String::new(),
    })
}
