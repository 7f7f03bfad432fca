//! The live facts a scorecard's live rules read (default-branch CI runs, open incidents), gathered
//! from GitHub and PagerDuty for the entities being scored. The I/O edge of scorecards: the
//! evaluation itself ([`super::evaluate`]) stays pure.

use super::{CiFacts, LiveFacts, Scorecard};
use crate::catalog::{Catalog, EntityId};
use crate::insights::dora::fetch::Connections;
use crate::providers::http::CachePolicy;
use crate::providers::{github, pagerduty};

/// Asks GitHub and PagerDuty for what `card`'s live rules need about `ids`, a few at a time. A
/// provider that is not configured is recorded once, as the reason its rules are unknown.
pub async fn gather(
    connections: &Connections,
    catalog: &Catalog,
    ids: &[EntityId],
    card: &Scorecard,
) -> LiveFacts {
    let mut facts = LiveFacts::default();
    let runs = card.ci_runs_needed();
    let incidents = card.needs_incidents();
    if runs.is_some() {
        if let Err(err) = &connections.github {
            facts.github_missing = Some(err.to_string());
        }
    }
    if incidents {
        if let Err(err) = &connections.pagerduty {
            facts.pagerduty_missing = Some(err.to_string());
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for &id in ids {
        let entity = catalog.entity(id).clone();
        let key = entity.key();
        if let (Some(wanted), Ok(gh), Ok(slug)) =
            (runs, &connections.github, github::repo_of(&entity))
        {
            let gh = gh.clone();
            let key = key.clone();
            tasks.spawn(async move {
                let result = async {
                    let branch = gh
                        .default_branch(&slug, CachePolicy::Revalidate)
                        .await?
                        .value;
                    // Twice as many as needed: cancelled and skipped runs are left out.
                    let runs = gh
                        .runs(&slug, wanted * 2, Some(&branch), CachePolicy::Revalidate)
                        .await?
                        .value
                        .runs;
                    Ok::<_, crate::providers::ProviderError>(CiFacts { branch, runs })
                }
                .await;
                Fact::Ci(key, result.map_err(|e| e.to_string()))
            });
        }
        if let (true, Ok(pd), Ok(refs)) = (
            incidents,
            &connections.pagerduty,
            pagerduty::service_refs(&entity),
        ) {
            let pd = pd.clone();
            tasks.spawn(async move {
                let result = pd
                    .incidents_for(&refs, CachePolicy::Revalidate)
                    .await
                    .map(|f| f.value.incidents)
                    .map_err(|e| e.to_string());
                Fact::Incidents(key, result)
            });
        }
    }
    for fact in tasks.join_all().await {
        match fact {
            Fact::Ci(key, result) => {
                facts.ci.insert(key, result);
            }
            Fact::Incidents(key, result) => {
                facts.incidents.insert(key, result);
            }
        }
    }
    facts
}

enum Fact {
    Ci(String, Result<CiFacts, String>),
    Incidents(String, Result<Vec<pagerduty::Incident>, String>),
}
