//! The bordered block every pane draws in: its title on the top border, the keys that apply on
//! the bottom one.

use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;
use std::borrow::Cow;

/// A block with borders all round and `title` on the top one.
pub fn bordered<'a>(title: impl Into<Cow<'a, str>>, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title, theme.title))
}

/// [`bordered`], with the keys that apply here on the bottom border.
pub fn bordered_with_keys<'a>(
    title: impl Into<Cow<'a, str>>,
    keys: &'a str,
    theme: &Theme,
) -> Block<'a> {
    bordered(title, theme).title_bottom(Span::styled(keys, theme.muted))
}

/// Draws the block and returns the area inside it.
pub fn draw_block(frame: &mut Frame, area: Rect, block: Block) -> Rect {
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}
