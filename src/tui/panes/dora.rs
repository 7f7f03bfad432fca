//! The DORA pane: the four metrics per team and per service over the window, each with its
//! band and a weekly sparkline.

use super::insights::{Insights, ReportPane, ReportView};
use crate::catalog::EntityId;
use crate::insights::dora::{self, Band, Figure, Metrics};
use crate::tui::widgets::detail::{line, PageLine, Tone};

/// The four metrics per team, then per service.
pub struct Dora;

pub type DoraPane = ReportPane<Dora>;

fn band_tone(band: Option<Band>) -> Tone {
    match band {
        Some(Band::Elite) | Some(Band::High) => Tone::Accent,
        Some(Band::Medium) => Tone::Base,
        Some(Band::Low) => Tone::Warning,
        None => Tone::Muted,
    }
}

fn figure_spans(kind: &str, f: &Figure) -> Vec<(String, Tone)> {
    vec![
        (
            format!("{:<10}", dora::format_value(kind, f.value)),
            Tone::Base,
        ),
        (
            format!("{:<7}", f.band.map_or("-", |b| b.label())),
            band_tone(f.band),
        ),
        (format!("{:<7}", dora::sparkline(&f.trend)), Tone::Accent),
    ]
}

fn row(name: &str, m: &Metrics, tone: Tone) -> PageLine {
    let mut spans = vec![(
        format!("{:<30}", name.chars().take(29).collect::<String>()),
        tone,
    )];
    for (kind, f) in [
        ("deployment_frequency", &m.deployment_frequency),
        ("lead_time", &m.lead_time),
        ("change_failure_rate", &m.change_failure_rate),
        ("time_to_restore", &m.time_to_restore),
    ] {
        spans.extend(figure_spans(kind, f));
    }
    PageLine {
        spans,
        target: None,
    }
}

impl ReportView for Dora {
    fn title(_: &Insights, demo: bool) -> String {
        if demo { "DORA · DEMO data" } else { "DORA" }.into()
    }

    fn lines(insights: &Insights) -> Vec<PageLine> {
        if let Some(err) = &insights.error {
            return vec![line(&[(err, Tone::Error)])];
        }
        let (Some(data), Some(catalog)) = (&insights.dora, insights.catalog()) else {
            return vec![line(&[(
                "asking GitHub for deployments and PagerDuty for incidents…",
                Tone::Muted,
            )])];
        };
        let window = &data.settings.window;
        let mut out = vec![line(&[(
            &format!(
                "last {} days · bands: 2023 Accelerate State of DevOps Report · trend: one bar per week",
                window.days
            ),
            Tone::Muted,
        )])];
        let header = format!(
            "{:<30}{:<24}{:<24}{:<24}{:<24}",
            "TEAM / SERVICE", "DEPLOY FREQUENCY", "LEAD TIME", "CHANGE FAILURE", "TIME TO RESTORE"
        );
        out.push(line(&[(&header, Tone::Heading)]));
        for t in &data.teams {
            let mut r = row(
                &t.team.replace("group:default/", "team "),
                &t.metrics,
                Tone::Heading,
            );
            r.target = catalog.get(&t.team);
            out.push(r);
        }
        out.push(line(&[("", Tone::Base)]));
        let mut errors = Vec::new();
        for s in &data.services {
            let key = catalog.entity(s.id).key();
            match &s.data {
                Ok((service, records)) => {
                    let m = dora::metrics(
                        &[records],
                        window,
                        service.incidents.as_ref().err().map(String::as_str),
                    );
                    let mut r = row(key.trim_start_matches("component:default/"), &m, Tone::Link);
                    r.target = Some(s.id);
                    out.push(r);
                }
                Err(err) => errors.push((key, err.to_string())),
            }
        }
        if let Some((_, first)) = errors.first() {
            out.push(line(&[("", Tone::Base)]));
            out.push(line(&[(
                &format!("{} service(s) without data: {first}", errors.len()),
                Tone::Warning,
            )]));
        }
        out
    }
}

/// The metrics in the order of the grid's columns, with their names.
const METRICS: [(&str, &str); 4] = [
    ("deployment_frequency", "Deployment frequency"),
    ("lead_time", "Lead time for changes"),
    ("change_failure_rate", "Change failure rate"),
    ("time_to_restore", "Time to restore"),
];

fn figure<'a>(m: &'a Metrics, kind: &str) -> &'a Figure {
    match kind {
        "deployment_frequency" => &m.deployment_frequency,
        "lead_time" => &m.lead_time,
        "change_failure_rate" => &m.change_failure_rate,
        _ => &m.time_to_restore,
    }
}

/// The preview of a team's or a service's row: each metric's value and band, and its weekly
/// trend as wide as the preview (`width` columns).
pub fn preview(insights: &Insights, id: EntityId, width: usize) -> Option<(String, Vec<PageLine>)> {
    let (data, catalog) = (insights.dora.as_ref()?, insights.catalog()?);
    let key = catalog.entity(id).key();
    let window = &data.settings.window;
    let (metrics, services) = match data.services.iter().find(|s| s.id == id) {
        Some(service) => {
            let (answer, records) = service.data.as_ref().ok()?;
            let incidents = answer.incidents.as_ref().err().map(String::as_str);
            (dora::metrics(&[records], window, incidents), Vec::new())
        }
        None => {
            let team = data.teams.iter().find(|t| t.team == key)?;
            (team.metrics.clone(), team.services.clone())
        }
    };
    let mut lines = vec![line(&[(
        &format!("last {} days · one bar per week", window.days),
        Tone::Muted,
    )])];
    for (kind, name) in METRICS {
        let f = figure(&metrics, kind);
        lines.push(PageLine::default());
        lines.push(line(&[
            (&format!("{name:<24}"), Tone::Heading),
            (
                &format!("{:<12}", dora::format_value(kind, f.value)),
                Tone::Base,
            ),
            (f.band.map_or("-", |b| b.label()), band_tone(f.band)),
        ]));
        lines.push(line(&[(
            &stretch(&dora::sparkline(&f.trend), width),
            Tone::Accent,
        )]));
    }
    if !services.is_empty() {
        lines.push(PageLine::default());
        lines.push(line(&[(
            &format!("Services ({})", services.len()),
            Tone::Heading,
        )]));
        for service in services {
            let mut l = line(&[(&format!("  {service}"), Tone::Link)]);
            l.target = catalog.get(&service);
            lines.push(l);
        }
    }
    Some((key, lines))
}

/// A sparkline's bars repeated so that it takes `width` columns (each week as wide as the
/// others).
pub fn stretch(bars: &str, width: usize) -> String {
    let n = bars.chars().count().max(1);
    let each = (width / n).max(1);
    bars.chars()
        .flat_map(|c| std::iter::repeat_n(c, each))
        .collect()
}
