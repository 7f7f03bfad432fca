//! The platform maturity assessment (the reference's model: 1 Reactive, 2 Managed, 3 Self-Service,
//! 4 Ecosystem) answered from evidence: the catalog, and live data where a question needs it.
//!
//! - **Q1** (time to a production database): provisioning templates (Templates that dispatch a
//!   GitHub Actions workflow, or whose type or tags say resource/provisioning) and the durations of
//!   their dispatched workflow's successful runs: under an hour is self-service (3), under a day
//!   is managed (2), longer or no template is reactive (1); a template whose runs cannot be seen
//!   is 2.
//! - **Q2** (onboarding to a first commit): golden-path templates (Templates that create a
//!   component) and docs coverage (services with TechDocs or a README): a golden path and ≥ 80%
//!   coverage is 3; a golden path or ≥ 50% coverage is 2; else 1.
//! - **Q3** (deploying without an Ops ticket): the share of services with a GitHub repository that
//!   deployed in the window (GitHub deployments or deploy-workflow runs): ≥ 80% is 3 (the
//!   reference's "80%+ self-service"), ≥ 50% is 2, else 1. Without GitHub, repositories alone
//!   give at most 2.
//! - **Q4** (knowing who owns a failing service): the share of services whose owner is a group
//!   with members and that have an on-call (a PagerDuty service with an escalation policy; the
//!   annotation alone when PagerDuty is not configured): ≥ 80% is 3, ≥ 50% is 2, else 1.
//!
//! The level is the lowest answer's (the weakest practice holds the platform back); 4 when every
//! answer is 3 and templates come from at least two teams (teams extend the platform).
//!
//! [`assess`] is pure; [`gather`] is its I/O edge (GitHub runs and deployments, PagerDuty services).

use crate::catalog::value::Value;
use crate::catalog::{Catalog, Entity, EntityId};
use crate::insights::dora::fetch::{self, Connections, Settings};
use crate::insights::scorecard;
use crate::providers::delivery::{self, DeployState};
use crate::providers::github::{self, RunState, Slug};
use crate::providers::http::CachePolicy;
use crate::providers::pagerduty;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

pub const LEVELS: [&str; 4] = ["Reactive", "Managed", "Self-Service", "Ecosystem"];

/// A workflow a provisioning template dispatches.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Dispatch {
    pub template: String,
    pub slug: String,
    pub workflow: String,
}

/// What the live questions read, gathered by [`gather`].
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// Q1: successful run durations per dispatched workflow, or why unknown.
    pub provisioning_runs: HashMap<Dispatch, Result<Vec<Duration>, String>>,
    /// Q3: successful deployments in the window per service key, or why unknown.
    pub deployments: HashMap<String, Result<usize, String>>,
    /// Q4: per service key, whether PagerDuty has an escalation policy for it (the evidence), or
    /// why unknown.
    pub on_call: HashMap<String, Result<Option<String>, String>>,
    pub github_missing: Option<String>,
    pub pagerduty_missing: Option<String>,
    pub window_days: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Answer {
    pub id: &'static str,
    pub question: &'static str,
    pub answer: String,
    /// 1–3 (4 is the platform's, never one answer's).
    pub level: u8,
    pub facts: Vec<String>,
    /// What would raise this answer a level, when it is below 3.
    pub raise: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assessment {
    pub answers: Vec<Answer>,
    pub level: u8,
    pub level_name: &'static str,
    pub reasons: Vec<String>,
    /// What would move the platform up a level (empty at 4).
    pub next: Vec<String>,
}

/// Services: Components of type service or website.
pub fn services(catalog: &Catalog) -> Vec<EntityId> {
    (0..catalog.len() as EntityId)
        .filter(|&id| {
            let e = catalog.entity(id);
            e.is_kind("Component") && matches!(e.spec_type(), Some("service") | Some("website"))
        })
        .collect()
}

fn steps(entity: &Entity) -> &[Value] {
    entity
        .spec
        .get("steps")
        .map(Value::as_seq)
        .unwrap_or_default()
}

fn step_action(step: &Value) -> &str {
    step.str_at("action").unwrap_or_default()
}

const PROVISIONING_WORDS: [&str; 5] = [
    "resource",
    "provisioning",
    "infrastructure",
    "database",
    "terraform",
];

/// Templates that provision infrastructure: they dispatch a GitHub Actions workflow, or their type
/// or tags say so.
pub fn is_provisioning(entity: &Entity) -> bool {
    entity.is_kind("Template")
        && (steps(entity)
            .iter()
            .any(|s| step_action(s) == "github:actions:dispatch")
            || entity
                .spec_type()
                .is_some_and(|t| PROVISIONING_WORDS.contains(&t))
            || entity.tags().any(|t| PROVISIONING_WORDS.contains(&t)))
}

/// Templates that create a component (a golden path): not provisioning, and of a component type
/// or publishing a repository.
pub fn is_golden_path(entity: &Entity) -> bool {
    entity.is_kind("Template")
        && !is_provisioning(entity)
        && (entity
            .spec_type()
            .is_some_and(|t| matches!(t, "service" | "website" | "library" | "component" | "app"))
            || steps(entity)
                .iter()
                .any(|s| step_action(s).starts_with("publish:")))
}

/// The workflows a template dispatches: `input.repoUrl` (`github.com?repo=R&owner=O`) and
/// `input.workflowId`.
pub fn dispatches(entity: &Entity) -> Vec<Dispatch> {
    steps(entity)
        .iter()
        .filter(|s| step_action(s) == "github:actions:dispatch")
        .filter_map(|s| {
            let input = s.get("input")?;
            let repo_url = input.str_at("repoUrl")?;
            let workflow = input.str_at("workflowId")?.trim().to_string();
            let query = repo_url.split_once('?')?.1;
            let param = |name: &str| {
                query
                    .split('&')
                    .filter_map(|p| p.split_once('='))
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            };
            let slug = format!("{}/{}", param("owner")?, param("repo")?);
            Slug::parse(&slug)?;
            Some(Dispatch {
                template: entity.key(),
                slug,
                workflow,
            })
        })
        .collect()
}

fn percent(part: usize, whole: usize) -> usize {
    (part * 100).checked_div(whole).unwrap_or(0)
}

fn share_level(part: usize, whole: usize) -> u8 {
    match percent(part, whole) {
        p if whole > 0 && p >= 80 => 3,
        p if whole > 0 && p >= 50 => 2,
        _ => 1,
    }
}

fn human(d: Duration) -> String {
    github::short_duration(d)
}

/// The assessment from the catalog and the gathered evidence.
pub fn assess(catalog: &Catalog, evidence: &Evidence) -> Assessment {
    let services = services(catalog);
    let templates: Vec<EntityId> = (0..catalog.len() as EntityId)
        .filter(|&id| catalog.entity(id).is_kind("Template"))
        .collect();
    let answers = vec![
        q1(catalog, &templates, evidence),
        q2(catalog, &templates, &services),
        q3(catalog, &services, evidence),
        q4(catalog, &services, evidence),
    ];
    let lowest = answers.iter().map(|a| a.level).min().unwrap_or(1);
    let template_owners: BTreeSet<String> = templates
        .iter()
        .filter_map(|&id| scorecard::owner_key(catalog, id))
        .collect();
    let ecosystem = lowest == 3 && template_owners.len() >= 2;
    let level = if ecosystem { 4 } else { lowest };
    let mut reasons: Vec<String> = answers
        .iter()
        .map(|a| format!("{} at level {}: {}", a.id, a.level, a.answer))
        .collect();
    reasons.push(format!(
        "templates come from {} team{} ({})",
        template_owners.len(),
        if template_owners.len() == 1 { "" } else { "s" },
        template_owners
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let next = match level {
        4 => Vec::new(),
        3 => vec![format!(
            "level 4 needs teams extending the platform: templates from at least two teams (now {})",
            template_owners.len()
        )],
        _ => answers
            .iter()
            .filter(|a| a.level == level)
            .filter_map(|a| a.raise.as_ref().map(|r| format!("{}: {r}", a.id)))
            .collect(),
    };
    Assessment {
        answers,
        level,
        level_name: LEVELS[level as usize - 1],
        reasons,
        next,
    }
}

fn q1(catalog: &Catalog, templates: &[EntityId], evidence: &Evidence) -> Answer {
    let question = "How long does it take to create a new production database?";
    let provisioning: Vec<&Entity> = templates
        .iter()
        .map(|&id| catalog.entity(id))
        .filter(|e| is_provisioning(e))
        .collect();
    if provisioning.is_empty() {
        return Answer {
            id: "Q1",
            question,
            answer: "days to weeks: no provisioning template, so a database is an Ops ticket".into(),
            level: 1,
            facts: vec![format!("{} templates, none provisions infrastructure (no github:actions:dispatch step, no resource/provisioning type or tag)", templates.len())],
            raise: Some("add a provisioning template (like provision-postgres) that dispatches the infrastructure workflow".into()),
        };
    }
    let mut facts: Vec<String> = provisioning
        .iter()
        .map(|e| format!("provisioning template {}", e.key()))
        .collect();
    let mut durations: Vec<Duration> = Vec::new();
    let mut dispatched: Vec<Dispatch> = provisioning.iter().flat_map(|e| dispatches(e)).collect();
    dispatched.sort();
    for d in &dispatched {
        match evidence.provisioning_runs.get(d) {
            Some(Ok(list)) => {
                facts.push(format!(
                    "{} in {}: {} successful run{}{}",
                    d.workflow,
                    d.slug,
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    match median_duration(list) {
                        Some(m) => format!(", median {}", human(m)),
                        None => String::new(),
                    }
                ));
                durations.extend(list);
            }
            Some(Err(why)) => facts.push(format!("{} in {}: unknown ({why})", d.workflow, d.slug)),
            None => facts.push(format!(
                "{} in {}: unknown ({})",
                d.workflow,
                d.slug,
                evidence
                    .github_missing
                    .as_deref()
                    .unwrap_or("runs not fetched")
            )),
        }
    }
    match median_duration(&durations) {
        None => Answer {
            id: "Q1",
            question,
            answer: "a provisioning template exists, but how long its runs take is unknown".into(),
            level: 2,
            facts,
            raise: Some("let greenroom see the dispatched workflow's runs (GitHub token), or run the template: minutes-long runs make this self-service".into()),
        },
        Some(m) if m < Duration::from_secs(3600) => Answer {
            id: "Q1",
            question,
            answer: format!("minutes: self-service provisioning, median run {}", human(m)),
            level: 3,
            facts,
            raise: None,
        },
        Some(m) if m < Duration::from_secs(24 * 3600) => Answer {
            id: "Q1",
            question,
            answer: format!("hours: provisioning is automated but slow, median run {}", human(m)),
            level: 2,
            facts,
            raise: Some("bring the provisioning workflow's runs under an hour".into()),
        },
        Some(m) => Answer {
            id: "Q1",
            question,
            answer: format!("days: median provisioning run {}", human(m)),
            level: 1,
            facts,
            raise: Some("bring the provisioning workflow's runs from days to hours".into()),
        },
    }
}

/// The median of durations (the lower middle for an even count: whole seconds stay whole).
pub fn median_duration(list: &[Duration]) -> Option<Duration> {
    let mut sorted = list.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

fn q2(catalog: &Catalog, templates: &[EntityId], services: &[EntityId]) -> Answer {
    let question = "How long does it take to onboard a new engineer to a first commit?";
    let golden: Vec<String> = templates
        .iter()
        .map(|&id| catalog.entity(id))
        .filter(|e| is_golden_path(e))
        .map(|e| e.key())
        .collect();
    let documented = services
        .iter()
        .filter(|&&id| scorecard::docs_evidence(catalog.entity(id)).is_ok())
        .count();
    let coverage = percent(documented, services.len());
    let mut facts = vec![format!(
        "golden-path templates: {}",
        if golden.is_empty() {
            "none".to_string()
        } else {
            golden.join(", ")
        }
    )];
    facts.push(format!(
        "docs coverage: {documented} of {} services have TechDocs or a README ({coverage}%)",
        services.len()
    ));
    let (level, answer, raise) = match (!golden.is_empty(), coverage) {
        (true, c) if c >= 80 && !services.is_empty() => (
            3,
            "hours: a golden path and documented services".to_string(),
            None,
        ),
        (true, _) => (
            2,
            "days: a golden path exists, but most services lack docs".to_string(),
            Some(format!(
                "document services: {coverage}% have TechDocs or a README, 80% is the bar"
            )),
        ),
        (false, c) if c >= 50 => (
            2,
            "days: services are documented, but there is no golden path".to_string(),
            Some(
                "add a golden-path template that creates a service (like nodejs-rest-api)"
                    .to_string(),
            ),
        ),
        (false, _) => (
            1,
            "days to weeks: no golden path and little documentation".to_string(),
            Some(
                "add a golden-path template and document services (TechDocs or a README)"
                    .to_string(),
            ),
        ),
    };
    Answer {
        id: "Q2",
        question,
        answer,
        level,
        facts,
        raise,
    }
}

fn q3(catalog: &Catalog, services: &[EntityId], evidence: &Evidence) -> Answer {
    let question = "Can teams deploy without opening an Ops ticket?";
    let with_repo: Vec<EntityId> = services
        .iter()
        .copied()
        .filter(|&id| github::repo_of(catalog.entity(id)).is_ok())
        .collect();
    let mut facts = vec![format!(
        "{} of {} services have a GitHub repository (github.com/project-slug)",
        with_repo.len(),
        services.len()
    )];
    if let Some(why) = &evidence.github_missing {
        facts.push(format!("deployments unknown: {why}"));
        let level = share_level(with_repo.len(), services.len()).min(2);
        return Answer {
            id: "Q3",
            question,
            answer: format!(
                "unverified: {}% of services have a repository; whether they deploy through CI/CD is unknown",
                percent(with_repo.len(), services.len())
            ),
            level,
            facts,
            raise: Some("let greenroom read GitHub deployments (a token) to show self-service deploys, and give every service a repository".into()),
        };
    }
    let mut deploying = 0;
    let mut unknown = Vec::new();
    for &id in &with_repo {
        let key = catalog.entity(id).key();
        match evidence.deployments.get(&key) {
            Some(Ok(n)) if *n > 0 => deploying += 1,
            Some(Ok(_)) => {}
            Some(Err(why)) => unknown.push(format!("{key}: {why}")),
            None => unknown.push(format!("{key}: not fetched")),
        }
    }
    facts.push(format!(
        "{deploying} of {} services deployed through CI/CD in the last {} days",
        services.len(),
        evidence.window_days
    ));
    for u in &unknown {
        facts.push(format!("unknown: {u}"));
    }
    let share = percent(deploying, services.len());
    let level = share_level(deploying, services.len());
    Answer {
        id: "Q3",
        question,
        answer: match level {
            3 => format!("yes: {share}% of services deploy through self-service CI/CD"),
            2 => format!("partly: {share}% of services deploy through CI/CD"),
            _ => format!("mostly not: {share}% of services deploy through CI/CD"),
        },
        level,
        facts,
        raise: (level < 3).then(|| {
            format!("80% of services deploying through CI/CD (now {share}%): give the others a deploy workflow or GitHub deployments")
        }),
    }
}

fn q4(catalog: &Catalog, services: &[EntityId], evidence: &Evidence) -> Answer {
    let question = "Do teams know who owns a service that is causing issues?";
    let mut owned = 0;
    let mut both = 0;
    let mut facts = Vec::new();
    for &id in services {
        let e = catalog.entity(id);
        let key = e.key();
        let owner = scorecard::owner_group_with_members(catalog, id);
        if owner.is_ok() {
            owned += 1;
        }
        let on_call = match (&evidence.pagerduty_missing, evidence.on_call.get(&key)) {
            (_, Some(Ok(Some(_)))) => true,
            (_, Some(Ok(None))) => false,
            (_, Some(Err(_))) => false,
            // Not verifiable live: the mapping is the evidence.
            (Some(_), None) => pagerduty::service_refs(e).is_ok(),
            (None, None) => false,
        };
        if owner.is_ok() && on_call {
            both += 1;
        }
    }
    facts.push(format!(
        "{owned} of {} services are owned by a group with members",
        services.len()
    ));
    facts.push(match &evidence.pagerduty_missing {
        Some(why) => format!("on-call from the PagerDuty annotations only (not verified: {why})"),
        None => "on-call verified in PagerDuty (a service with an escalation policy)".into(),
    });
    facts.push(format!(
        "{both} of {} services have both an owning team and an on-call",
        services.len()
    ));
    let share = percent(both, services.len());
    let level = share_level(both, services.len());
    Answer {
        id: "Q4",
        question,
        answer: match level {
            3 => format!("yes: {share}% of services have an owning team and an on-call"),
            2 => format!("partly: {share}% of services have an owning team and an on-call"),
            _ => format!("no: only {share}% of services have an owning team and an on-call"),
        },
        level,
        facts,
        raise: (level < 3).then(|| {
            format!("80% of services with an owning group (with members) and a PagerDuty on-call (now {share}%)")
        }),
    }
}

/// Asks GitHub and PagerDuty for the evidence: the provisioning workflows' runs (Q1), each
/// service's deployments in the window (Q3), each service's PagerDuty escalation policy (Q4).
pub async fn gather(
    connections: &Connections,
    catalog: &Catalog,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Evidence {
    let mut evidence = Evidence {
        window_days: settings.window.days,
        github_missing: connections.github.as_ref().err().map(ToString::to_string),
        pagerduty_missing: connections
            .pagerduty
            .as_ref()
            .err()
            .map(ToString::to_string),
        ..Evidence::default()
    };
    let mut tasks = tokio::task::JoinSet::new();
    if let Ok(gh) = &connections.github {
        let mut dispatched: Vec<Dispatch> = (0..catalog.len() as EntityId)
            .map(|id| catalog.entity(id))
            .filter(|e| is_provisioning(e))
            .flat_map(dispatches)
            .collect();
        dispatched.sort();
        dispatched.dedup();
        for d in dispatched {
            let gh = gh.clone();
            tasks.spawn(async move {
                let Some(slug) = Slug::parse(&d.slug) else {
                    return Found::Runs(d, Err("not OWNER/REPO".into()));
                };
                let result = delivery::workflow_runs(
                    &gh,
                    &slug,
                    &d.workflow,
                    None,
                    None,
                    30,
                    CachePolicy::Revalidate,
                )
                .await
                .map(|runs| {
                    runs.iter()
                        .filter(|r| r.state() == RunState::Success)
                        .filter_map(|r| r.duration(now))
                        .collect()
                })
                .map_err(|e| e.to_string());
                Found::Runs(d, result)
            });
        }
        for id in services(catalog) {
            let entity = catalog.entity(id).clone();
            let Ok(slug) = github::repo_of(&entity) else {
                continue;
            };
            let gh = gh.clone();
            let settings = settings.clone();
            tasks.spawn(async move {
                let result = fetch::deployments_of(&gh, &entity, &slug, &settings)
                    .await
                    .map(|(_, list)| {
                        list.iter()
                            .filter(|d| {
                                d.state == DeployState::Success && settings.window.contains(d.at)
                            })
                            .count()
                    })
                    .map_err(|e| e.to_string());
                Found::Deployments(entity.key(), result)
            });
        }
    }
    if let Ok(pd) = &connections.pagerduty {
        for id in services(catalog) {
            let entity = catalog.entity(id);
            let Ok(refs) = pagerduty::service_refs(entity) else {
                continue;
            };
            let key = entity.key();
            let pd = pd.clone();
            tasks.spawn(async move {
                let result = pd
                    .services(&refs, CachePolicy::FreshFor(Duration::from_secs(3600)))
                    .await
                    .map(|f| {
                        f.value.into_iter().find_map(|r| {
                            r.service.ok().and_then(|s| {
                                s.escalation_policy
                                    .map(|p| format!("{} → {}", s.name, p.summary))
                            })
                        })
                    })
                    .map_err(|e| e.to_string());
                Found::OnCall(key, result)
            });
        }
    }
    for found in tasks.join_all().await {
        match found {
            Found::Runs(d, r) => {
                evidence.provisioning_runs.insert(d, r);
            }
            Found::Deployments(k, r) => {
                evidence.deployments.insert(k, r);
            }
            Found::OnCall(k, r) => {
                evidence.on_call.insert(k, r);
            }
        }
    }
    evidence
}

enum Found {
    Runs(Dispatch, Result<Vec<Duration>, String>),
    Deployments(String, Result<usize, String>),
    OnCall(String, Result<Option<String>, String>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_templates() {
        let catalog = crate::catalog::load::load_paths(&["src/demo".into()]).catalog;
        let pg = catalog.entity(catalog.get("template:default/provision-postgres").unwrap());
        assert!(is_provisioning(pg));
        assert_eq!(
            dispatches(pg),
            vec![Dispatch {
                template: "template:default/provision-postgres".into(),
                slug: "myorg/infra".into(),
                workflow: "provision-database.yml".into(),
            }]
        );
        let node = catalog.entity(catalog.get("template:default/nodejs-rest-api").unwrap());
        assert!(is_golden_path(node) && !is_provisioning(node));
        assert_eq!(
            median_duration(&[Duration::from_secs(60), Duration::from_secs(180)]),
            Some(Duration::from_secs(120))
        );
    }
}
