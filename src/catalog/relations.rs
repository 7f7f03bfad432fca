//! Relations as Backstage's `BuiltinKindsEntityProcessor` (and the scaffolder's entity processor,
//! for Template owners) emits them: every spec field that names another entity gives a pair of
//! relations, one on each side (`ownedBy` here, `ownerOf` there).

use super::entity_ref::{EntityRef, RefError};
use super::intern::Table;
use super::validate::{describe, is_falsy};
use super::yaml::{Node, NodeValue, Pos};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, LazyLock};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RelationType {
    OwnedBy,
    OwnerOf,
    DependsOn,
    DependencyOf,
    ProvidesApi,
    ApiProvidedBy,
    ConsumesApi,
    ApiConsumedBy,
    PartOf,
    HasPart,
    ChildOf,
    ParentOf,
    MemberOf,
    HasMember,
}

impl RelationType {
    pub const ALL: [RelationType; 14] = [
        RelationType::OwnedBy,
        RelationType::OwnerOf,
        RelationType::DependsOn,
        RelationType::DependencyOf,
        RelationType::ProvidesApi,
        RelationType::ApiProvidedBy,
        RelationType::ConsumesApi,
        RelationType::ApiConsumedBy,
        RelationType::PartOf,
        RelationType::HasPart,
        RelationType::ChildOf,
        RelationType::ParentOf,
        RelationType::MemberOf,
        RelationType::HasMember,
    ];

    /// Backstage's name for the relation, as in `RELATION_OWNED_BY = 'ownedBy'`.
    pub fn name(self) -> &'static str {
        match self {
            RelationType::OwnedBy => "ownedBy",
            RelationType::OwnerOf => "ownerOf",
            RelationType::DependsOn => "dependsOn",
            RelationType::DependencyOf => "dependencyOf",
            RelationType::ProvidesApi => "providesApi",
            RelationType::ApiProvidedBy => "apiProvidedBy",
            RelationType::ConsumesApi => "consumesApi",
            RelationType::ApiConsumedBy => "apiConsumedBy",
            RelationType::PartOf => "partOf",
            RelationType::HasPart => "hasPart",
            RelationType::ChildOf => "childOf",
            RelationType::ParentOf => "parentOf",
            RelationType::MemberOf => "memberOf",
            RelationType::HasMember => "hasMember",
        }
    }

    pub fn from_name(name: &str) -> Option<RelationType> {
        RelationType::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(name))
    }

    pub fn inverse(self) -> RelationType {
        use RelationType::*;
        match self {
            OwnedBy => OwnerOf,
            OwnerOf => OwnedBy,
            DependsOn => DependencyOf,
            DependencyOf => DependsOn,
            ProvidesApi => ApiProvidedBy,
            ApiProvidedBy => ProvidesApi,
            ConsumesApi => ApiConsumedBy,
            ApiConsumedBy => ConsumesApi,
            PartOf => HasPart,
            HasPart => PartOf,
            ChildOf => ParentOf,
            ParentOf => ChildOf,
            MemberOf => HasMember,
            HasMember => MemberOf,
        }
    }

    /// The relations a dependency tree follows, pointing from a thing to what it needs.
    pub fn is_dependency(self) -> bool {
        matches!(
            self,
            RelationType::DependsOn
                | RelationType::ConsumesApi
                | RelationType::HasPart
                | RelationType::ProvidesApi
        )
    }
}

/// Which spec field of which kind declares which relation, and the kind its bare names default to.
const FIELDS: &[(&str, &str, Option<&str>, RelationType)] = &[
    ("Component", "owner", Some("Group"), RelationType::OwnedBy),
    (
        "Component",
        "subcomponentOf",
        Some("Component"),
        RelationType::PartOf,
    ),
    (
        "Component",
        "providesApis",
        Some("API"),
        RelationType::ProvidesApi,
    ),
    (
        "Component",
        "consumesApis",
        Some("API"),
        RelationType::ConsumesApi,
    ),
    ("Component", "dependsOn", None, RelationType::DependsOn),
    (
        "Component",
        "dependencyOf",
        None,
        RelationType::DependencyOf,
    ),
    ("Component", "system", Some("System"), RelationType::PartOf),
    ("API", "owner", Some("Group"), RelationType::OwnedBy),
    ("API", "system", Some("System"), RelationType::PartOf),
    ("Resource", "owner", Some("Group"), RelationType::OwnedBy),
    ("Resource", "dependsOn", None, RelationType::DependsOn),
    ("Resource", "dependencyOf", None, RelationType::DependencyOf),
    ("Resource", "system", Some("System"), RelationType::PartOf),
    ("User", "memberOf", Some("Group"), RelationType::MemberOf),
    ("Group", "parent", Some("Group"), RelationType::ChildOf),
    ("Group", "children", Some("Group"), RelationType::ParentOf),
    ("Group", "members", Some("User"), RelationType::HasMember),
    ("System", "owner", Some("Group"), RelationType::OwnedBy),
    ("System", "domain", Some("Domain"), RelationType::PartOf),
    ("Domain", "owner", Some("Group"), RelationType::OwnedBy),
    (
        "Domain",
        "subdomainOf",
        Some("Domain"),
        RelationType::PartOf,
    ),
    ("Template", "owner", Some("Group"), RelationType::OwnedBy),
];

/// A relation that an entity's own spec declares, with the position of the reference: 40 bytes,
/// its target shared with every other entity that names it the same way.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    pub relation: RelationType,
    pub target: Arc<TargetRef>,
    pub field: &'static str,
    pub pos: Pos,
}

/// A relation's target as written, and its canonical key (what the catalog looks it up by).
#[derive(Debug, PartialEq, Eq)]
pub struct TargetRef {
    pub reference: EntityRef,
    pub key: Box<str>,
}

/// A [`TargetRef`] in the table, found by its reference.
#[derive(Clone)]
struct Shared(Arc<TargetRef>);

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        self.0.reference == other.0.reference
    }
}

impl Eq for Shared {}

impl std::hash::Hash for Shared {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.reference.hash(state)
    }
}

impl std::borrow::Borrow<EntityRef> for Shared {
    fn borrow(&self) -> &EntityRef {
        &self.0.reference
    }
}

static TARGETS: LazyLock<Table<Shared>> =
    LazyLock::new(|| Table::new(|shared| Arc::strong_count(&shared.0) > 1));

impl TargetRef {
    /// The shared copy of `reference`'s target.
    pub fn shared(reference: EntityRef) -> Arc<TargetRef> {
        let made = |reference: &EntityRef| {
            Shared(Arc::new(TargetRef {
                key: reference.key().into(),
                reference: reference.clone(),
            }))
        };
        TARGETS.get(&reference, made).0
    }
}

/// The relations an entity's spec declares, and the references in it that cannot be parsed, as
/// BuiltinKindsEntityProcessor.postProcessEntity (and ScaffolderEntitiesProcessor's, for a
/// Template's owner) parse them: a falsy field (null, "", 0, false) is skipped; each value of the
/// field (or of the list) goes through `parseEntityRef`, which takes a string or a
/// `{kind, namespace, name}` object and refuses anything else.
pub fn declared(
    kind: &str,
    namespace: &str,
    spec: Option<&Node>,
) -> (Vec<Declared>, Vec<(Pos, String)>) {
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    let Some(spec) = spec else {
        return (found, errors);
    };
    for &(_, field, default_kind, relation) in FIELDS.iter().filter(|(k, ..)| *k == kind) {
        let Some(value) = spec.get(field) else {
            continue;
        };
        if is_falsy(value) {
            continue;
        }
        let targets: &[Node] = match &value.value {
            NodeValue::Seq(items) => items,
            _ => std::slice::from_ref(value),
        };
        for (i, target) in targets.iter().enumerate() {
            let path = match value.value {
                NodeValue::Seq(_) => format!("spec.{field}[{i}]"),
                _ => format!("spec.{field}"),
            };
            match parse_target(target, default_kind, namespace) {
                Ok(reference) => found.push(Declared {
                    relation,
                    target: TargetRef::shared(reference),
                    field,
                    pos: target.pos,
                }),
                Err(RefError(message)) => errors.push((target.pos, format!("{path}: {message}"))),
            }
        }
    }
    (found, errors)
}

/// catalog-model entity/ref.ts parseEntityRef on one value.
fn parse_target(
    target: &Node,
    default_kind: Option<&str>,
    namespace: &str,
) -> Result<EntityRef, RefError> {
    match &target.value {
        NodeValue::String(text) => EntityRef::parse(text, default_kind, namespace),
        _ if is_falsy(target) => Err(RefError("entity reference must not be empty".into())),
        NodeValue::Map(_) => {
            // `{kind, namespace, name}`, each defaulting like a string's parts; then none may be
            // empty.
            let part = |key: &str| target.get(key).filter(|v| v.value != NodeValue::Null);
            let text = |node: &Node| node.key_text().map(|t| t.into_owned()).unwrap_or_default();
            let kind = part("kind")
                .map(text)
                .or(default_kind.map(str::to_owned))
                .unwrap_or_default();
            let ns = part("namespace")
                .map(text)
                .unwrap_or_else(|| namespace.to_owned());
            let name = part("name").map(text).unwrap_or_default();
            let missing = [("kind", &kind), ("namespace", &ns), ("name", &name)]
                .into_iter()
                .find(|(_, v)| v.is_empty());
            match missing {
                Some((what, _)) => Err(RefError(format!(
                    "entity reference object has a missing or empty {what}"
                ))),
                None => Ok(EntityRef::new(&kind, &ns, &name)),
            }
        }
        _ => Err(RefError(format!(
            "entity reference must be a string of the form [<kind>:][<namespace>/]<name>, found {}",
            describe(target)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::yaml::parse_documents;

    #[test]
    fn fields_give_relations_with_default_kinds() {
        let doc = parse_documents("owner: order-team\ndependsOn: [resource:orders-db, orders-cache]\nprovidesApis: [order-api]\n")
            .remove(0)
            .unwrap()
            .unwrap();
        let (found, errors) = declared("Component", "default", Some(&doc));
        let keys: Vec<_> = found
            .iter()
            .map(|d| (d.relation.name(), d.target.key.to_string()))
            .collect();
        assert_eq!(
            keys,
            [
                ("ownedBy", "group:default/order-team".to_string()),
                ("providesApi", "api:default/order-api".to_string()),
                ("dependsOn", "resource:default/orders-db".to_string()),
            ]
        );
        assert_eq!(errors.len(), 1, "dependsOn has no default kind: {errors:?}");
        assert_eq!(errors[0].0, Pos { line: 2, col: 33 });
        assert!(errors[0].1.starts_with("spec.dependsOn[1]: "), "{errors:?}");
    }

    #[test]
    fn a_declared_relation_is_40_bytes_and_shares_its_target() {
        assert_eq!(std::mem::size_of::<Declared>(), 40);
        let doc = parse_documents("owner: team-a\n")
            .remove(0)
            .unwrap()
            .unwrap();
        let (one, _) = declared("Component", "default", Some(&doc));
        let (two, _) = declared("API", "default", Some(&doc));
        assert!(Arc::ptr_eq(&one[0].target, &two[0].target));
        assert_eq!(&*one[0].target.key, "group:default/team-a");
    }

    #[test]
    fn values_are_read_as_parse_entity_ref_reads_them() {
        // dependencyOf is in no kind schema: anything may reach parseEntityRef.
        let doc = parse_documents("dependencyOf: ''\n")
            .remove(0)
            .unwrap()
            .unwrap();
        assert_eq!(
            declared("Component", "default", Some(&doc)),
            (Vec::new(), Vec::new()),
            "a falsy field is skipped"
        );
        let doc = parse_documents("dependencyOf: [{kind: Component, name: web}, 5, '']\n")
            .remove(0)
            .unwrap()
            .unwrap();
        let (found, errors) = declared("Component", "ns", Some(&doc));
        assert_eq!(&*found[0].target.key, "component:ns/web");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[1].1.contains("must not be empty"), "{errors:?}");
    }
}
