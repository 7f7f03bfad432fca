//! The Scorecards pane: entities × rules (failing rules first, worst entities first), each
//! entity's level and what its next level needs, then the rollup per team.

use super::insights::{Insights, ReportPane, ReportView};
use crate::catalog::{Catalog, EntityId};
use crate::insights::scorecard::{Outcome, Report};
use crate::tui::widgets::detail::{line, PageLine, Tone};

/// The scorecard grid and its rollup.
pub struct Scorecards;

pub type ScorecardPane = ReportPane<Scorecards>;

fn mark(outcome: Outcome) -> (&'static str, Tone) {
    match outcome {
        Outcome::Pass => ("✓", Tone::Accent),
        Outcome::Fail => ("✗", Tone::Error),
        Outcome::Unknown => ("?", Tone::Muted),
        Outcome::Exempt => ("~", Tone::Warning),
    }
}

fn cut(text: &str, width: usize) -> String {
    let shown: String = text.chars().take(width).collect();
    format!("{shown:<width$}")
}

impl ReportView for Scorecards {
    fn title(insights: &Insights, demo: bool) -> String {
        match &insights.report {
            Some(r) => format!(
                "Scorecards: {} · {} entities{}",
                r.scorecard,
                r.entities.len(),
                if demo { " · DEMO data" } else { "" }
            ),
            None => "Scorecards".into(),
        }
    }

    fn lines(insights: &Insights, width: usize) -> Vec<PageLine> {
        let report = match (&insights.scorecard, &insights.report) {
            (Some(Err(err)), _) => return vec![line(&[(err, Tone::Error)])],
            (_, Some(report)) => report,
            _ => return vec![line(&[("scoring…", Tone::Muted)])],
        };
        grid(report, insights.live_done, insights.catalog(), width)
    }
}

/// The grid in `width` columns (0: unknown): a row's NEXT is cut to fit (the preview has it
/// whole), so each entity stays on one line.
fn grid(
    report: &Report,
    live_done: bool,
    catalog: Option<&Catalog>,
    width: usize,
) -> Vec<PageLine> {
    let order = report.rules_failing_first();
    let mut out = vec![line(&[
        ("levels ", Tone::Muted),
        (&report.levels.join(" < "), Tone::Base),
        (
            if live_done {
                " · ✓ pass  ✗ fail  ? unknown  ~ exempt · failing rules first"
            } else {
                " · live rules: asking GitHub and PagerDuty…"
            },
            Tone::Muted,
        ),
    ])];
    let legend: Vec<String> = order
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let r = &report.rules[i];
            format!("{} {} ({}, {} failing)", n + 1, r.id, r.level, r.failing)
        })
        .collect();
    for chunk in legend.chunks(4) {
        out.push(line(&[(&format!("  {}", chunk.join(" · ")), Tone::Muted)]));
    }
    // Name columns as wide as the longest name (up to 32), so NEXT keeps the room.
    let short = |entity: &str| -> String {
        let name = entity.split_once(':').map_or(entity, |(_, n)| n);
        name.strip_prefix("default/").unwrap_or(name).to_string()
    };
    let widest = |names: &mut dyn Iterator<Item = usize>| names.max().unwrap_or(0).clamp(6, 30) + 2;
    let names = widest(
        &mut report
            .entities
            .iter()
            .map(|e| short(&e.entity).chars().count()),
    );
    let teams = widest(&mut report.teams.iter().map(|t| t.team.chars().count()));
    let mut header = format!("{}{}", cut("ENTITY", names), cut("LEVEL", 8));
    for n in 1..=order.len() {
        header.push_str(&format!("{:<3}", n));
    }
    header.push_str("NEXT");
    out.push(line(&[(&header, Tone::Heading)]));
    let mut entities: Vec<_> = report.entities.iter().collect();
    entities.sort_by(|a, b| a.rank().cmp(&b.rank()).then(a.entity.cmp(&b.entity)));
    for e in entities {
        let name = short(&e.entity);
        let level = e.level.as_deref().unwrap_or("none");
        let mut spans: Vec<(String, Tone)> = vec![
            (cut(&name, names), Tone::Link),
            (
                cut(level, 8),
                if e.level.is_some() {
                    Tone::Base
                } else {
                    Tone::Warning
                },
            ),
        ];
        for &i in &order {
            let outcome = e
                .result(&report.rules[i].id)
                .map_or(Outcome::Unknown, |r| r.outcome);
            let (m, tone) = mark(outcome);
            spans.push((format!("{m}  "), tone));
        }
        let next = match &e.next {
            Some(next) => format!(
                "{}: {}",
                next.level,
                next.needs
                    .iter()
                    .map(|r| r.rule.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "top level".into(),
        };
        let used: usize = spans.iter().map(|(t, _)| t.chars().count()).sum();
        let room = width.saturating_sub(used);
        let next = match width > 0 && next.chars().count() > room {
            true => format!(
                "{}…",
                next.chars()
                    .take(room.saturating_sub(1))
                    .collect::<String>()
            ),
            false => next,
        };
        spans.push((next, Tone::Muted));
        out.push(PageLine {
            spans,
            target: Some(e.id),
        });
    }
    out.push(line(&[("", Tone::Base)]));
    out.push(line(&[(
        &format!(
            "{}{}{}{}",
            cut("TEAM", teams),
            cut("ENTITIES", 9),
            cut(&format!("none/{}", report.levels.join("/")), 24),
            "HOLDING   MOST FAILING"
        ),
        Tone::Heading,
    )]));
    for t in &report.teams {
        let counts: Vec<String> = t.levels.iter().map(|(_, n)| n.to_string()).collect();
        let failing: Vec<String> = t
            .failing
            .iter()
            .take(3)
            .map(|(r, n)| format!("{r} ({n})"))
            .collect();
        let mut team = line(&[
            (&cut(&t.team, teams), Tone::Link),
            (&cut(&t.entities.to_string(), 9), Tone::Base),
            (&cut(&counts.join("/"), 24), Tone::Base),
            (
                &cut(
                    &format!("{}%", (t.holding * 100).checked_div(t.results).unwrap_or(0)),
                    10,
                ),
                Tone::Base,
            ),
            (&failing.join(", "), Tone::Warning),
        ]);
        team.target = catalog.and_then(|c| c.get(&t.team));
        out.push(team);
    }
    out
}

/// The preview of a grid row: the entity's level, what its next level needs and every rule's
/// outcome with its evidence; for a team's row, its rollup.
pub fn preview(insights: &Insights, id: EntityId) -> Option<(String, Vec<PageLine>)> {
    let report = insights.report.as_ref()?;
    let catalog = insights.catalog()?;
    let key = catalog.entity(id).key();
    if let Some(score) = report.entities.iter().find(|e| e.id == id) {
        let mut lines = vec![line(&[
            ("level ", Tone::Muted),
            (
                score.level.as_deref().unwrap_or("none"),
                if score.level.is_some() {
                    Tone::Accent
                } else {
                    Tone::Warning
                },
            ),
        ])];
        if let Some(next) = &score.next {
            let needs: Vec<&str> = next.needs.iter().map(|r| r.rule.as_str()).collect();
            lines.push(line(&[
                (&format!("to reach {}: ", next.level), Tone::Muted),
                (&needs.join(", "), Tone::Warning),
            ]));
        }
        lines.push(PageLine::default());
        for &i in &report.rules_failing_first() {
            let rule = &report.rules[i];
            let Some(result) = score.result(&rule.id) else {
                continue;
            };
            let (m, tone) = mark(result.outcome);
            lines.push(line(&[
                (&format!("{m} "), tone),
                (&rule.id, Tone::Base),
                (&format!(" ({}) ", rule.level), Tone::Muted),
                (&result.detail, Tone::Muted),
            ]));
        }
        return Some((key, lines));
    }
    let team = report.teams.iter().find(|t| t.team == key)?;
    let mut lines = vec![line(&[
        (&format!("{} entities · ", team.entities), Tone::Base),
        (
            &format!(
                "{}% of rule results holding",
                (team.holding * 100).checked_div(team.results).unwrap_or(0)
            ),
            Tone::Muted,
        ),
    ])];
    lines.push(PageLine::default());
    let width = team.levels.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (level, n) in &team.levels {
        lines.push(line(&[
            (&format!("  {level:<width$} "), Tone::Muted),
            (&format!("{n:>4}"), Tone::Base),
        ]));
    }
    if !team.failing.is_empty() {
        lines.push(PageLine::default());
        lines.push(line(&[("Most failing", Tone::Heading)]));
        for (rule, n) in &team.failing {
            lines.push(line(&[
                (&format!("  {rule} "), Tone::Warning),
                (&format!("on {n}"), Tone::Muted),
            ]));
        }
    }
    Some((key, lines))
}
