//! Scoring: every rule of a scorecard over every entity it applies to, the level each entity
//! reaches, what the next level needs, and a rollup per owning team.

use super::{Check, Field, Rule, Scorecard, Test};
use crate::catalog::value::Value;
use crate::catalog::{Catalog, Entity, EntityId, RelationType, Target};
use crate::providers::github::{self, RunState, WorkflowRun};
use crate::providers::pagerduty::{self, Incident, Urgency};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Default-branch CI runs of one repository, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct CiFacts {
    pub branch: String,
    pub runs: Vec<WorkflowRun>,
}

/// The live data the live rules read, gathered by the caller, keyed by entity key. An entity with
/// no entry is "unknown": with the provider's reason when the provider is not configured.
#[derive(Clone, Debug, Default)]
pub struct LiveFacts {
    pub ci: HashMap<String, Result<CiFacts, String>>,
    pub incidents: HashMap<String, Result<Vec<Incident>, String>>,
    /// Why GitHub data cannot be had at all (not configured), if so.
    pub github_missing: Option<String>,
    pub pagerduty_missing: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The data to decide is missing (a provider not configured or not answering).
    Unknown,
    /// Failed or unknown, but an exemption in force covers it.
    Exempt,
}

impl Outcome {
    /// Counts toward a level.
    pub fn holds(self) -> bool {
        matches!(self, Outcome::Pass | Outcome::Exempt)
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::Unknown => "unknown",
            Outcome::Exempt => "exempt",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExemptionNote {
    pub until: String,
    pub reason: String,
    /// Past its date: it no longer applies.
    pub expired: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleResult {
    pub rule: String,
    pub outcome: Outcome,
    /// The evidence, or what is missing.
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemption: Option<ExemptionNote>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NextLevel {
    pub level: String,
    /// The rules that do not hold yet, in scorecard order.
    pub needs: Vec<RuleResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntityScore {
    #[serde(rename = "ref")]
    pub entity: String,
    #[serde(skip)]
    pub id: EntityId,
    /// The owner as `spec.owner` resolves (a group's key), if any.
    pub owner: Option<String>,
    /// The highest level reached, `None` below the first.
    pub level: Option<String>,
    #[serde(skip)]
    pub level_index: Option<usize>,
    pub next: Option<NextLevel>,
    pub results: Vec<RuleResult>,
}

impl EntityScore {
    /// Ranks below every level as 0, the first level as 1, ...
    pub fn rank(&self) -> usize {
        self.level_index.map_or(0, |i| i + 1)
    }

    pub fn result(&self, rule: &str) -> Option<&RuleResult> {
        self.results.iter().find(|r| r.rule == rule)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeamRollup {
    /// The owner's key, or `(no owner)`.
    pub team: String,
    pub entities: usize,
    /// Entities per level reached, `none` first, then the scorecard's levels in order.
    pub levels: Vec<(String, usize)>,
    /// Rule results that hold (pass or exempt), of all results.
    pub holding: usize,
    pub results: usize,
    /// Rules failing on this team's entities, most failures first: (rule, entities failing).
    pub failing: Vec<(String, usize)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub level: String,
    pub live: bool,
    /// Entities failing it (for ordering: failing rules first).
    pub failing: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub scorecard: String,
    pub levels: Vec<String>,
    pub rules: Vec<RuleInfo>,
    pub entities: Vec<EntityScore>,
    pub teams: Vec<TeamRollup>,
}

impl Report {
    /// Rule indexes, most failing first (ties in scorecard order): the grid's columns.
    pub fn rules_failing_first(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.rules.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.rules[i].failing));
        order
    }
}

/// Scores `ids` (every entity the scorecard applies to, when `None`) at `now`.
pub fn evaluate(
    card: &Scorecard,
    catalog: &Catalog,
    ids: Option<&[EntityId]>,
    live: &LiveFacts,
    now: DateTime<Utc>,
) -> Report {
    let chosen: Vec<EntityId> = match ids {
        Some(ids) => ids.to_vec(),
        None => (0..catalog.len() as EntityId)
            .filter(|&id| card.applies_to.matches(catalog.entity(id)))
            .collect(),
    };
    let mut entities: Vec<EntityScore> = chosen
        .into_iter()
        .map(|id| score_entity(card, catalog, id, live, now))
        .collect();
    entities.sort_by(|a, b| a.entity.cmp(&b.entity));
    let rules = card
        .rules
        .iter()
        .map(|r| RuleInfo {
            id: r.id.clone(),
            title: r.title.clone(),
            level: card.levels[r.level].clone(),
            live: r.check.is_live(),
            failing: entities
                .iter()
                .filter(|e| e.result(&r.id).is_some_and(|x| x.outcome == Outcome::Fail))
                .count(),
        })
        .collect();
    let teams = rollup(card, &entities);
    Report {
        scorecard: card.name.clone(),
        levels: card.levels.clone(),
        rules,
        entities,
        teams,
    }
}

fn score_entity(
    card: &Scorecard,
    catalog: &Catalog,
    id: EntityId,
    live: &LiveFacts,
    now: DateTime<Utc>,
) -> EntityScore {
    let entity = catalog.entity(id);
    let key = entity.key();
    let today = now.date_naive();
    let results: Vec<RuleResult> = card
        .rules
        .iter()
        .map(|rule| {
            let (outcome, detail) = check(rule, catalog, id, &key, live, now);
            let exemption = card
                .exemptions
                .iter()
                .filter(|e| e.entity == key && e.rule == rule.id)
                .max_by_key(|e| e.until);
            match exemption {
                None => RuleResult {
                    rule: rule.id.clone(),
                    outcome,
                    detail,
                    exemption: None,
                },
                Some(e) => {
                    let expired = today > e.until;
                    let note = ExemptionNote {
                        until: e.until.to_string(),
                        reason: e.reason.clone(),
                        expired,
                    };
                    let (outcome, detail) = match (outcome, expired) {
                        (Outcome::Pass, _) => (outcome, detail),
                        (_, false) => (
                            Outcome::Exempt,
                            format!("exempt until {}: {} ({detail})", e.until, e.reason),
                        ),
                        (_, true) => (
                            outcome,
                            format!("{detail} (exemption expired {}: {})", e.until, e.reason),
                        ),
                    };
                    RuleResult {
                        rule: rule.id.clone(),
                        outcome,
                        detail,
                        exemption: Some(note),
                    }
                }
            }
        })
        .collect();
    // OpsLevel's rubric: a level is reached when every rule of it and of every level below holds.
    let mut level_index = None;
    for level in 0..card.levels.len() {
        let holds = card
            .rules
            .iter()
            .zip(&results)
            .filter(|(r, _)| r.level <= level)
            .all(|(_, x)| x.outcome.holds());
        if !holds {
            break;
        }
        level_index = Some(level);
    }
    let next_index = level_index.map_or(0, |i| i + 1);
    let next = (next_index < card.levels.len()).then(|| NextLevel {
        level: card.levels[next_index].clone(),
        needs: card
            .rules
            .iter()
            .zip(&results)
            .filter(|(r, x)| r.level <= next_index && !x.outcome.holds())
            .map(|(_, x)| x.clone())
            .collect(),
    });
    EntityScore {
        entity: key,
        id,
        owner: owner_key(catalog, id),
        level: level_index.map(|i| card.levels[i].clone()),
        level_index,
        next,
        results,
    }
}

/// The owning group's key (or the owner reference as written when it is not a catalog group).
pub fn owner_key(catalog: &Catalog, id: EntityId) -> Option<String> {
    catalog
        .related(id, RelationType::OwnedBy)
        .next()
        .map(|t| catalog.target_ref(t).key())
}

/// A group's members that are in the catalog.
pub fn member_count(catalog: &Catalog, group: EntityId) -> usize {
    catalog
        .related(group, RelationType::HasMember)
        .filter(|t| matches!(t, Target::Entity(_)))
        .count()
}

/// Whether the entity's owner is a group of the catalog with members: `Ok(evidence)` or
/// `Err(what is wrong)`. Shared with the maturity assessment (Q4).
pub fn owner_group_with_members(catalog: &Catalog, id: EntityId) -> Result<String, String> {
    let owners: Vec<Target> = catalog.related(id, RelationType::OwnedBy).collect();
    let Some(first) = owners.first() else {
        return Err("no spec.owner".into());
    };
    for &owner in &owners {
        if let Target::Entity(group) = owner {
            let g = catalog.entity(group);
            if g.is_kind("Group") {
                let n = member_count(catalog, group);
                if n > 0 {
                    return Ok(format!(
                        "{} ({n} member{})",
                        g.key(),
                        if n == 1 { "" } else { "s" }
                    ));
                }
            }
        }
    }
    let key = catalog.target_ref(*first).key();
    Err(match first {
        Target::Missing(_) => format!("owner {key} is not in the catalog"),
        Target::Entity(owner) if !catalog.entity(*owner).is_kind("Group") => {
            format!(
                "owner {key} is a {}, not a group",
                catalog.entity(*owner).kind
            )
        }
        Target::Entity(_) => format!("owner {key} has no members"),
    })
}

/// TechDocs or a README: `Ok(evidence)` or `Err(what is missing)`. Shared with the maturity
/// assessment (Q2's docs coverage).
pub fn docs_evidence(entity: &Entity) -> Result<String, String> {
    if let Some(reference) = entity.annotation("backstage.io/techdocs-ref") {
        return Ok(format!("backstage.io/techdocs-ref: {reference}"));
    }
    let location = entity.source.location.as_ref();
    let file = location.strip_prefix("file://").unwrap_or(location);
    if !file.contains("://") {
        if let Some(folder) = Path::new(file).parent() {
            for name in [
                "README.md",
                "README",
                "readme.md",
                "Readme.md",
                "README.rst",
            ] {
                if folder.join(name).is_file() {
                    return Ok(format!("{name} beside {}", file_name(file)));
                }
            }
        }
    }
    Err("no backstage.io/techdocs-ref annotation and no README beside its catalog file".into())
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn check(
    rule: &Rule,
    catalog: &Catalog,
    id: EntityId,
    key: &str,
    live: &LiveFacts,
    now: DateTime<Utc>,
) -> (Outcome, String) {
    let entity = catalog.entity(id);
    let verdict = |r: Result<String, String>| match r {
        Ok(evidence) => (Outcome::Pass, evidence),
        Err(why) => (Outcome::Fail, why),
    };
    match &rule.check {
        Check::Owner => verdict(owner_group_with_members(catalog, id)),
        Check::Description => verdict(
            entity
                .description()
                .filter(|d| !d.trim().is_empty())
                .map(|_| "metadata.description is set".to_string())
                .ok_or_else(|| "no metadata.description".to_string()),
        ),
        Check::Lifecycle => verdict(
            entity
                .lifecycle()
                .filter(|l| !l.trim().is_empty())
                .map(|l| format!("lifecycle {l}"))
                .ok_or_else(|| "no spec.lifecycle".to_string()),
        ),
        Check::System => {
            let system = catalog
                .related(id, RelationType::PartOf)
                .find_map(|t| match t {
                    Target::Entity(s) if catalog.entity(s).is_kind("System") => Some(s),
                    _ => None,
                });
            verdict(match (system, entity.system()) {
                (Some(s), _) => Ok(catalog.entity(s).key()),
                (None, Some(name)) => Err(format!("system {name} is not in the catalog")),
                (None, None) => Err("no spec.system".into()),
            })
        }
        Check::Docs => verdict(docs_evidence(entity)),
        Check::PagerDuty => verdict(
            pagerduty::service_refs(entity)
                .map(|refs| {
                    refs.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .map_err(|e| detail_of(e.to_string(), key)),
        ),
        Check::GitHub => verdict(
            github::repo_of(entity)
                .map(|slug| slug.to_string())
                .map_err(|e| detail_of(e.to_string(), key)),
        ),
        Check::CiGreen { runs } => ci_green(entity, key, *runs, live),
        Check::Incidents { older_than_hours } => {
            stale_incidents(entity, key, *older_than_hours, live, now)
        }
        Check::Field { field, test } => verdict(field_check(entity, field, test)),
    }
}

/// A provider's "X has no ... annotation" without the entity's name (the row already says it).
fn detail_of(message: String, key: &str) -> String {
    message
        .strip_prefix(&format!("{key} has "))
        .map(str::to_string)
        .unwrap_or(message)
}

fn ci_green(entity: &Entity, key: &str, wanted: u32, live: &LiveFacts) -> (Outcome, String) {
    if let Err(err) = github::repo_of(entity) {
        return (
            Outcome::Unknown,
            format!("no CI to judge: {}", detail_of(err.to_string(), key)),
        );
    }
    let facts = match (live.ci.get(key), &live.github_missing) {
        (Some(Ok(facts)), _) => facts,
        (Some(Err(why)), _) => return (Outcome::Unknown, why.clone()),
        (None, Some(why)) => return (Outcome::Unknown, why.clone()),
        (None, None) => return (Outcome::Unknown, "CI runs not fetched yet".into()),
    };
    let completed: Vec<&WorkflowRun> = facts
        .runs
        .iter()
        .filter(|r| r.head_branch.as_deref() == Some(facts.branch.as_str()))
        .filter(|r| matches!(r.state(), RunState::Success | RunState::Failure))
        .take(wanted as usize)
        .collect();
    if completed.is_empty() {
        return (
            Outcome::Fail,
            format!("no completed runs on {}", facts.branch),
        );
    }
    let failed: Vec<&&WorkflowRun> = completed
        .iter()
        .filter(|r| r.state() == RunState::Failure)
        .collect();
    let n = completed.len();
    match failed.first() {
        None if n as u32 >= wanted => (
            Outcome::Pass,
            format!("the last {n} runs on {} succeeded", facts.branch),
        ),
        None => (
            Outcome::Pass,
            format!(
                "all {n} completed runs on {} succeeded (fewer than {wanted})",
                facts.branch
            ),
        ),
        Some(latest) => (
            Outcome::Fail,
            format!(
                "{} of the last {n} runs on {} failed (latest: {} #{})",
                failed.len(),
                facts.branch,
                latest.name,
                latest.run_number
            ),
        ),
    }
}

fn stale_incidents(
    entity: &Entity,
    key: &str,
    hours: u32,
    live: &LiveFacts,
    now: DateTime<Utc>,
) -> (Outcome, String) {
    if let Err(err) = pagerduty::service_refs(entity) {
        return (
            Outcome::Unknown,
            format!("no incidents to judge: {}", detail_of(err.to_string(), key)),
        );
    }
    let incidents = match (live.incidents.get(key), &live.pagerduty_missing) {
        (Some(Ok(list)), _) => list,
        (Some(Err(why)), _) => return (Outcome::Unknown, why.clone()),
        (None, Some(why)) => return (Outcome::Unknown, why.clone()),
        (None, None) => return (Outcome::Unknown, "incidents not fetched yet".into()),
    };
    let limit = std::time::Duration::from_secs(u64::from(hours) * 3600);
    let stale: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.status.is_open() && i.urgency == Urgency::High && i.age(now) > limit)
        .collect();
    match stale.iter().max_by_key(|i| i.age(now)) {
        None => (
            Outcome::Pass,
            format!(
                "no open high-urgency incident older than {hours} h ({} open)",
                incidents.iter().filter(|i| i.status.is_open()).count()
            ),
        ),
        Some(oldest) => (
            Outcome::Fail,
            format!(
                "{} open high-urgency incident{} older than {hours} h (oldest: #{} {:?}, open {})",
                stale.len(),
                if stale.len() == 1 { "" } else { "s" },
                oldest.incident_number,
                oldest.title,
                github::short_duration(oldest.age(now))
            ),
        ),
    }
}

/// A scalar as text (`3`, `true`, `gold`); maps and lists are not scalars.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn field_check(entity: &Entity, field: &Field, test: &Test) -> Result<String, String> {
    let (name, values): (String, Vec<String>) = match field {
        Field::Annotation(key) => (
            format!("annotation {key}"),
            entity
                .annotation(key)
                .map(str::to_string)
                .into_iter()
                .collect(),
        ),
        Field::Label(key) => (
            format!("label {key}"),
            entity
                .metadata
                .path(&["labels", key])
                .and_then(scalar)
                .into_iter()
                .collect(),
        ),
        Field::Spec(path) => {
            let keys: Vec<&str> = path.split('.').collect();
            (
                format!("spec.{path}"),
                entity
                    .spec
                    .path(&keys)
                    .and_then(scalar)
                    .into_iter()
                    .collect(),
            )
        }
        Field::Tag => ("tags".into(), entity.tags().map(str::to_string).collect()),
    };
    let values: Vec<String> = values
        .into_iter()
        .filter(|v| !v.trim().is_empty())
        .collect();
    let shown = || {
        values
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if values.is_empty() {
        return Err(format!("no {name}"));
    }
    let hit = values.iter().find(|v| match test {
        Test::Exists => true,
        Test::Equals(x) => *v == x,
        Test::Matches(re) => re.is_match(v),
        Test::OneOf(list) => list.iter().any(|x| x == *v),
    });
    match (hit, test) {
        (Some(v), _) => Ok(format!("{name} is {v:?}")),
        (None, Test::Equals(x)) => Err(format!("{name} is {}, not {x:?}", shown())),
        (None, Test::Matches(re)) => Err(format!(
            "{name} is {}, which does not match /{}/",
            shown(),
            re.as_str()
        )),
        (None, Test::OneOf(list)) => Err(format!(
            "{name} is {}, not one of {}",
            shown(),
            list.join(", ")
        )),
        (None, Test::Exists) => Err(format!("no {name}")),
    }
}

fn rollup(card: &Scorecard, entities: &[EntityScore]) -> Vec<TeamRollup> {
    let mut teams: BTreeMap<String, Vec<&EntityScore>> = BTreeMap::new();
    for e in entities {
        teams
            .entry(e.owner.clone().unwrap_or_else(|| "(no owner)".into()))
            .or_default()
            .push(e);
    }
    teams
        .into_iter()
        .map(|(team, list)| {
            let mut levels = vec![("none".to_string(), 0)];
            levels.extend(card.levels.iter().map(|l| (l.clone(), 0)));
            for e in &list {
                levels[e.rank()].1 += 1;
            }
            let results: Vec<&RuleResult> = list.iter().flat_map(|e| &e.results).collect();
            let mut failing: Vec<(String, usize)> = card
                .rules
                .iter()
                .map(|r| {
                    let n = results
                        .iter()
                        .filter(|x| x.rule == r.id && x.outcome == Outcome::Fail)
                        .count();
                    (r.id.clone(), n)
                })
                .filter(|(_, n)| *n > 0)
                .collect();
            failing.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
            TeamRollup {
                team,
                entities: list.len(),
                levels,
                holding: results.iter().filter(|x| x.outcome.holds()).count(),
                results: results.len(),
                failing,
            }
        })
        .collect()
}
