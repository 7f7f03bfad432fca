//! Charts that use the space they are given: horizontal bars with the label, the value and the
//! bar in separate aligned columns, and series stretched (or thinned) to exactly a width.

use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

/// One bar: its label, its value as text, and its size.
pub struct Bar {
    pub label: String,
    pub value: String,
    pub size: u64,
}

/// Narrowest a bar column is left before labels are cut.
const MIN_BAR: usize = 10;
/// Eighths of a cell, so bars differ by less than a column.
const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

/// Bars one a row, as many as fit in `area`: labels left-aligned in a column as wide as the
/// longest (cut with `…` only when the bars would be narrower than [`MIN_BAR`]), values
/// right-aligned in the next, the bars scaled so the largest fills what is left.
pub fn draw_bars(frame: &mut Frame, area: Rect, bars: &[Bar], theme: &Theme) {
    let bars = &bars[..bars.len().min(area.height as usize)];
    let width = area.width as usize;
    let value_width = bars.iter().map(|b| b.value.width()).max().unwrap_or(0);
    let longest = bars.iter().map(|b| b.label.width()).max().unwrap_or(0);
    let label_width = longest.min(width.saturating_sub(value_width + 2 + MIN_BAR));
    let bar_width = width.saturating_sub(label_width + value_width + 2);
    let max = bars.iter().map(|b| b.size).max().unwrap_or(0).max(1);
    let lines: Vec<Line> = bars
        .iter()
        .map(|b| {
            let eighths = (b.size as u128 * bar_width as u128 * 8 / max as u128) as usize;
            let mut bar = "█".repeat(eighths / 8);
            if eighths % 8 > 0 {
                bar.push(EIGHTHS[eighths % 8 - 1]);
            }
            Line::from(vec![
                Span::styled(
                    format!("{:<label_width$} ", cut(&b.label, label_width)),
                    theme.base,
                ),
                Span::styled(format!("{:>value_width$} ", b.value), theme.muted),
                Span::styled(bar, theme.accent),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// `text` in at most `width` columns, `…` marking a cut.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// `series` as exactly `width` points: each column takes the value of the item under it, so
/// a short series is stretched over the whole width and a long one thinned to it.
pub fn resample<T: Copy>(series: &[T], width: usize) -> Vec<T> {
    if series.is_empty() {
        return Vec::new();
    }
    (0..width)
        .map(|x| series[x * series.len() / width.max(1)])
        .collect()
}

/// The column where item `index` of a series of `len` starts once resampled to `width`.
pub fn column_of(index: usize, len: usize, width: usize) -> usize {
    (index * width).div_ceil(len.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    #[test]
    fn resampling_fills_the_width_and_keeps_the_order() {
        assert_eq!(resample(&[1, 2, 3], 6), [1, 1, 2, 2, 3, 3]);
        assert_eq!(resample(&[1, 2, 3, 4], 2), [1, 3]);
        assert_eq!(resample(&[1, 2, 3], 7).len(), 7);
        assert_eq!(column_of(3, 6, 12), 6);
        assert!(resample::<u8>(&[], 5).is_empty());
    }

    fn drawn(bars: &[Bar], width: u16) -> Vec<String> {
        let mut terminal = Terminal::new(TestBackend::new(width, bars.len() as u16)).unwrap();
        terminal
            .draw(|f| draw_bars(f, f.area(), bars, &Theme::default()))
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..bars.len() as u16)
            .map(|y| {
                (0..width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect()
    }

    #[test]
    fn labels_values_and_bars_in_aligned_columns() {
        let bar = |label: &str, value: &str, size| Bar {
            label: label.into(),
            value: value.into(),
            size,
        };
        let bars = [
            bar("inventory-service", "1,703.60", 1703),
            bar("web", "85.20", 85),
        ];
        let rows = drawn(&bars, 60);
        assert!(
            rows[0].starts_with("inventory-service 1,703.60 █"),
            "{rows:?}"
        );
        assert!(
            rows[1].starts_with("web                  85.20 "),
            "{rows:?}"
        );
        // The largest bar fills the row.
        assert!(rows[0].ends_with('█'), "{rows:?}");
        // Too narrow for the whole name: cut, the bar keeps its room.
        let rows = drawn(&bars, 30);
        assert!(rows[0].starts_with("inventory… 1,703.60 █"), "{rows:?}");
    }
}
