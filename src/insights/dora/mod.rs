//! DORA's four key metrics per service and per team, over a window (default 30 days), each with
//! its performance band and a per-week trend. Pure: [`records`] turns one service's deployments
//! and incidents into per-deployment and per-incident records, [`metrics`] turns records (of one
//! service, or of a team's services together) into the four figures. The data comes from
//! [`fetch`].
//!
//! Definitions (see also the README's DORA section):
//! - **Deployment frequency:** successful deployments in the window per day.
//! - **Lead time for changes:** per successful deployment, from the first (oldest) commit of the
//!   change it shipped (the commits between the previous successful deployment's SHA and its own,
//!   by author date) to the deployment; the median over the window.
//! - **Change failure rate:** the share of successful deployments in the window that were followed,
//!   within the failure window (default 24 h), by a failed deployment, a deployment shipping a
//!   revert, or a PagerDuty incident on the service. Each such event counts against the latest
//!   successful deployment before it only.
//! - **Time to restore:** created → resolved of the service's PagerDuty incidents created in the
//!   window; the median.

pub mod fetch;
pub mod report;

use crate::providers::delivery::{DeployState, Deployment, IncidentSpan};
use chrono::{DateTime, Duration as TimeDelta, Utc};
use serde::Serialize;

/// The performance bands of the 2023 Accelerate State of DevOps Report (DORA, Google Cloud),
/// "Software delivery performance" clusters:
///
/// | cluster | deployment frequency | lead time | change failure rate | recovery time |
/// |---|---|---|---|---|
/// | elite | on demand (multiple per day) | less than one day | 5% | less than one hour |
/// | high | once per day to once per week | one day to one week | 10% | less than one day |
/// | medium | once per week to once per month | one week to one month | 15% | one day to one week |
/// | low | once per week to once per month | one week to one month | 64% | one month to six months |
///
/// The report gives each cluster's typical value, not boundaries, and its low cluster overlaps the
/// medium one for frequency and lead time; greenroom reads each cluster's value as its bound and
/// puts anything worse than medium in low: frequency ≥ 1/day elite, ≥ 1/week high, ≥ 1/month
/// (30 days) medium; lead time < 1 day, < 7 days, < 30 days; change failure rate ≤ 5%, ≤ 10%,
/// ≤ 15%; time to restore < 1 hour, < 1 day, < 7 days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Elite,
    High,
    Medium,
    Low,
}

impl Band {
    pub fn label(self) -> &'static str {
        match self {
            Band::Elite => "elite",
            Band::High => "high",
            Band::Medium => "medium",
            Band::Low => "low",
        }
    }

    pub fn of_frequency(per_day: f64) -> Band {
        if per_day >= 1.0 {
            Band::Elite
        } else if per_day >= 1.0 / 7.0 {
            Band::High
        } else if per_day >= 1.0 / 30.0 {
            Band::Medium
        } else {
            Band::Low
        }
    }

    pub fn of_lead_time(hours: f64) -> Band {
        if hours < 24.0 {
            Band::Elite
        } else if hours < 7.0 * 24.0 {
            Band::High
        } else if hours < 30.0 * 24.0 {
            Band::Medium
        } else {
            Band::Low
        }
    }

    pub fn of_failure_rate(rate: f64) -> Band {
        if rate <= 0.05 {
            Band::Elite
        } else if rate <= 0.10 {
            Band::High
        } else if rate <= 0.15 {
            Band::Medium
        } else {
            Band::Low
        }
    }

    pub fn of_restore(hours: f64) -> Band {
        if hours < 1.0 {
            Band::Elite
        } else if hours < 24.0 {
            Band::High
        } else if hours < 7.0 * 24.0 {
            Band::Medium
        } else {
            Band::Low
        }
    }
}

/// The window: `days` days ending at `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub end: DateTime<Utc>,
    pub days: u32,
}

impl Window {
    pub fn new(end: DateTime<Utc>, days: u32) -> Window {
        Window {
            end,
            days: days.max(1),
        }
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.end - TimeDelta::days(i64::from(self.days))
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        at >= self.start() && at <= self.end
    }

    /// Weeks for the trend, the oldest first; the last may be shorter.
    pub fn weeks(&self) -> usize {
        self.days.div_ceil(7) as usize
    }

    /// The week `at` falls in (counted from the window's start), if in the window.
    pub fn week_of(&self, at: DateTime<Utc>) -> Option<usize> {
        if !self.contains(at) {
            return None;
        }
        let week = ((at - self.start()).num_seconds() / (7 * 86_400)) as usize;
        Some(week.min(self.weeks() - 1))
    }
}

/// A successful deployment in the window, with what happened after it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeployRecord {
    pub sha: String,
    pub at: DateTime<Utc>,
    /// From the first commit of the change; `None` when the change is unknown (the first
    /// deployment on record, or a redeploy of the same SHA).
    pub lead_time_hours: Option<f64>,
    /// What made it a failed change, if anything.
    pub failures: Vec<String>,
}

/// An incident created in the window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RestoreRecord {
    pub incident: String,
    pub created_at: DateTime<Utc>,
    /// `None` while still open.
    pub hours: Option<f64>,
}

/// One service's records over the window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Records {
    pub deploys: Vec<DeployRecord>,
    pub failed_deployments: usize,
    pub restores: Vec<RestoreRecord>,
}

/// A deployment with the change it shipped (from the compare API), as [`fetch`] gathers it.
#[derive(Clone, Debug, PartialEq)]
pub struct ShippedChange {
    pub deployment: Deployment,
    /// The first commit's author time; `None` when unknown.
    pub first_commit_at: Option<DateTime<Utc>>,
    /// The change includes a revert commit.
    pub reverts: bool,
}

/// One service's deployments (any time, any state; those before the window give the base of
/// the first change and the deployments events are counted against) and incidents.
pub fn records(
    changes: &[ShippedChange],
    incidents: &[IncidentSpan],
    window: &Window,
    failure_window: TimeDelta,
) -> Records {
    let mut changes: Vec<&ShippedChange> = changes.iter().collect();
    changes.sort_by_key(|c| c.deployment.at);
    let successes: Vec<&ShippedChange> = changes
        .iter()
        .copied()
        .filter(|c| c.deployment.state == DeployState::Success)
        .collect();
    let mut deploys: Vec<DeployRecord> = successes
        .iter()
        .filter(|c| window.contains(c.deployment.at))
        .map(|c| DeployRecord {
            sha: c.deployment.sha.clone(),
            at: c.deployment.at,
            lead_time_hours: c
                .first_commit_at
                .map(|first| hours(c.deployment.at - first).max(0.0)),
            failures: Vec::new(),
        })
        .collect();
    // Each failure event counts against the latest successful deployment before it, within the
    // failure window.
    let mut blame = |event_at: DateTime<Utc>, strictly_before: bool, what: String| {
        let culprit = deploys.iter_mut().rev().find(|d| {
            if strictly_before {
                d.at < event_at
            } else {
                d.at <= event_at
            }
        });
        if let Some(d) = culprit {
            if event_at - d.at <= failure_window {
                d.failures.push(what);
            }
        }
    };
    let mut failed_deployments = 0;
    for c in &changes {
        match c.deployment.state {
            DeployState::Failure if window.contains(c.deployment.at) => {
                failed_deployments += 1;
                blame(
                    c.deployment.at,
                    false,
                    format!("failed deployment of {}", short_sha(&c.deployment.sha)),
                );
            }
            DeployState::Success if c.reverts => blame(
                c.deployment.at,
                true,
                format!("revert shipped in {}", short_sha(&c.deployment.sha)),
            ),
            _ => {}
        }
    }
    let mut restores = Vec::new();
    for i in incidents.iter().filter(|i| window.contains(i.created_at)) {
        blame(
            i.created_at,
            false,
            format!("incident #{} {:?}", i.number, i.title),
        );
        restores.push(RestoreRecord {
            incident: format!("#{}", i.number),
            created_at: i.created_at,
            hours: i.resolved_at.map(|r| hours(r - i.created_at).max(0.0)),
        });
    }
    deploys.sort_by_key(|d| d.at);
    Records {
        deploys,
        failed_deployments,
        restores,
    }
}

fn short_sha(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

fn hours(d: TimeDelta) -> f64 {
    d.num_seconds() as f64 / 3600.0
}

/// One of the four figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// Per day (frequency), hours (lead time, restore), a fraction 0–1 (failure rate); `None`
    /// when there is nothing to measure.
    pub value: Option<f64>,
    pub band: Option<Band>,
    /// The same measure per week of the window, the oldest first (`None`: nothing that week).
    pub trend: Vec<Option<f64>>,
    /// How it was counted, or why there is no value.
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    pub deployment_frequency: Figure,
    pub lead_time: Figure,
    pub change_failure_rate: Figure,
    pub time_to_restore: Figure,
}

/// The median (the mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// The four figures over the records of one or more services. `incidents_unknown` says why
/// PagerDuty's incidents could not be had, if so (time to restore is then unknown, and the failure
/// rate counts GitHub's signals only, which the detail says).
pub fn metrics(all: &[&Records], window: &Window, incidents_unknown: Option<&str>) -> Metrics {
    let incidents_known = incidents_unknown.is_none();
    let deploys: Vec<&DeployRecord> = all.iter().flat_map(|r| &r.deploys).collect();
    let restores: Vec<&RestoreRecord> = all.iter().flat_map(|r| &r.restores).collect();
    let weeks = window.weeks();
    let by_week = |at: DateTime<Utc>| window.week_of(at);

    let count = deploys.len();
    let per_day = count as f64 / f64::from(window.days);
    let mut weekly_counts = vec![0usize; weeks];
    for d in &deploys {
        if let Some(w) = by_week(d.at) {
            weekly_counts[w] += 1;
        }
    }
    let deployment_frequency = Figure {
        value: Some(per_day),
        band: Some(Band::of_frequency(per_day)),
        trend: weekly_counts.iter().map(|&n| Some(n as f64)).collect(),
        detail: format!(
            "{count} successful deployment{} in {} days",
            if count == 1 { "" } else { "s" },
            window.days
        ),
    };

    let mut leads: Vec<f64> = deploys.iter().filter_map(|d| d.lead_time_hours).collect();
    let lead = median(&mut leads);
    let lead_time = Figure {
        value: lead,
        band: lead.map(Band::of_lead_time),
        trend: (0..weeks)
            .map(|w| {
                let mut v: Vec<f64> = deploys
                    .iter()
                    .filter(|d| by_week(d.at) == Some(w))
                    .filter_map(|d| d.lead_time_hours)
                    .collect();
                median(&mut v)
            })
            .collect(),
        detail: match lead {
            Some(_) => format!(
                "median of {} change{} (first commit → deployment)",
                leads.len(),
                if leads.len() == 1 { "" } else { "s" }
            ),
            None => "no change with a known first commit in the window".into(),
        },
    };

    let failed = deploys.iter().filter(|d| !d.failures.is_empty()).count();
    let rate = (count > 0).then(|| failed as f64 / count as f64);
    let signals = if incidents_known {
        "failed deployments, reverts and incidents"
    } else {
        "failed deployments and reverts only (no incidents)"
    };
    let change_failure_rate = Figure {
        value: rate,
        band: rate.map(Band::of_failure_rate),
        trend: (0..weeks)
            .map(|w| {
                let week: Vec<&&DeployRecord> = deploys
                    .iter()
                    .filter(|d| by_week(d.at) == Some(w))
                    .collect();
                (!week.is_empty()).then(|| {
                    week.iter().filter(|d| !d.failures.is_empty()).count() as f64
                        / week.len() as f64
                })
            })
            .collect(),
        detail: match rate {
            Some(_) => format!("{failed} of {count} deployments followed by {signals}"),
            None => "no deployments in the window".into(),
        },
    };

    let mut restored: Vec<f64> = restores.iter().filter_map(|r| r.hours).collect();
    let open = restores.len() - restored.len();
    let ttr = median(&mut restored);
    let time_to_restore = Figure {
        value: ttr.filter(|_| incidents_known),
        band: ttr.filter(|_| incidents_known).map(Band::of_restore),
        trend: (0..weeks)
            .map(|w| {
                let mut v: Vec<f64> = restores
                    .iter()
                    .filter(|r| by_week(r.created_at) == Some(w))
                    .filter_map(|r| r.hours)
                    .collect();
                median(&mut v)
            })
            .collect(),
        detail: match (incidents_known, ttr) {
            (false, _) => format!("unknown: {}", incidents_unknown.unwrap_or_default()),
            (true, Some(_)) => format!(
                "median of {} resolved incident{}{}",
                restored.len(),
                if restored.len() == 1 { "" } else { "s" },
                if open > 0 {
                    format!(" ({open} still open)")
                } else {
                    String::new()
                }
            ),
            (true, None) if open > 0 => format!("{open} incident(s) still open, none resolved"),
            (true, None) => "no incidents in the window".into(),
        },
    };
    Metrics {
        deployment_frequency,
        lead_time,
        change_failure_rate,
        time_to_restore,
    }
}

/// `▁▂▃▄▅▆▇█` scaled to the largest value; a week with nothing is `·`.
pub fn sparkline(values: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().flatten().fold(0.0f64, |m, v| m.max(*v));
    values
        .iter()
        .map(|v| match v {
            None => '·',
            Some(_) if max <= 0.0 => BARS[0],
            Some(v) => BARS[((v / max) * 7.0).round().clamp(0.0, 7.0) as usize],
        })
        .collect()
}

/// A figure's value as people read it: `1.4/day`, `3.2/week`, `5 h`, `2.5 d`, `20%`.
pub fn format_value(kind: &str, value: Option<f64>) -> String {
    let Some(v) = value else {
        return "-".into();
    };
    match kind {
        "deployment_frequency" if v >= 1.0 => format!("{v:.1}/day"),
        "deployment_frequency" if v * 7.0 >= 1.0 => format!("{:.1}/week", v * 7.0),
        "deployment_frequency" => format!("{:.1}/month", v * 30.0),
        "change_failure_rate" => format!("{:.0}%", v * 100.0),
        _ if v < 1.0 => format!("{:.0} min", v * 60.0),
        _ if v < 48.0 => format!("{v:.1} h"),
        _ => format!("{:.1} d", v / 24.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_at_their_bounds() {
        assert_eq!(Band::of_frequency(1.0), Band::Elite);
        assert_eq!(Band::of_frequency(1.0 / 7.0), Band::High);
        assert_eq!(Band::of_frequency(0.1), Band::Medium);
        assert_eq!(Band::of_frequency(0.0), Band::Low);
        assert_eq!(Band::of_lead_time(23.9), Band::Elite);
        assert_eq!(Band::of_lead_time(24.0), Band::High);
        assert_eq!(Band::of_lead_time(720.0), Band::Low);
        assert_eq!(Band::of_failure_rate(0.05), Band::Elite);
        assert_eq!(Band::of_failure_rate(0.15), Band::Medium);
        assert_eq!(Band::of_failure_rate(0.16), Band::Low);
        assert_eq!(Band::of_restore(0.5), Band::Elite);
        assert_eq!(Band::of_restore(167.9), Band::Medium);
        assert_eq!(Band::of_restore(168.0), Band::Low);
    }

    #[test]
    fn medians_and_sparklines() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
        assert_eq!(sparkline(&[Some(0.0), Some(4.0), None, Some(2.0)]), "▁█·▅");
        assert_eq!(format_value("deployment_frequency", Some(0.2)), "1.4/week");
        assert_eq!(format_value("lead_time", Some(0.5)), "30 min");
        assert_eq!(format_value("time_to_restore", Some(60.0)), "2.5 d");
    }

    #[test]
    fn weeks_of_a_window() {
        let end = DateTime::parse_from_rfc3339("2026-03-31T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let w = Window::new(end, 30);
        assert_eq!(w.weeks(), 5);
        assert_eq!(w.week_of(end), Some(4));
        assert_eq!(w.week_of(end - TimeDelta::days(30)), Some(0));
        assert_eq!(w.week_of(end - TimeDelta::days(31)), None);
        assert_eq!(w.week_of(end - TimeDelta::days(23)), Some(1));
    }
}
