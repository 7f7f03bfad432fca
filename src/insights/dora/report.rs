//! DORA per service and per team: which services are measured, their data gathered a few at a
//! time, and the team rollup (a team's figures over its services' records together). Shared by
//! `greenroom dora` and the DORA pane.

use super::fetch::{self, Connections, ServiceData, Settings};
use super::{Metrics, Records, Window};
use crate::catalog::{Catalog, EntityId, RelationType, Target};
use crate::providers::{github, ProviderError};
use std::collections::BTreeMap;

/// The services DORA is measured on: one entity, a group's owned Components, or every
/// Component with a repository.
pub fn services(catalog: &Catalog, focus: Option<EntityId>) -> Vec<EntityId> {
    let has_repo = |id: EntityId| {
        let e = catalog.entity(id);
        // Libraries are released, not deployed.
        e.is_kind("Component")
            && e.spec_type() != Some("library")
            && e.annotation(github::ANNOTATION).is_some()
    };
    let mut ids: Vec<EntityId> = match focus {
        Some(id) if catalog.entity(id).is_kind("Group") => catalog
            .related(id, RelationType::OwnerOf)
            .filter_map(|t| match t {
                Target::Entity(e) => Some(e),
                Target::Missing(_) => None,
            })
            .filter(|&e| has_repo(e))
            .collect(),
        Some(id) => vec![id],
        None => (0..catalog.len() as EntityId)
            .filter(|&id| has_repo(id))
            .collect(),
    };
    ids.sort_by_key(|&id| catalog.entity(id).key());
    ids.dedup();
    ids
}

/// One service's figures, or why there are none.
pub struct ServiceResult {
    pub id: EntityId,
    pub data: Result<(ServiceData, Records), ProviderError>,
}

/// Gathers every service's data (a few at a time) and turns it into records.
pub async fn gather(
    connections: &Connections,
    catalog: &Catalog,
    ids: &[EntityId],
    settings: &Settings,
) -> Vec<ServiceResult> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, &id) in ids.iter().enumerate() {
        let entity = catalog.entity(id).clone();
        let connections = connections.clone();
        let settings = settings.clone();
        tasks.spawn(async move {
            let data = fetch::service_data(&connections, &entity, &settings)
                .await
                .map(|data| {
                    let incidents = data.incidents.as_deref().unwrap_or_default();
                    let records = super::records(
                        &data.changes,
                        incidents,
                        &settings.window,
                        settings.failure_window,
                    );
                    (data, records)
                });
            (index, ServiceResult { id, data })
        });
    }
    let mut results = tasks.join_all().await;
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, r)| r).collect()
}

/// A team's figures over its services' records together.
pub struct TeamResult {
    pub team: String,
    pub services: Vec<String>,
    pub metrics: Metrics,
}

pub fn teams(catalog: &Catalog, results: &[ServiceResult], window: &Window) -> Vec<TeamResult> {
    let mut by_team: BTreeMap<String, Vec<&ServiceResult>> = BTreeMap::new();
    for r in results.iter().filter(|r| r.data.is_ok()) {
        let team = crate::insights::scorecard::owner_key(catalog, r.id)
            .unwrap_or_else(|| "(no owner)".into());
        by_team.entry(team).or_default().push(r);
    }
    by_team
        .into_iter()
        .map(|(team, list)| {
            let records: Vec<&Records> = list
                .iter()
                .filter_map(|r| r.data.as_ref().ok().map(|(_, rec)| rec))
                .collect();
            // Time to restore over the services whose incidents are known.
            let known = list
                .iter()
                .any(|r| r.data.as_ref().is_ok_and(|(d, _)| d.incidents.is_ok()));
            TeamResult {
                team,
                services: list.iter().map(|r| catalog.entity(r.id).key()).collect(),
                metrics: super::metrics(
                    &records,
                    window,
                    (!known).then_some("no service of the team has PagerDuty incidents"),
                ),
            }
        })
        .collect()
}
