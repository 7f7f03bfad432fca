//! A Backstage backend's catalog as a source: the entities it serves, with the relations it
//! computed (each entity's `relations` array, taken as they are, not recomputed from specs) and
//! the problems its own processing recorded (`status.items`), as one [`Part`] of the catalog.
//!
//! The backend has validated every entity it serves, so greenroom's validator is not run again;
//! an entity it serves without a kind or a name is reported, not guessed at. Relation types
//! greenroom does not know (from an organisation's own processors) are left out.

use crate::catalog::document::ReadEntity;
use crate::catalog::relations::{Declared, TargetRef};
use crate::catalog::value::Value;
use crate::catalog::yaml::Pos;
use crate::catalog::{
    Entity, EntityRef, Part, Problem, RelationType, Severity, Source, BACKEND_RELATIONS,
};
use crate::providers::backstage::{BackendCatalog, Backstage};
use std::sync::Arc;

/// Where a backend entity's problems point: the entity, not a line of a file.
const AT_ENTITY: Pos = Pos { line: 1, col: 1 };

/// The backend's entities as a part of the catalog.
pub fn part(label: Arc<str>, backstage: &Backstage, fetched: BackendCatalog) -> Part {
    let mut read = Vec::with_capacity(fetched.entities.len());
    let mut problems = Vec::new();
    for (index, mut json) in fetched.entities.into_iter().enumerate() {
        let relations = json
            .get_mut("relations")
            .map(serde_json::Value::take)
            .unwrap_or_default();
        let status = json
            .get_mut("status")
            .map(serde_json::Value::take)
            .unwrap_or_default();
        let kind = json["kind"].as_str().unwrap_or_default().to_string();
        let name = json["metadata"]["name"].as_str().unwrap_or_default();
        let namespace = json["metadata"]["namespace"]
            .as_str()
            .unwrap_or(crate::catalog::entity_ref::DEFAULT_NAMESPACE);
        let location: Arc<str> = backstage.entity_url(&kind, namespace, name).into();
        let source = Source {
            location: location.clone(),
            pos: AT_ENTITY,
        };
        let Some(entity) = Entity::from_document(Value::from_json(&json), source) else {
            let at: Arc<str> = backstage.base_url().into();
            problems.push(Problem::new(
                &at,
                AT_ENTITY,
                Severity::Error,
                format!("the backend served an entity without a kind or metadata.name (item {index} of the catalog); left out"),
            ));
            continue;
        };
        for item in status["items"].as_array().into_iter().flatten() {
            problems.push(status_problem(&location, &entity, item));
        }
        let declared = relations
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let relation = RelationType::from_name(r["type"].as_str()?)?;
                let target = EntityRef::parse(r["targetRef"].as_str()?, None, "default").ok()?;
                Some(Declared {
                    relation,
                    target: TargetRef::shared(target),
                    field: BACKEND_RELATIONS,
                    pos: AT_ENTITY,
                })
            })
            .collect::<Vec<_>>();
        read.push(ReadEntity::new(entity, declared));
    }
    Part {
        label,
        read,
        problems,
    }
}

/// One `status.items` entry (`{type, level, message, error: {name, message}}`) as a problem.
fn status_problem(location: &Arc<str>, entity: &Entity, item: &serde_json::Value) -> Problem {
    let severity = match item["level"].as_str() {
        Some("error") => Severity::Error,
        _ => Severity::Warning,
    };
    let message = item["error"]["message"]
        .as_str()
        .or_else(|| item["message"].as_str())
        .unwrap_or("the backend reported a problem without a message");
    let kind = item["type"].as_str().unwrap_or("status");
    let mut problem = Problem::new(
        location,
        AT_ENTITY,
        severity,
        format!("backend processing ({kind}): {message}"),
    );
    problem.entity = Some(entity.key());
    problem
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::providers::http::{Client, Log, Options};
    use serde_json::json;

    #[test]
    fn backend_relations_and_status_items_are_taken_as_served() {
        let client = Arc::new(Client::new(Options::default(), None, Log::Off));
        let backstage = Backstage::new("http://127.0.0.1:7007", None, client).unwrap();
        let fetched = BackendCatalog {
            entities: vec![
                json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                    "metadata": {"name": "web", "namespace": "default"},
                    "spec": {"owner": "team-a", "type": "service", "lifecycle": "production"},
                    "relations": [{"type": "ownedBy", "targetRef": "group:default/team-a"},
                                  {"type": "madeUpBy", "targetRef": "group:default/team-a"}],
                    "status": {"items": [{"type": "backstage.io/catalog-processing", "level": "error",
                        "message": "InputError: Policy check failed", "error": {"name": "InputError", "message": "Policy check failed"}}]}}),
                json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Group",
                    "metadata": {"name": "team-a", "namespace": "default"},
                    "spec": {"type": "team", "children": []},
                    "relations": [{"type": "ownerOf", "targetRef": "component:default/web"}]}),
                json!({"kind": "Component", "metadata": {}}),
            ],
            total: 3,
            fingerprint: 0,
        };
        let catalog = Catalog::merge(vec![part("backstage".into(), &backstage, fetched)]);
        assert_eq!(catalog.len(), 2);
        let web = catalog.get("component:default/web").unwrap();
        let relations = &catalog.entity_json(web)["relations"];
        assert_eq!(
            relations,
            &json!([{"type": "ownedBy", "targetRef": "group:default/team-a"}])
        );
        assert_eq!(catalog.origin(web), Some("backstage"));
        assert_eq!(
            &*catalog.entity(web).source.location,
            "http://127.0.0.1:7007/api/catalog/entities/by-name/component/default/web"
        );
        let messages: Vec<String> = catalog.problems.iter().map(|p| p.to_string()).collect();
        assert!(
            messages.iter().any(|m| m.contains(
                "error: backend processing (backstage.io/catalog-processing): Policy check failed"
            )),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("without a kind or metadata.name")),
            "{messages:?}"
        );
    }
}
