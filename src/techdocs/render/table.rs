//! Tables laid out in columns: each column as wide as its widest cell, aligned as the separator
//! row says, the header underlined by a rule.

use super::doc::{Span, Tone};
use pulldown_cmark::Alignment;
use unicode_width::UnicodeWidthStr;

/// One row: its cells, each a run of spans.
pub type Row = Vec<Vec<Span>>;

/// The lines of a table whose first `head` rows are its header.
pub fn layout(rows: Vec<Row>, head: usize, alignments: &[Alignment]) -> Vec<Vec<Span>> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |cell: &[Span]| cell.iter().map(|s| s.text.width()).sum::<usize>();
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|row| row.get(c))
                .map(|cell| width(cell))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut lines = Vec::new();
    for (r, row) in rows.into_iter().enumerate() {
        let mut line = Vec::new();
        let mut cells = row.into_iter();
        for (c, column) in widths.iter().enumerate() {
            if c > 0 {
                line.push(Span::new(" │ ", Tone::Muted));
            }
            let mut cell = cells.next().unwrap_or_default();
            if r < head {
                for span in &mut cell {
                    span.style.tone = Tone::TableHeader;
                }
            }
            let gap = column - width(&cell);
            let (before, after) = match alignments.get(c) {
                Some(Alignment::Right) => (gap, 0),
                Some(Alignment::Center) => (gap / 2, gap - gap / 2),
                _ => (0, gap),
            };
            if before > 0 {
                line.push(Span::new(" ".repeat(before), Tone::Plain));
            }
            line.extend(cell);
            // The last column needs no padding: nothing follows it.
            if after > 0 && c + 1 < widths.len() {
                line.push(Span::new(" ".repeat(after), Tone::Plain));
            }
        }
        lines.push(line);
        if r + 1 == head {
            let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
            lines.push(vec![Span::new(rule.join("─┼─"), Tone::Muted)]);
        }
    }
    lines
}
