//! The `:` command line, k9s style: `:components`, `:deps`, `:q`, ... with Tab completion.

use crate::tui::action::Action;
use crate::tui::text_input::TextInput;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Every command and what it does, for completion and the hint line.
pub const COMMANDS: [(&str, &str); 24] = [
    ("components", "catalog: components"),
    ("apis", "catalog: APIs"),
    ("resources", "catalog: resources"),
    ("systems", "catalog: systems"),
    ("domains", "catalog: domains"),
    ("groups", "catalog: groups (teams)"),
    ("users", "catalog: users (people)"),
    ("locations", "catalog: locations"),
    ("all", "catalog: every kind"),
    ("catalog", "catalog: every kind"),
    ("templates", "templates"),
    ("deps", "dependencies"),
    ("ci", "CI/CD"),
    ("incidents", "incidents"),
    ("cost", "cost"),
    ("docs", "docs"),
    ("problems", "problems"),
    ("score", "scorecards"),
    ("dora", "DORA metrics"),
    ("maturity", "platform maturity"),
    ("help", "help"),
    ("q", "quit"),
    ("quit", "quit"),
    ("back", "back"),
];

#[derive(Default)]
pub struct CommandLine {
    pub input: TextInput,
    /// While Tab cycles through candidates: the prefix they share.
    cycle: Option<String>,
}

impl CommandLine {
    /// Commands starting with what was typed.
    pub fn candidates(&self) -> Vec<&'static str> {
        let typed = self.input.text.trim();
        COMMANDS
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| c.starts_with(typed))
            .collect()
    }

    /// Tab: the only candidate, else the candidates' common prefix, else the next candidate.
    pub fn complete(&mut self) {
        let typed = self.input.text.trim().to_string();
        if let Some(prefix) = &self.cycle {
            let all: Vec<&str> = COMMANDS
                .iter()
                .map(|(c, _)| *c)
                .filter(|c| c.starts_with(prefix.as_str()))
                .collect();
            let next = all
                .iter()
                .position(|c| *c == typed)
                .map_or(0, |i| (i + 1) % all.len());
            self.input.text = all[next].to_string();
            return;
        }
        let candidates = self.candidates();
        let Some(first) = candidates.first() else {
            return;
        };
        let common = candidates.iter().fold(first.to_string(), |acc, c| {
            acc.chars()
                .zip(c.chars())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect()
        });
        if candidates.len() == 1 {
            self.input.text = first.to_string();
        } else if common.len() > typed.len() {
            self.input.text = common;
        } else {
            self.cycle = Some(typed);
            self.input.text = first.to_string();
        }
    }

    /// Returns the action to run, and whether the line stays open.
    pub fn update(&mut self, action: &Action) -> (Option<Action>, bool) {
        if *action != Action::InputLeave {
            self.cycle = None;
        }
        match action {
            Action::InputAccept => (
                Some(Action::RunCommand(self.input.text.trim().to_string())),
                false,
            ),
            Action::InputCancel => (None, false),
            Action::InputLeave => {
                self.complete();
                (None, true)
            }
            Action::InputChar(c) => {
                self.input.push(*c);
                (None, true)
            }
            Action::InputBackspace => {
                if self.input.is_empty() {
                    return (None, false);
                }
                self.input.backspace();
                (None, true)
            }
            Action::InputDeleteWord => {
                self.input.delete_word();
                (None, true)
            }
            Action::InputClear => {
                self.input.clear();
                (None, true)
            }
            _ => (None, true),
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let candidates = self.candidates();
        let hint = if candidates.is_empty() {
            "  no such command".to_string()
        } else {
            format!(
                "  {}",
                candidates
                    .iter()
                    .take(12)
                    .map(|c| format!(":{c}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        };
        let line = Line::from(vec![
            Span::styled(":", theme.key),
            Span::styled(format!("{}▏", self.input.text), theme.base),
            Span::styled(hint, theme.muted),
        ]);
        frame.render_widget(Paragraph::new(line).style(theme.status), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> CommandLine {
        CommandLine {
            input: TextInput { text: text.into() },
            cycle: None,
        }
    }

    #[test]
    fn tab_completes_unique_then_common_prefix_then_cycles() {
        let mut line = typed("comp");
        line.complete();
        assert_eq!(line.input.text, "components");
        let mut line = typed("c");
        assert_eq!(line.candidates(), ["components", "catalog", "ci", "cost"]);
        line.complete();
        assert_eq!(line.input.text, "components");
        line.complete();
        assert_eq!(line.input.text, "catalog");
        let mut line = typed("inc");
        line.complete();
        assert_eq!(line.input.text, "incidents");
    }
}
