//! The DORA pane: the four metrics per team and per service over the window, each with its
//! band and a weekly sparkline.

use super::insights::{Insights, ReportPane, ReportView};
use crate::catalog::EntityId;
use crate::insights::dora::{self, Band, Figure, Metrics};
use crate::tui::widgets::chart::resample;
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

/// The grid's columns at a width: the name's, and each metric's (value, band, then the trend
/// taking what is left).
#[derive(Clone, Copy)]
struct Columns {
    name: usize,
    metric: usize,
}

/// A value and its band take this much of a metric's column; the trend gets the rest.
const VALUE: usize = 10;
const BAND: usize = 7;

impl Columns {
    fn new(width: usize, longest_name: usize) -> Columns {
        // An unknown width (counting lines): as on a 140-column terminal.
        let width = if width == 0 || width > 1000 {
            138
        } else {
            width
        };
        // Names as long as they are (up to 30) while the four figures still fit beside them.
        let name = (longest_name + 2)
            .min(30)
            .min(width.saturating_sub(4 * (VALUE + BAND)))
            .max(8);
        let metric = (width.saturating_sub(name) / 4).max(VALUE + BAND);
        Columns { name, metric }
    }

    fn trend(self) -> usize {
        self.metric.saturating_sub(VALUE + BAND + 1)
    }
}

fn figure_spans(kind: &str, f: &Figure, columns: Columns) -> Vec<(String, Tone)> {
    let mut spans = vec![
        (
            format!("{:<VALUE$}", dora::format_value(kind, f.value)),
            Tone::Base,
        ),
        (
            format!("{:<BAND$}", f.band.map_or("-", |b| b.label())),
            band_tone(f.band),
        ),
    ];
    let trend = columns.trend();
    if trend >= 3 {
        // The weekly bars stretched over the trend's column, one space after.
        let bars: Vec<char> = dora::sparkline(&f.trend).chars().collect();
        let bars: String = resample(&bars, trend).into_iter().collect();
        spans.push((format!("{bars} "), Tone::Accent));
    }
    let used: usize = spans.iter().map(|(t, _)| t.chars().count()).sum();
    spans.push((" ".repeat(columns.metric.saturating_sub(used)), Tone::Base));
    spans
}

fn row(name: &str, m: &Metrics, tone: Tone, columns: Columns) -> PageLine {
    let width = columns.name;
    let mut spans = vec![(
        format!(
            "{:<width$}",
            name.chars().take(width - 1).collect::<String>()
        ),
        tone,
    )];
    for (kind, _) in METRICS {
        spans.extend(figure_spans(kind, figure(m, kind), columns));
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

    fn lines(insights: &Insights, width: usize) -> Vec<PageLine> {
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
        let team_name = |team: &str| team.replace("group:default/", "team ");
        let service_name = |id: EntityId| {
            let key = catalog.entity(id).key();
            key.trim_start_matches("component:default/").to_string()
        };
        let longest = data
            .teams
            .iter()
            .map(|t| team_name(&t.team).chars().count())
            .chain(
                data.services
                    .iter()
                    .map(|s| service_name(s.id).chars().count()),
            )
            .max()
            .unwrap_or(0);
        let columns = Columns::new(width, longest);
        let first: String = "TEAM / SERVICE".chars().take(columns.name - 1).collect();
        let mut header = format!("{first:<w$}", w = columns.name);
        for title in [
            "DEPLOY FREQUENCY",
            "LEAD TIME",
            "CHANGE FAILURE",
            "TIME TO RESTORE",
        ] {
            let title: String = title.chars().take(columns.metric - 1).collect();
            header.push_str(&format!("{title:<w$}", w = columns.metric));
        }
        out.push(line(&[(&header, Tone::Heading)]));
        for t in &data.teams {
            let mut r = row(&team_name(&t.team), &t.metrics, Tone::Heading, columns);
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
                    let mut r = row(&service_name(s.id), &m, Tone::Link, columns);
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
        let bars: Vec<char> = dora::sparkline(&f.trend).chars().collect();
        let bars: String = resample(&bars, width).into_iter().collect();
        lines.push(line(&[(&bars, Tone::Accent)]));
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
