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

/// Which folding admonitions (`???` closed, `???+` open on the site) are open.
#[derive(Clone, Copy, Debug)]
pub enum Folds<'a> {
    /// Every one, as text that cannot be unfolded wants them (`greenroom docs`).
    AllOpen,
    /// As on the site, but for these (numbered in page order), which the reader flipped.
    Toggled(&'a [usize]),
}

/// Renders a page with every folding admonition open.
pub fn render(markdown: &str) -> Doc {
    render_with(markdown, Folds::AllOpen)
}

/// Renders a page with its folding admonitions as `folds` says; each one's title is in
/// [`Doc::links`] (with `fold` set), so it can be selected and flipped like a link.
pub fn render_with(markdown: &str, folds: Folds) -> Doc {
    let mut doc = render_blocks(markdown, folds, &mut 0);
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

/// `folded`: how many folding admonitions came before, for their numbers.
fn render_blocks(markdown: &str, folds: Folds, folded: &mut usize) -> Doc {
    let mut doc = Doc::default();
    for block in admonition::split(markdown) {
        match block {
            Block::Markdown(text) => doc.append(markdown::render(&text), None),
            Block::Nested(text) => {
                // Under its list item's text, as the item's own continuation lines are.
                let mut nested = render_blocks(&text, folds, folded);
                while nested.lines.last().is_some_and(|l| l.spans.is_empty()) {
                    nested.lines.pop();
                }
                doc.append(nested, Some(&Span::new("  ", Tone::Plain)));
                doc.blank();
            }
            Block::Admonition(admonition) => {
                let tone = admonition.tone();
                let bar = Span::new("┃ ", tone);
                let fold = admonition.folded.map(|closed| {
                    *folded += 1;
                    let flipped = match folds {
                        Folds::AllOpen => return (*folded - 1, true),
                        Folds::Toggled(flipped) => flipped.contains(&(*folded - 1)),
                    };
                    (*folded - 1, closed == flipped)
                });
                // A folding block without a title line could never be opened again: it stays open.
                let titled = admonition.title_line(true).is_some();
                let open = !titled || fold.is_none_or(|(_, open)| open);
                if let Some(text) = admonition.title_line(open) {
                    let mut title = Span::new(text.clone(), tone);
                    title.style.bold = true;
                    if let Some((number, _)) = fold {
                        title.link = Some(doc.links.len());
                        doc.links.push(Link {
                            href: String::new(),
                            text,
                            line: doc.lines.len(),
                            fold: Some(number),
                        });
                    }
                    doc.lines.push(DocLine {
                        spans: vec![bar.clone(), title],
                        hang: vec![bar.clone()],
                    });
                }
                if !open {
                    doc.blank();
                    continue;
                }
                let mut body = render_blocks(&admonition.body, folds, folded);
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
