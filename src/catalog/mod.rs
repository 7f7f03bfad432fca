//! The catalog: Backstage entities read from their descriptor files, validated with Backstage's
//! rules, related both ways, and indexed. Pure: no terminal, no network, no async.

pub mod bundle;
pub mod document;
pub mod entity;
pub mod entity_ref;
pub mod file_read;
pub mod graph;
pub mod intern;
pub mod load;
pub mod memory;
pub mod phases;
pub mod problem;
pub mod relations;
pub mod sniff;
pub mod tree;
pub mod validate;
pub mod value;
pub mod walk;
pub mod yaml;

pub use entity::{Definition, Entity, Source};
pub use entity_ref::EntityRef;
pub use problem::{Problem, Severity};
pub use relations::RelationType;

use document::ReadEntity;
use rayon::prelude::*;
use relations::Declared;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The `field` of a [`Declared`] relation that a Backstage backend computed (an entity's
/// `relations` array), rather than a spec field of a file.
pub const BACKEND_RELATIONS: &str = "relations";

/// What one source read, for [`Catalog::merge`]: its label (shown on each entity's page), its
/// entities and its problems.
#[derive(Clone)]
pub struct Part {
    pub label: Arc<str>,
    pub read: Vec<ReadEntity>,
    pub problems: Vec<Problem>,
}

/// An index into [`Catalog::entities`].
pub type EntityId = u32;

/// The other end of a relation: an entity of the catalog, or a reference to one that is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Target {
    Entity(EntityId),
    Missing(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relation {
    pub source: EntityId,
    pub kind: RelationType,
    pub target: Target,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Catalog {
    #[serde(with = "entity_chunks")]
    pub entities: Vec<Arc<Entity>>,
    pub problems: Vec<Problem>,
    /// References that relations point at but no entity answers to.
    pub missing: Vec<EntityRef>,
    /// Every relation, both directions, sorted by source entity.
    relations: Vec<Relation>,
    /// `relations[starts[id]..starts[id + 1]]` are the relations of entity `id`.
    starts: Vec<u32>,
    /// The labels of the sources merged ([`Catalog::merge`]), and each entity's index into them.
    origins: Vec<Arc<str>>,
    origin_of: Vec<u16>,
    #[serde(skip)]
    by_key: HashMap<Arc<str>, EntityId>,
}

impl Catalog {
    /// The problems found in one entity (its key is how a problem names it).
    pub fn problems_of(&self, id: EntityId) -> Vec<&Problem> {
        let key = self.entity(id).key();
        self.problems
            .iter()
            .filter(|p| p.entity.as_deref() == Some(key.as_str()))
            .collect()
    }

    /// Builds the catalog from what the sources read: drops and reports duplicates, computes
    /// relations both ways, and warns about references to entities that do not exist.
    pub fn build(read: Vec<ReadEntity>, problems: Vec<Problem>) -> Catalog {
        Catalog::build_from(read, Vec::new(), Vec::new(), problems)
    }

    /// Builds one catalog from several sources with the rules of [`Catalog::build`]: an entity
    /// defined by two sources is kept from the first (in `parts` order) and both are reported.
    pub fn merge(parts: Vec<Part>) -> Catalog {
        let (mut read, mut origin, mut labels, mut problems) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, part) in parts.into_iter().enumerate() {
            origin.extend(std::iter::repeat_n(i as u16, part.read.len()));
            read.extend(part.read);
            problems.extend(part.problems);
            labels.push(part.label);
        }
        Catalog::build_from(read, origin, labels, problems)
    }

    fn build_from(
        read: Vec<ReadEntity>,
        origin: Vec<u16>,
        origins: Vec<Arc<str>>,
        mut problems: Vec<Problem>,
    ) -> Catalog {
        phases::mark("entities gathered");
        // Keys were made when each entity was read (and are kept with it): the rest is lookups.
        let mut by_key: HashMap<Arc<str>, EntityId> = HashMap::default();
        by_key.reserve(read.len());
        let mut entities: Vec<Arc<Entity>> = Vec::with_capacity(read.len());
        let mut declared = Vec::with_capacity(read.len());
        let mut origin_of = Vec::with_capacity(origin.len());
        for (
            i,
            ReadEntity {
                entity,
                declared: relations,
                key,
            },
        ) in read.into_iter().enumerate()
        {
            if let Some(&first) = by_key.get(&key) {
                let first: &Entity = &entities[first as usize];
                // Backstage keeps the entity registered first and refuses the other: report both.
                problems.push(duplicate_problem(&entity, first));
                problems.push(duplicate_problem(first, &entity));
                continue;
            }
            by_key.insert(key, entities.len() as EntityId);
            origin_of.extend(origin.get(i));
            entities.push(entity);
            declared.push(relations);
        }

        // Each declared relation found on every core (two relations, one each way); the dangling
        // ones are reported and recorded in order afterwards.
        let resolved: Vec<(Vec<Relation>, Vec<&Declared>)> = declared
            .par_iter()
            .enumerate()
            .map(|(id, declared)| {
                let id = id as EntityId;
                let (mut found, mut dangling) =
                    (Vec::with_capacity(declared.len() * 2), Vec::new());
                for d in declared.iter() {
                    match by_key.get(&*d.target.key) {
                        Some(&target) => {
                            found.push(Relation {
                                source: id,
                                kind: d.relation,
                                target: Target::Entity(target),
                            });
                            found.push(Relation {
                                source: target,
                                kind: d.relation.inverse(),
                                target: Target::Entity(id),
                            });
                        }
                        None => dangling.push(d),
                    }
                }
                (found, dangling)
            })
            .collect();
        let mut missing_keys: HashMap<&str, u32> = HashMap::default();
        let mut missing = Vec::new();
        let mut relations = Vec::with_capacity(resolved.iter().map(|(found, _)| found.len()).sum());
        for (id, (found, dangling)) in resolved.into_iter().enumerate() {
            relations.extend(found);
            for d in dangling {
                let target_key = &*d.target.key;
                let entity = &entities[id];
                let mut problem = Problem::new(
                    &entity.source.location,
                    d.pos,
                    Severity::Warning,
                    match d.field {
                        BACKEND_RELATIONS => format!(
                            "relations: {} {} does not exist in the catalog",
                            d.relation.name(),
                            target_key
                        ),
                        field => format!(
                            "spec.{}: {} does not exist in the catalog",
                            field, target_key
                        ),
                    },
                );
                problem.entity = Some(entity.key());
                problems.push(problem);
                let next = missing.len() as u32;
                let index = *missing_keys.entry(target_key).or_insert_with(|| {
                    missing.push(d.target.reference.clone());
                    next
                });
                relations.push(Relation {
                    source: id as EntityId,
                    kind: d.relation,
                    target: Target::Missing(index),
                });
            }
        }
        let (relations, starts) = group_by_source(relations, entities.len());
        problems.sort_by(|a, b| {
            (&a.location, a.pos, &a.message).cmp(&(&b.location, b.pos, &b.message))
        });
        problems.dedup();
        phases::mark("catalog built: duplicates, relations");
        Catalog {
            entities,
            problems,
            missing,
            relations,
            starts,
            origins,
            origin_of,
            by_key,
        }
    }

    /// Rebuilds the lookup table after the catalog was read back from a snapshot.
    pub fn reindex(&mut self) {
        let keys: Vec<Arc<str>> = self.entities.par_iter().map(|e| e.key().into()).collect();
        self.by_key = keys
            .into_iter()
            .enumerate()
            .map(|(i, key)| (key, i as EntityId))
            .collect();
    }

    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// Whether `other` holds the same entities, by reference, at the same ids (as after a save
    /// that changed no name): what is made from references alone, such as the name order,
    /// carries over.
    pub fn same_refs(&self, other: &Catalog) -> bool {
        self.len() == other.len()
            && self
                .entities
                .iter()
                .zip(&other.entities)
                .all(|(a, b)| Arc::ptr_eq(a, b) || a.reference == b.reference)
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    pub fn entity(&self, id: EntityId) -> &Entity {
        &self.entities[id as usize]
    }

    /// The label of the source an entity came from, when the catalog was merged from sources.
    pub fn origin(&self, id: EntityId) -> Option<&str> {
        let index = *self.origin_of.get(id as usize)?;
        self.origins.get(index as usize).map(|label| &**label)
    }

    /// The labels of the sources the catalog was merged from, in order.
    pub fn origins(&self) -> &[Arc<str>] {
        &self.origins
    }

    /// Looks an entity up by its canonical key (`kind:namespace/name`, any case).
    pub fn get(&self, key: &str) -> Option<EntityId> {
        self.by_key.get(key.to_lowercase().as_str()).copied()
    }

    /// The relations of an entity, both directions, as Backstage lists them on the entity.
    pub fn relations(&self, id: EntityId) -> &[Relation] {
        let (start, end) = (
            self.starts[id as usize] as usize,
            self.starts[id as usize + 1] as usize,
        );
        &self.relations[start..end]
    }

    /// The targets of an entity's relations of one kind.
    pub fn related(&self, id: EntityId, kind: RelationType) -> impl Iterator<Item = Target> + '_ {
        self.relations(id)
            .iter()
            .filter(move |r| r.kind == kind)
            .map(|r| r.target)
    }

    /// A group's parents up to the root, nearest first (their references); stops at a cycle or a
    /// missing parent.
    pub fn parent_chain(&self, group: EntityId) -> Vec<String> {
        let mut chain = Vec::new();
        let mut seen = vec![group];
        let mut current = group;
        while let Some(parent) = self.related(current, RelationType::ChildOf).next() {
            chain.push(self.target_ref(parent).key());
            match parent {
                Target::Entity(p) if !seen.contains(&p) => {
                    seen.push(p);
                    current = p;
                }
                _ => break,
            }
        }
        chain
    }

    /// The reference of a relation's target, whether it exists or not.
    pub fn target_ref(&self, target: Target) -> &EntityRef {
        match target {
            Target::Entity(id) => &self.entity(id).reference,
            Target::Missing(i) => &self.missing[i as usize],
        }
    }

    pub fn error_count(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.problems.len() - self.error_count()
    }

    /// Resolves what a user typed, `[kind:][namespace/]name`: kind defaults to component and
    /// namespace to default, and a name alone is enough when exactly one entity has it. When the
    /// name is ambiguous, the error lists the entities that have it.
    pub fn resolve(&self, text: &str) -> Result<EntityId, Vec<EntityId>> {
        let text = text.trim();
        if let Ok(reference) =
            EntityRef::parse(text, Some("component"), entity_ref::DEFAULT_NAMESPACE)
        {
            if let Some(id) = self.get(&reference.key()) {
                return Ok(id);
            }
        }
        if !text.contains([':', '/']) {
            let same_name: Vec<EntityId> = (0..self.len() as EntityId)
                .filter(|&id| self.entity(id).name().eq_ignore_ascii_case(text))
                .collect();
            if same_name.len() == 1 {
                return Ok(same_name[0]);
            }
            if !same_name.is_empty() {
                return Err(same_name);
            }
        }
        Err(Vec::new())
    }

    /// The entity as Backstage's API returns it, with its relations.
    pub fn entity_json(&self, id: EntityId) -> serde_json::Value {
        let mut json = self.entity(id).to_json();
        let relations: Vec<serde_json::Value> = self
            .relations(id)
            .iter()
            .map(|r| serde_json::json!({ "type": r.kind.name(), "targetRef": self.target_ref(r.target).key() }))
            .collect();
        json["relations"] = serde_json::Value::Array(relations);
        json
    }
}

/// The entities' stored form (the snapshot): chunks of entities, each encoded on its own
/// (postcard, its interned strings listed once: [`intern::write_block`]), so that reading a
/// 100k-entity snapshot decodes them on every core rather than one.
mod entity_chunks {
    use super::Entity;
    use rayon::prelude::*;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::sync::Arc;

    const CHUNK: usize = 2048;

    struct Bytes(Vec<u8>);

    impl serde::Serialize for Bytes {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }

    /// Chunks are encoded a batch at a time (a chunk per core) and each batch is appended
    /// before the next is encoded: the entities' encoding is held once (the snapshot's bytes)
    /// and one batch beside it, not twice (every chunk, then the snapshot).
    pub fn serialize<S: Serializer>(entities: &[Arc<Entity>], s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(Some(entities.len().div_ceil(CHUNK)))?;
        for batch in entities.chunks(CHUNK * rayon::current_num_threads()) {
            let encoded: Vec<Vec<u8>> = batch
                .par_chunks(CHUNK)
                .map(|chunk| super::intern::write_block(chunk))
                .collect::<Result<_, _>>()
                .map_err(S::Error::custom)?;
            for chunk in encoded {
                seq.serialize_element(&Bytes(chunk))?;
            }
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Arc<Entity>>, D::Error> {
        let chunks: Vec<&'de [u8]> = Vec::deserialize(d)?;
        let decoded: Vec<Vec<Arc<Entity>>> = chunks
            .par_iter()
            .map(|chunk| super::intern::read_block(chunk))
            .collect::<Result<_, _>>()
            .map_err(serde::de::Error::custom)?;
        Ok(decoded.into_iter().flatten().collect())
    }
}

/// Relations sorted by source (then kind and target) without duplicates, and where each
/// entity's start: grouped by a counting pass (linear in the relations, where a sort of them all
/// was most of a rebuild at 100k entities), then each entity's few sorted on every core, then
/// the duplicates dropped in place (two buffers of relations at the peak, not three, and none
/// kept with room to spare).
fn group_by_source(relations: Vec<Relation>, entities: usize) -> (Vec<Relation>, Vec<u32>) {
    let mut next = vec![0u32; entities + 1];
    for relation in &relations {
        next[relation.source as usize + 1] += 1;
    }
    for i in 1..next.len() {
        next[i] += next[i - 1];
    }
    let starts = next.clone();
    let mut grouped = relations.clone();
    for relation in relations {
        let at = &mut next[relation.source as usize];
        grouped[*at as usize] = relation;
        *at += 1;
    }
    let mut slices = Vec::with_capacity(entities);
    let mut rest = grouped.as_mut_slice();
    for window in starts.windows(2) {
        let (slice, tail) = rest.split_at_mut((window[1] - window[0]) as usize);
        slices.push(slice);
        rest = tail;
    }
    slices
        .par_iter_mut()
        .for_each(|slice| slice.sort_unstable());
    // Duplicates (a relation declared from both ends) are next to each other now; what is kept
    // moves down over them.
    let mut kept = 0;
    let mut out_starts = Vec::with_capacity(entities + 1);
    for window in starts.windows(2) {
        out_starts.push(kept as u32);
        for i in window[0] as usize..window[1] as usize {
            if kept == 0 || grouped[kept - 1] != grouped[i] {
                grouped[kept] = grouped[i];
                kept += 1;
            }
        }
    }
    out_starts.push(kept as u32);
    grouped.truncate(kept);
    grouped.shrink_to_fit();
    (grouped, out_starts)
}

fn duplicate_problem(at: &Entity, other: &Entity) -> Problem {
    let mut problem = Problem::new(
        &at.source.location,
        at.source.pos,
        Severity::Error,
        format!(
            "duplicate entity {}: also defined at {}:{}",
            at.key(),
            other.source.location,
            other.source.pos
        ),
    );
    problem.entity = Some(at.key());
    problem
}
