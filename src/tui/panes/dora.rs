//! The DORA pane: the four metrics per team and per service over the window, each with its
//! band and a weekly sparkline.

use super::insights::{Insights, ReportPane, ReportView};
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
