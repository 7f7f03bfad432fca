//! The Maturity pane: Q1–Q4 answered from evidence with the facts used, the level (1 Reactive to
//! 4 Ecosystem), the reasons, and what would raise it.

use super::entity::{PageLine, Tone};
use super::insights::Insights;
use super::{draw_info, line};
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::Frame;

#[derive(Default)]
pub struct MaturityPane {
    pub scroll: usize,
}

impl MaturityPane {
    pub fn lines(&self, insights: &Insights) -> Vec<PageLine> {
        if let Some(err) = &insights.error {
            return vec![line(&[(err, Tone::Error)])];
        }
        let Some(a) = &insights.maturity else {
            return vec![line(&[(
                "gathering evidence: templates, their runs, deployments, on-call…",
                Tone::Muted,
            )])];
        };
        let mut out = vec![line(&[
            ("Level ", Tone::Heading),
            (&format!("{} {}", a.level, a.level_name), Tone::Accent),
            (
                "  (1 Reactive · 2 Managed · 3 Self-Service · 4 Ecosystem)",
                Tone::Muted,
            ),
        ])];
        for step in &a.next {
            out.push(line(&[
                ("  to move up: ", Tone::Muted),
                (step, Tone::Warning),
            ]));
        }
        for answer in &a.answers {
            out.push(line(&[("", Tone::Base)]));
            out.push(line(&[
                (&format!("{} ", answer.id), Tone::Key),
                (answer.question, Tone::Heading),
            ]));
            let tone = if answer.level >= 3 {
                Tone::Accent
            } else {
                Tone::Warning
            };
            out.push(line(&[
                (&format!("   level {} · ", answer.level), Tone::Muted),
                (&answer.answer, tone),
            ]));
            for fact in &answer.facts {
                out.push(line(&[("   - ", Tone::Muted), (fact, Tone::Base)]));
            }
            if let Some(raise) = &answer.raise {
                out.push(line(&[
                    ("   to raise it: ", Tone::Muted),
                    (raise, Tone::Base),
                ]));
            }
        }
        out
    }

    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        insights: &Insights,
        demo: bool,
        theme: &Theme,
    ) {
        let lines = self.lines(insights);
        let title = if demo {
            "Platform maturity · DEMO data"
        } else {
            "Platform maturity"
        };
        let scroll = self.scroll.min(lines.len().saturating_sub(1));
        draw_info(frame, area, theme, title, &lines, scroll);
    }
}
