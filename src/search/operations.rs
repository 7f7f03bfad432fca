//! Endpoints across the catalog as search documents: every operation of every API whose
//! definition is in the catalog (inline, or a placeholder resolved when the catalog was read), so
//! that `POST /payments`, an operationId, a GraphQL field, an rpc or a channel finds what serves
//! it. Definitions at URLs are fetched only when someone opens them, never for a search.
//!
//! An endpoint's document is its path (ranked as names are: typing the whole path ranks it
//! first), its method, its operationId and its summary; each is stored once however many APIs
//! repeat it, and matched once per query. The list itself shares them too: one `Arc<str>` per
//! distinct text, one provider list per API. The API's name, its providers and their owner
//! are shown with a hit but not matched: typing a service's name would otherwise bring every
//! endpoint it serves under the service itself.

use std::collections::HashSet;
use std::sync::Arc;

use rayon::prelude::*;

use super::{Field, Hit, Query, Results, SearchDoc, SearchIndex, Searcher};
use crate::apidef;
use crate::catalog::{Catalog, Definition, EntityId, EntityRef, RelationType, Target};

/// One operation an API of the catalog serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The API entity.
    pub api: EntityId,
    /// Its place among the definition's operations, as the definition view lists them.
    pub operation: u32,
    pub method: Arc<str>,
    pub path: Arc<str>,
    pub operation_id: Option<Arc<str>>,
    pub summary: Option<Arc<str>>,
    /// The components that provide the API (its `apiProvidedBy` relations), in catalog order;
    /// one list shared by the API's endpoints.
    pub providers: Arc<[EntityId]>,
}

impl Endpoint {
    /// Who answers for it: the owner of its first provider that has one, else the API's owner.
    pub fn owner<'c>(&self, catalog: &'c Catalog) -> Option<&'c EntityRef> {
        self.providers
            .iter()
            .chain([&self.api])
            .find_map(|&id| catalog.related(id, RelationType::OwnedBy).next())
            .map(|owner| catalog.target_ref(owner))
    }

    /// Who serves it, by name: its API, the API's providers and their owner.
    pub fn served_by<'c>(&self, catalog: &'c Catalog) -> ServedBy<'c> {
        ServedBy {
            api: catalog.entity(self.api).name(),
            providers: self
                .providers
                .iter()
                .map(|&id| catalog.entity(id).name())
                .collect(),
            owner: self.owner(catalog).map(|owner| owner.name.as_str()),
        }
    }
}

/// See [`Endpoint::served_by`]; prints as `refunds-api → payments-service (team-payments)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServedBy<'c> {
    pub api: &'c str,
    pub providers: Vec<&'c str>,
    pub owner: Option<&'c str>,
}

impl std::fmt::Display for ServedBy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.api)?;
        if !self.providers.is_empty() {
            write!(f, " → {}", self.providers.join(", "))?;
        }
        match self.owner {
            Some(owner) => write!(f, " ({owner})"),
            None => Ok(()),
        }
    }
}

/// The catalog's endpoints and their search index. A hit's `doc` is an index into the endpoints.
pub struct Endpoints {
    endpoints: Vec<Endpoint>,
    index: Arc<SearchIndex>,
}

impl Endpoints {
    /// Reads every local API definition of `catalog` (their outlines, in parallel: at 100k
    /// entities this is the loader's work behind the first frame, never the UI's).
    pub fn build(catalog: &Catalog) -> Endpoints {
        let apis: Vec<(EntityId, Vec<apidef::Operation>)> = (0..catalog.len() as EntityId)
            .into_par_iter()
            .filter_map(|id| operations_of(catalog, id).map(|ops| (id, ops)))
            .collect();
        // The generated catalog's 15k APIs repeat their paths, methods, operationIds and
        // summaries: shared, the list is about half its size (see the commit).
        let mut strings = Interner::default();
        let mut endpoints = Vec::with_capacity(apis.iter().map(|(_, ops)| ops.len()).sum());
        for (id, operations) in apis {
            let providers: Arc<[EntityId]> = catalog
                .related(id, RelationType::ApiProvidedBy)
                .filter_map(|target| match target {
                    Target::Entity(provider) => Some(provider),
                    Target::Missing(_) => None,
                })
                .collect();
            endpoints.extend(operations.into_iter().enumerate().map(|(i, op)| Endpoint {
                api: id,
                operation: i as u32,
                method: strings.get(op.method),
                path: strings.get(op.path),
                operation_id: op.operation_id.map(|text| strings.get(text)),
                summary: op.summary.map(|text| strings.get(text)),
                providers: providers.clone(),
            }));
        }
        let index = SearchIndex::new(endpoints.iter().map(doc));
        Endpoints {
            endpoints,
            index: Arc::new(index),
        }
    }

    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// The endpoint of a hit's `doc`.
    pub fn get(&self, doc: usize) -> &Endpoint {
        &self.endpoints[doc]
    }

    pub fn len(&self) -> usize {
        self.endpoints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// The list's heap (not the index's): the endpoints, and each shared text and provider list
    /// once.
    pub fn heap_bytes(&self) -> usize {
        let mut seen: HashSet<*const u8> = HashSet::new();
        let mut bytes = self.endpoints.capacity() * std::mem::size_of::<Endpoint>();
        // An Arc's allocation: its two counts, then the data.
        let mut shared = |ptr: *const u8, len: usize| {
            if seen.insert(ptr) {
                bytes += 2 * std::mem::size_of::<usize>() + len;
            }
        };
        for e in &self.endpoints {
            for text in [
                Some(&e.method),
                Some(&e.path),
                e.operation_id.as_ref(),
                e.summary.as_ref(),
            ]
            .into_iter()
            .flatten()
            {
                shared(text.as_ptr(), text.len());
            }
            shared(
                e.providers.as_ptr().cast(),
                std::mem::size_of_val(&*e.providers),
            );
        }
        bytes
    }
}

/// One `Arc<str>` per distinct text.
#[derive(Default)]
struct Interner(HashSet<Arc<str>>);

impl Interner {
    fn get(&mut self, text: String) -> Arc<str> {
        if let Some(shared) = self.0.get(text.as_str()) {
            return shared.clone();
        }
        let shared: Arc<str> = text.into();
        self.0.insert(shared.clone());
        shared
    }
}

/// The operations of one entity when it is an API with a local definition that parses; a
/// definition that does not parse has no endpoints to find (its page says why). Webhooks are
/// calls the API makes, not endpoints it serves: the outline keeps them apart.
fn operations_of(catalog: &Catalog, id: EntityId) -> Option<Vec<apidef::Operation>> {
    let entity = catalog.entity(id);
    if !entity.is_kind("api") {
        return None;
    }
    let Some(Definition::Text(text)) = entity.definition() else {
        return None;
    };
    let definition = apidef::outline(entity.spec_type().unwrap_or(""), text).ok()?;
    Some(definition.operations)
}

pub fn doc(endpoint: &Endpoint) -> SearchDoc {
    let mut doc = SearchDoc::new()
        .with(Field::Path, &*endpoint.path)
        .with(Field::Method, &*endpoint.method);
    if let Some(id) = &endpoint.operation_id {
        doc.push(Field::OperationId, &**id);
    }
    if let Some(summary) = &endpoint.summary {
        doc.push(Field::Summary, &**summary);
    }
    doc
}

/// A hit of a search over entities and endpoints together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// `doc` is an entity id.
    Entity(Hit),
    /// `doc` indexes [`Endpoints::get`].
    Endpoint(Hit),
}

impl Found {
    pub fn hit(&self) -> &Hit {
        match self {
            Found::Entity(hit) | Found::Endpoint(hit) => hit,
        }
    }
}

/// The best hits of both, best first, and how many matched in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Merged {
    pub hits: Vec<Found>,
    pub total: usize,
}

/// One list from a query's entity and endpoint results, best first, at most `limit`. Both were
/// ranked by the same fields' weights and bonuses, so their scores compare; on equal scores the
/// entity comes first.
pub fn merge(entities: Results, endpoints: Results, limit: usize) -> Merged {
    let total = entities.total + endpoints.total;
    let mut entities = entities.hits.into_iter().peekable();
    let mut endpoints = endpoints.hits.into_iter().peekable();
    let mut hits = Vec::with_capacity(limit.min(entities.len() + endpoints.len()));
    while hits.len() < limit {
        let entity_first = match (entities.peek(), endpoints.peek()) {
            (None, None) => break,
            (Some(e), Some(o)) => e.score >= o.score,
            (e, _) => e.is_some(),
        };
        hits.push(
            match entity_first {
                true => entities.next().map(Found::Entity),
                false => endpoints.next().map(Found::Endpoint),
            }
            .expect("peeked"),
        );
    }
    Merged { hits, total }
}

/// Both searched once (`greenroom search`): the entities' index and the endpoints.
pub fn search(entities: &SearchIndex, endpoints: &Endpoints, query: &str, limit: usize) -> Merged {
    merge(
        entities.search(query, limit),
        endpoints.index.search(query, limit),
        limit,
    )
}

/// Search-as-you-type over the entities and, once they are read, the endpoints: each narrows
/// from its own previous matches (see [`Searcher`]).
pub struct CatalogSearcher {
    entities: Searcher,
    endpoints: Option<Searcher>,
}

impl CatalogSearcher {
    pub fn new(entities: Arc<SearchIndex>, endpoints: Option<&Endpoints>) -> CatalogSearcher {
        CatalogSearcher {
            entities: Searcher::new(entities),
            endpoints: endpoints.map(|e| Searcher::new(e.index.clone())),
        }
    }

    pub fn search(&mut self, query: &str, limit: usize) -> Merged {
        let entities = self.entities.search(query, limit);
        let endpoints = match &mut self.endpoints {
            // A kind filter names an entity kind: no endpoint has one.
            Some(searcher) if !has_kind_filter(query) => searcher.search(query, limit),
            _ => Results::default(),
        };
        merge(entities, endpoints, limit)
    }
}

/// Whether the query has a `kind:` term, which only entities can match.
pub fn has_kind_filter(query: &str) -> bool {
    Query::parse(query)
        .terms
        .iter()
        .any(|t| !t.negated && t.kind == super::TermKind::Field(Field::Kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::document::read_file;

    /// A payments team's service providing two OpenAPI APIs, a GraphQL, a gRPC and an AsyncAPI
    /// API of other teams, one at a URL and one that does not parse.
    const CATALOG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: payments-service }
spec:
  type: service
  lifecycle: production
  owner: team-payments
  providesApis: [payments-api, refunds-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: postal-codes }
spec: { type: library, lifecycle: production, owner: team-geo }
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: payments-api }
spec:
  type: openapi
  lifecycle: production
  owner: team-payments
  definition: |
    openapi: 3.0.3
    info: { title: Payments, version: 1.0.0 }
    paths:
      /payments:
        get:
          operationId: listPayments
          summary: List payments
          responses: { "200": { description: OK } }
        post:
          operationId: createPayment
          summary: Take a payment
          responses: { "201": { description: Created } }
      /payments/{id}:
        get:
          operationId: getPayment
          responses: { "200": { description: OK } }
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: refunds-api }
spec:
  type: openapi
  lifecycle: production
  owner: team-payments
  definition: |
    openapi: 3.0.3
    info: { title: Refunds, version: 1.0.0 }
    paths:
      /v1/refunds:
        post:
          operationId: createRefund
          responses: { "201": { description: Created } }
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: ledger-graph }
spec:
  type: graphql
  lifecycle: production
  owner: team-ledger
  definition: |
    type Query { balance(account: ID!): Int }
    type Mutation { postEntry(amount: Int!): Int }
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: fraud-rpc }
spec:
  type: grpc
  lifecycle: production
  owner: team-risk
  definition: |
    syntax = "proto3";
    package fraud.v1;
    service Scorer { rpc ScoreCharge(Charge) returns (Score); }
    message Charge { string id = 1; }
    message Score { int32 value = 1; }
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: payment-events }
spec:
  type: asyncapi
  lifecycle: production
  owner: team-payments
  definition: |
    asyncapi: 2.6.0
    info: { title: Payment events, version: 1.0.0 }
    channels:
      payments.settled:
        subscribe:
          message: { name: Settled }
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: remote-api }
spec:
  type: openapi
  lifecycle: production
  owner: team-remote
  definition:
    $openapi: https://example.com/remote.yaml
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: broken-api }
spec:
  type: openapi
  lifecycle: production
  owner: team-broken
  definition: "openapi: 3.0.3\npaths: [unclosed\n"
"#;

    fn catalog() -> Catalog {
        let read = read_file(&Arc::from("catalog-info.yaml"), CATALOG);
        assert!(
            !read.problems.iter().any(|p| p.is_error()),
            "{:?}",
            read.problems
        );
        Catalog::build(read.entities, read.problems)
    }

    /// `METHOD path` of each endpoint hit, best first (entity hits by name).
    fn found(catalog: &Catalog, endpoints: &Endpoints, query: &str) -> Vec<String> {
        let index = crate::search::entities::index(catalog);
        search(&index, endpoints, query, 20)
            .hits
            .iter()
            .map(|found| match found {
                Found::Entity(hit) => catalog.entity(hit.doc as EntityId).name().to_string(),
                Found::Endpoint(hit) => {
                    let e = endpoints.get(hit.doc);
                    format!("{} {}", e.method, e.path)
                }
            })
            .collect()
    }

    #[test]
    fn every_local_definition_gives_its_operations_with_its_providers() {
        let catalog = catalog();
        let endpoints = Endpoints::build(&catalog);
        let mut all: Vec<(String, String, String)> = (0..endpoints.len())
            .map(|i| {
                let e = endpoints.get(i);
                let api = catalog.entity(e.api).name().to_string();
                (api, e.method.to_string(), e.path.to_string())
            })
            .collect();
        all.sort();
        let all: Vec<String> = all
            .iter()
            .map(|(api, method, path)| format!("{api}: {method} {path}"))
            .collect();
        // Nothing from the URL definition (not fetched) or the one that does not parse.
        assert_eq!(
            all,
            [
                "fraud-rpc: UNARY /fraud.v1.Scorer/ScoreCharge",
                "ledger-graph: MUTATION postEntry",
                "ledger-graph: QUERY balance",
                "payment-events: SUBSCRIBE payments.settled",
                "payments-api: GET /payments",
                "payments-api: GET /payments/{id}",
                "payments-api: POST /payments",
                "refunds-api: POST /v1/refunds",
            ]
        );
        let refund = (0..endpoints.len())
            .map(|i| endpoints.get(i))
            .find(|e| &*e.path == "/v1/refunds")
            .unwrap();
        let provider = catalog.get("component:default/payments-service").unwrap();
        assert_eq!(*refund.providers, [provider]);
        assert_eq!(
            refund.owner(&catalog).map(EntityRef::key).as_deref(),
            Some("group:default/team-payments")
        );
        assert_eq!(refund.operation_id.as_deref(), Some("createRefund"));
        assert_eq!(
            refund.served_by(&catalog).to_string(),
            "refunds-api → payments-service (team-payments)"
        );
        // The API without a provider answers for itself.
        let rpc = (0..endpoints.len())
            .map(|i| endpoints.get(i))
            .find(|e| &*e.method == "UNARY")
            .unwrap();
        assert!(rpc.providers.is_empty());
        assert_eq!(
            rpc.owner(&catalog).map(EntityRef::key).as_deref(),
            Some("group:default/team-risk")
        );
        assert_eq!(rpc.served_by(&catalog).to_string(), "fraud-rpc (team-risk)");
    }

    #[test]
    fn repeated_texts_and_an_apis_providers_are_shared() {
        let catalog = catalog();
        let endpoints = Endpoints::build(&catalog);
        let all: Vec<&Endpoint> = (0..endpoints.len()).map(|i| endpoints.get(i)).collect();
        let gets: Vec<&Endpoint> = all
            .iter()
            .copied()
            .filter(|e| &*e.method == "GET")
            .collect();
        assert!(gets.len() >= 2);
        assert!(gets.iter().all(|e| Arc::ptr_eq(&e.method, &gets[0].method)));
        let api = catalog.get("api:default/payments-api").unwrap();
        let payments: Vec<&Endpoint> = all.iter().copied().filter(|e| e.api == api).collect();
        assert_eq!(payments.len(), 3);
        assert!(payments
            .iter()
            .all(|e| Arc::ptr_eq(&e.providers, &payments[0].providers)));
        // Counted once each: fewer bytes than a copy per endpoint would take.
        let copies: usize = all
            .iter()
            .map(|e| e.method.len() + e.path.len() + std::mem::size_of_val(&*e.providers))
            .sum();
        let structs = all.len() * std::mem::size_of::<Endpoint>();
        assert!(endpoints.heap_bytes() >= structs);
        assert!(endpoints.heap_bytes() < structs + copies + 16 * 4 * all.len());
    }

    #[test]
    fn the_operation_index_is_its_place_in_the_definition() {
        let catalog = catalog();
        let endpoints = Endpoints::build(&catalog);
        let api = catalog.get("api:default/payments-api").unwrap();
        let Some(Definition::Text(text)) = catalog.entity(api).definition() else {
            panic!("inline definition");
        };
        let outline = apidef::outline("openapi", text).unwrap();
        for i in 0..endpoints.len() {
            let e = endpoints.get(i);
            if e.api == api {
                let op = &outline.operations[e.operation as usize];
                assert_eq!((&*op.method, &*op.path), (&*e.method, &*e.path));
            }
        }
    }

    #[test]
    fn method_and_path_rank_that_operation_first() {
        let catalog = catalog();
        let endpoints = Endpoints::build(&catalog);
        let hits = found(&catalog, &endpoints, "POST /payments");
        assert_eq!(
            hits.first().map(String::as_str),
            Some("POST /payments"),
            "{hits:?}"
        );
        // The other operations on that path do not say POST.
        assert!(!hits.contains(&"GET /payments".to_string()), "{hits:?}");
        assert_eq!(
            found(&catalog, &endpoints, "get /payments")[..2],
            ["GET /payments", "GET /payments/{id}"]
        );
    }

    #[test]
    fn a_word_of_the_path_finds_it_after_the_entity_named_so() {
        let catalog = catalog();
        let endpoints = Endpoints::build(&catalog);
        let hits = found(&catalog, &endpoints, "refunds");
        assert_eq!(hits, ["refunds-api", "POST /v1/refunds"]);
        assert_eq!(
            found(&catalog, &endpoints, "/v1/refunds"),
            ["POST /v1/refunds"]
        );
    }

    #[test]
    fn operation_ids_fields_rpcs_and_channels_are_found() {
        let catalog = catalog();
        let endpoints = Endpoints::build(&catalog);
        let first = |q: &str| found(&catalog, &endpoints, q).first().cloned();
        assert_eq!(first("createRefund").as_deref(), Some("POST /v1/refunds"));
        assert_eq!(first("balance").as_deref(), Some("QUERY balance"));
        assert_eq!(
            first("ScoreCharge").as_deref(),
            Some("UNARY /fraud.v1.Scorer/ScoreCharge")
        );
        assert_eq!(
            first("payments.settled").as_deref(),
            Some("SUBSCRIBE payments.settled")
        );
        assert_eq!(
            found(&catalog, &endpoints, "method:mutation"),
            ["MUTATION postEntry"]
        );
    }

    /// Many APIs repeating a few paths: queries then match the stored values once each (the
    /// fast path), and must rank exactly as matching every document does.
    #[test]
    fn shared_paths_rank_as_matching_each_endpoint_does() {
        let shapes = [
            ("POST", "/v1/refunds", "createRefund", "Give money back"),
            ("GET", "/v1/refunds", "listRefunds", "Refunds"),
            ("GET", "/v1/refunds/{id}", "getRefund", "One refund"),
            ("GET", "/payments", "listPayments", "Payments taken"),
        ];
        let docs: Vec<SearchDoc> = (0..60)
            .map(|i| {
                let (method, path, id, summary) = shapes[i % shapes.len()];
                let endpoint = Endpoint {
                    api: i as EntityId,
                    operation: 0,
                    method: method.into(),
                    path: path.into(),
                    operation_id: Some(format!("{id}{}", i % 3).into()),
                    summary: Some(summary.into()),
                    providers: Arc::new([]),
                };
                doc(&endpoint)
            })
            .collect();
        let index = SearchIndex::new(docs);
        for query in [
            "/v1/refunds",
            "/v1",
            "POST /v1/refunds",
            "refunds",
            "createrefund1",
            "^/pay",
            "method:get refunds",
            "'money !get",
        ] {
            let parsed = Query::parse(query);
            assert_eq!(
                index.search(query, 12),
                index.brute_force(&parsed, 12),
                "{query}"
            );
        }
        let exact = index.search("POST /v1/refunds", 1);
        assert_eq!(exact.total, 15);
        assert!(
            exact.hits[0].score >= 1 << 22,
            "the whole path is an exact name"
        );
        assert!(exact.hits[0].positions(Field::Path).is_some());
    }

    #[test]
    fn merged_lists_rank_by_score_and_count_both() {
        let hit = |doc, score| Hit {
            doc,
            score,
            field: None,
            highlights: Vec::new(),
        };
        let entities = Results {
            hits: vec![hit(0, 50), hit(1, 10)],
            total: 7,
        };
        let endpoints = Results {
            hits: vec![hit(0, 50), hit(1, 20)],
            total: 3,
        };
        let merged = merge(entities, endpoints, 3);
        assert_eq!(merged.total, 10);
        assert_eq!(
            merged.hits,
            [
                Found::Entity(hit(0, 50)),
                Found::Endpoint(hit(0, 50)),
                Found::Endpoint(hit(1, 20)),
            ]
        );
    }

    #[test]
    fn typing_gives_what_a_one_shot_search_gives_and_kinds_leave_endpoints_out() {
        let catalog = catalog();
        let endpoints = Endpoints::build(&catalog);
        let index = Arc::new(crate::search::entities::index(&catalog));
        let mut typing = CatalogSearcher::new(index.clone(), Some(&endpoints));
        let query = "post /payments";
        for end in 1..=query.len() {
            let typed = &query[..end];
            assert_eq!(
                typing.search(typed, 20),
                search(&index, &endpoints, typed, 20),
                "{typed:?}"
            );
        }
        let kinds = typing.search("kind:api payments", 20);
        assert!(!kinds.hits.is_empty());
        assert!(kinds.hits.iter().all(|f| matches!(f, Found::Entity(_))));
    }
}
