//! Markdown to lines of styled text: the one renderer behind the Docs pane and `greenroom docs`.
//! It knows no terminal: a span carries a [`Tone`] (what the text is) that the TUI maps to its
//! theme and the command line drops. Besides CommonMark with tables (pulldown-cmark), it reads
//! MkDocs' admonitions (`!!!`, `???`), colours fenced code, and keeps the page's headings (with
//! their anchors) and links (with the line each is on) for the outline and link following.

mod admonition;
mod doc;
mod highlight;
mod markdown;
mod table;

pub use doc::{Doc, DocLine, Heading, Link, Span, Style, Tone};

use admonition::Block;

/// Renders a page.
pub fn render(markdown: &str) -> Doc {
    let mut doc = render_blocks(markdown);
    while doc.lines.last().is_some_and(|l| l.spans.is_empty()) {
        doc.lines.pop();
    }
    // Anchors are unique in a page, numbered in order as Python-Markdown numbers them.
    let mut seen: Vec<String> = Vec::new();
    for heading in &mut doc.headings {
        let mut anchor = crate::techdocs::links::slug(&heading.text);
        let base = anchor.clone();
        let mut n = 0;
        while anchor.is_empty() || seen.contains(&anchor) {
            n += 1;
            anchor = format!("{base}_{n}");
        }
        seen.push(anchor.clone());
        heading.anchor = anchor;
    }
    doc
}

fn render_blocks(markdown: &str) -> Doc {
    let mut doc = Doc::default();
    for block in admonition::split(markdown) {
        match block {
            Block::Markdown(text) => doc.append(markdown::render(&text), None),
            Block::Admonition(admonition) => {
                let tone = admonition.tone();
                let bar = Span::new("┃ ", tone);
                if let Some(title) = admonition.title_line() {
                    let mut title = Span::new(title, tone);
                    title.style.bold = true;
                    doc.lines.push(DocLine {
                        spans: vec![bar.clone(), title],
                        hang: vec![bar.clone()],
                    });
                }
                let mut body = render_blocks(&admonition.body);
                while body.lines.last().is_some_and(|l| l.spans.is_empty()) {
                    body.lines.pop();
                }
                doc.append(body, Some(&bar));
                doc.blank();
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests;
