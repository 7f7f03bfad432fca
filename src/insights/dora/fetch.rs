//! Gathering what the DORA metrics, the scorecards' live rules and the maturity assessment read,
//! from GitHub and PagerDuty through [`crate::providers::delivery`]. This is the I/O edge of the
//! insights; what it returns is plain data for the pure computations.

use super::{ShippedChange, Window};
use crate::catalog::Entity;
use crate::config::Config;
use crate::providers::delivery::{self, DeployState, Deployment, IncidentSpan};
use crate::providers::github::{self, GitHub, Slug};
use crate::providers::http::{CachePolicy, Client, Log};
use crate::providers::pagerduty::{self, PagerDuty};
use crate::providers::ProviderError;
use chrono::Duration as TimeDelta;
use std::sync::Arc;

/// Names the deploy workflow of one entity's repository (a file under `.github/workflows/`),
/// over `[dora] deploy_workflow`.
pub const DEPLOY_WORKFLOW_ANNOTATION: &str = "greenroom.dev/deploy-workflow";

/// How deployments are found and failures counted (`[dora]` in config.toml).
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub window: Window,
    /// A deployment followed by a failure within this long is a failed change.
    pub failure_window: TimeDelta,
    /// The GitHub deployments' environment (`None`: every environment).
    pub environment: Option<String>,
    /// The deploy workflow for every repository without the annotation; with one, deployments
    /// are its successful runs on the default branch instead of GitHub deployments.
    pub deploy_workflow: Option<String>,
}

impl Settings {
    /// From `[dora]` (window 30d, failure window 24h, environment production), the window ending
    /// `now`; `window` (from `--window`) over the config's.
    pub fn from_config(
        config: &Config,
        window: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Settings, String> {
        let dora = &config.dora;
        let span = parse_span(window.or(dora.window.as_deref()).unwrap_or("30d"))?;
        let days = span.num_days();
        if days < 1 {
            return Err("the window must be at least one day (e.g. 7d)".into());
        }
        let failure_window = parse_span(dora.failure_window.as_deref().unwrap_or("24h"))
            .map_err(|e| format!("[dora] failure_window: {e}"))?;
        Ok(Settings {
            window: Window::new(now, days as u32),
            failure_window,
            environment: match dora.environment.as_deref().map(str::trim) {
                None => Some("production".into()),
                Some("") => None,
                Some(env) => Some(env.to_string()),
            },
            deploy_workflow: dora
                .deploy_workflow
                .as_deref()
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_string),
        })
    }
}

/// The GitHub and PagerDuty connections, or why each cannot be had.
#[derive(Clone)]
pub struct Connections {
    pub github: Result<GitHub, ProviderError>,
    pub pagerduty: Result<PagerDuty, ProviderError>,
}

impl Connections {
    /// From the config, over one shared client (disk cache as configured; `log` for `--verbose`).
    pub fn connect(config: &Config, log: Log) -> Connections {
        let client = Arc::new(Client::from_config(config, log));
        Connections {
            github: GitHub::from_config(config, client.clone()),
            pagerduty: PagerDuty::from_config(config, client),
        }
    }
}

/// One service's delivery data.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceData {
    /// Where deployments came from, for people: `GitHub deployments (production)` or
    /// `successful runs of deploy.yml on main`.
    pub source: String,
    pub changes: Vec<ShippedChange>,
    /// The service's incidents in the window, or why they are unknown.
    pub incidents: Result<Vec<IncidentSpan>, String>,
    /// Changes whose commits could not be read (lead time unknown for them).
    pub warnings: Vec<String>,
}

/// The deploy workflow for an entity: its annotation, else the configured default.
pub fn deploy_workflow<'a>(entity: &'a Entity, settings: &'a Settings) -> Option<&'a str> {
    entity
        .annotation(DEPLOY_WORKFLOW_ANNOTATION)
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .or(settings.deploy_workflow.as_deref())
}

/// Deployments of a repository per the settings, with where they came from.
pub async fn deployments_of(
    gh: &GitHub,
    entity: &Entity,
    slug: &Slug,
    settings: &Settings,
) -> Result<(String, Vec<Deployment>), ProviderError> {
    let start = settings.window.start();
    match deploy_workflow(entity, settings) {
        Some(workflow) => {
            let branch = gh
                .default_branch(slug, CachePolicy::Revalidate)
                .await?
                .value;
            let runs = delivery::workflow_runs(
                gh,
                slug,
                workflow,
                Some(&branch),
                Some(start),
                100,
                CachePolicy::Revalidate,
            )
            .await?;
            Ok((
                format!("runs of {workflow} on {branch}"),
                delivery::deployments_from_runs(&runs),
            ))
        }
        None => {
            let list = delivery::deployments(
                gh,
                slug,
                settings.environment.as_deref(),
                start,
                CachePolicy::Revalidate,
            )
            .await?;
            let source = match &settings.environment {
                Some(env) => format!("GitHub deployments ({env})"),
                None => "GitHub deployments".to_string(),
            };
            Ok((source, list))
        }
    }
}

/// One service's deployments with their changes, and its incidents.
pub async fn service_data(
    connections: &Connections,
    entity: &Entity,
    settings: &Settings,
) -> Result<ServiceData, ProviderError> {
    let gh = connections.github.as_ref().map_err(Clone::clone)?;
    let slug = github::repo_of(entity)?;
    let (source, deployments) = deployments_of(gh, entity, &slug, settings).await?;
    let mut warnings = Vec::new();
    let mut changes = Vec::with_capacity(deployments.len());
    let mut previous_success: Option<&Deployment> = None;
    for d in &deployments {
        let mut change = ShippedChange {
            deployment: d.clone(),
            first_commit_at: None,
            reverts: false,
        };
        if d.state == DeployState::Success {
            let in_window = settings.window.contains(d.at);
            match previous_success {
                Some(base) if in_window && base.sha != d.sha => {
                    match delivery::compare(gh, &slug, &base.sha, &d.sha).await {
                        Ok(commits) => {
                            change.first_commit_at = commits.first().map(|c| c.authored_at);
                            change.reverts = commits.iter().any(|c| c.is_revert());
                        }
                        Err(err) => warnings.push(err.to_string()),
                    }
                }
                _ => {}
            }
            previous_success = Some(d);
        }
        changes.push(change);
    }
    let incidents = match (&connections.pagerduty, pagerduty::service_refs(entity)) {
        (Err(err), _) => Err(err.to_string()),
        (Ok(_), Err(err)) => Err(err.to_string()),
        (Ok(pd), Ok(refs)) => {
            let window = &settings.window;
            match delivery::service_ids(
                pd,
                &refs,
                CachePolicy::FreshFor(pagerduty::KEY_MAPPING_WINDOW),
            )
            .await
            {
                Ok(ids) => delivery::incidents_between(
                    pd,
                    &ids,
                    window.start(),
                    window.end,
                    CachePolicy::Revalidate,
                )
                .await
                .map_err(|e| e.to_string()),
                Err(err) => Err(err.to_string()),
            }
        }
    };
    Ok(ServiceData {
        source,
        changes,
        incidents,
        warnings,
    })
}

/// Parses `30d`, `12h`, `2w` (or a bare number of days) into a duration.
pub fn parse_span(text: &str) -> Result<TimeDelta, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&text[..i], text[i..].trim()),
        None => (text, "d"),
    };
    let n: i64 = number
        .parse()
        .ok()
        .filter(|n| *n > 0 && *n <= 3660)
        .ok_or_else(|| format!("{text:?} is not a span like 30d, 12h or 2w"))?;
    match unit {
        "d" | "day" | "days" => Ok(TimeDelta::days(n)),
        "h" | "hour" | "hours" => Ok(TimeDelta::hours(n)),
        "w" | "week" | "weeks" => Ok(TimeDelta::weeks(n)),
        _ => Err(format!("{text:?} is not a span like 30d, 12h or 2w")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(parse_span("30d"), Ok(TimeDelta::days(30)));
        assert_eq!(parse_span("12h"), Ok(TimeDelta::hours(12)));
        assert_eq!(parse_span("2w"), Ok(TimeDelta::days(14)));
        assert_eq!(parse_span("7"), Ok(TimeDelta::days(7)));
        assert!(parse_span("soon").is_err());
        assert!(parse_span("0d").is_err());
    }
}
