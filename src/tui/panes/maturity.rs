//! The Maturity pane: Q1–Q4 answered from evidence with the facts used, the level (1 Reactive to
//! 4 Ecosystem), the reasons, and what would raise it.

use super::insights::{named_entity, Insights, ReportPane, ReportView};
use crate::tui::widgets::detail::{line, PageLine, Tone};

/// The assessment: the level, then each question's answer with its facts.
pub struct Maturity;

pub type MaturityPane = ReportPane<Maturity>;

impl ReportView for Maturity {
    fn title(_: &Insights, demo: bool) -> String {
        if demo {
            "Platform maturity · DEMO data"
        } else {
            "Platform maturity"
        }
        .into()
    }

    fn lines(insights: &Insights, _width: usize) -> Vec<PageLine> {
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
                // A fact about an entity (a template, a service) leads to its page.
                let target = named_entity(insights.catalog(), fact);
                let tone = if target.is_some() {
                    Tone::Link
                } else {
                    Tone::Base
                };
                let mut l = line(&[("   - ", Tone::Muted), (fact, tone)]);
                l.target = target;
                out.push(l);
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
}
