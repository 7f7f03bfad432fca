//! The yes/no question asked before anything that changes the world (a rerun, an acknowledge, a
//! trigger): a box over the pane with what will happen and the keys that answer, and the
//! question's state in the pane until it is answered.

use crate::tui::action::Action;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// A question waiting for the user's yes or no, and what a yes does.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirm<T> {
    /// The box's title (" Resolve ").
    pub title: &'static str,
    pub question: String,
    pub on_yes: T,
}

/// What the user answered to a question.
pub enum Answer<T> {
    Yes(T),
    No,
    /// Any other key: the question stays.
    Waiting,
}

impl<T> Confirm<T> {
    /// Takes the answer an action gives to the question in `slot`, if one waits; a yes or a no
    /// closes it. `None`: no question waits.
    pub fn answer(slot: &mut Option<Confirm<T>>, action: &Action) -> Option<Answer<T>> {
        let confirm = slot.take()?;
        Some(match action {
            Action::Yes => Answer::Yes(confirm.on_yes),
            Action::No => Answer::No,
            _ => {
                *slot = Some(confirm);
                Answer::Waiting
            }
        })
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, keys: &str, theme: &Theme) {
        draw_question(frame, area, self.title, &self.question, keys, theme);
    }
}

/// A yes/no question in a box over the pane: what will happen, and the keys that answer.
pub fn draw_question(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    question: &str,
    keys: &str,
    theme: &Theme,
) {
    let width = (question.chars().count() as u16 + 4)
        .clamp(40, 90)
        .min(area.width.saturating_sub(4));
    let text_rows = (question.chars().count() as u16).div_ceil(width.saturating_sub(2).max(1));
    let height = (text_rows + 4).min(area.height);
    let popup = Rect {
        x: area.x + area.width.saturating_sub(width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.warning)
        .title(Span::styled(title.to_string(), theme.title));
    let body = vec![
        Line::from(Span::styled(question.to_string(), theme.base)),
        Line::from(""),
        Line::from(Span::styled(keys.to_string(), theme.key)),
    ];
    frame.render_widget(
        Paragraph::new(body)
            .wrap(Wrap { trim: false })
            .block(block)
            .style(theme.base),
        popup,
    );
}
