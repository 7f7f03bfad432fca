//! Fuzzy search over generic documents: the engine behind the TUI filter and
//! `greenroom search`.
//!
//! The core is pure (no terminal, no I/O) and knows nothing of catalog types:
//! the catalog glue turns entities and people into [`SearchDoc`]s, builds a
//! [`SearchIndex`] once, and queries it with [`SearchIndex::search`] (one-shot,
//! CLI) or through a [`Searcher`] (interactive typing, reuses the previous
//! keystroke's matches).
//!
//! # Query grammar
//!
//! A query is whitespace-separated terms that must all match (AND). Any input
//! is a valid query: there are no parse errors, and a term that is empty once
//! its operator is stripped (`!`, `'`, `^`, `owner:`) is ignored, so a
//! half-typed operator never empties the list.
//!
//! | term            | matches a document when…                                        |
//! |-----------------|-----------------------------------------------------------------|
//! | `word`          | `word` fuzzily matches a field (characters in order, gaps allowed) |
//! | `'word`         | some field contains `word` as a substring                       |
//! | `^word`         | some field starts with `word`                                   |
//! | `owner:word`    | the owner field contains `word` (also `kind:`, `tag:`, `lifecycle:`, `system:`, `type:`, and `method:` for endpoints) |
//! | `!word`, `!'word` | no field contains `word`                                      |
//! | `!^word`        | no field starts with `word`                                     |
//! | `!owner:word`   | the owner field does not contain `word` (same for the other field names) |
//!
//! Matching is case-insensitive and, for latin letters, accent-insensitive
//! (`a` matches `ä`; a term that itself contains `ä` matches only `ä`). Field
//! names are case-insensitive too; an unknown prefix such as `component:default/x`
//! is just a fuzzy word (handy for pasting refs). There are no escapes: to look
//! for a literal leading `!` or `^`, quote it (`'!x`).
//!
//! Example: `owner:payments !deprecated ledger` finds documents owned by a team
//! whose name contains "payments", mentioning nowhere "deprecated", that fuzzily
//! match "ledger".
//!
//! Plain words are matched fuzzily against the identifier-like fields (name,
//! title, display name, email, tags, owner, system, operationId) and as
//! substrings against free text and small vocabularies (description, kind,
//! lifecycle, type, HTTP method): a ten-letter word fuzzily matches almost any paragraph, which would
//! only add noise. Refs are searched (as substrings) only by words with a
//! `:` or `/`, like a pasted `component:default/x`; other words find the
//! name, which ends every ref, anyway.
//!
//! # Ranking
//!
//! Each positive term scores its best field: the matcher's quality score times
//! the field's weight (name, ref, path 4; title, display name, operationId 3;
//! tags, owner, email, system, kind, lifecycle, type, method 2; description,
//! summary 1). A term equal to the
//! name (or an endpoint's path) ranks above any other match, then a term that is a prefix of the name
//! (scored by that prefix match). The document's score is the sum over its
//! terms. So an equally good match ranks by field (name, then title, then
//! tags and owner, then description), while a clean title match can still
//! outrank a scattered, gappy match in a name. Ties are broken by shorter name, then by ref, then
//! by input order, so results are deterministic; an empty query lists every
//! document in that order. ASCII text is matched lowercased, so camelCase
//! humps get no bonus (see `SearchIndex`).
//!
//! # Speed
//!
//! A search makes two passes over the candidates (all documents, or the
//! previous keystroke's matches in a [`Searcher`]). The first decides which
//! documents match with plain byte loops and bounds their scores; the second
//! runs the matcher, best bound first, only until the top `limit` are
//! certain. Distinct owners, tags, kinds… are matched once per query, not
//! once per document. Large candidate sets are split across cores (rayon).
//!
//! # Matcher
//!
//! Scoring uses `nucleo-matcher` (helix's matcher, fzf's scoring), not the
//! `fuzzy-matcher` (skim v2) the users' stack has: skim can't keep a
//! keystroke under 16 ms at 100k documents. `cargo bench --bench search`
//! (100k generated documents, six 10-letter queries typed keystroke by
//! keystroke, 2 cores, on a machine shared with other builds, load ~3), per
//! keystroke, median / p95 / max:
//!
//! | engine                                 | wall ms          | CPU ms (all threads) |
//! |----------------------------------------|------------------|----------------------|
//! | this search, with narrowing            | 2.9 / 6.7 / 13   | 5.0 / 13 / 24        |
//! | this search, fresh scan each keystroke | 7.0 / 11 / 15    | 14 / 19 / 24         |
//! | nucleo-matcher alone, one key per doc  | 10 / 40 / 49     | 20 / 79 / 96         |
//! | skim (fuzzy-matcher) alone, same keys  | 89 / 185 / 191   | 89 / 185 / 189       |
//! | `fzf --filter`, same keys, per process | 222 / 389 / 419  |                      |
//!
//! The raw matchers score one line per document (ref, title, owner, tags,
//! system), split across both cores; skim needs 2–4.5× nucleo's CPU there,
//! so it could not meet the budget even before field weighting.
//!
//! # Highlights
//!
//! [`Hit::highlights`] give, for each field a term matched, the positions of
//! the matched characters, counted in grapheme clusters of the field's text
//! (the same as `char` indices for text without combining marks, and byte
//! indices for ASCII). [`byte_ranges`] turns them into byte ranges for
//! styling spans.

pub mod carry;
pub mod entities;
mod index;
mod matching;
pub mod operations;
mod query;
mod ranking;
mod searcher;
#[cfg(test)]
mod tests;

pub use index::SearchIndex;
pub use query::{Query, Term, TermKind};
pub use searcher::Searcher;

/// What a piece of a document's text is. Decides how it is matched and ranked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Field {
    /// Full entity ref, e.g. `component:default/order-service`.
    Ref,
    /// Short name, e.g. `order-service`. Exact and prefix matches on it rank first.
    Name,
    /// Human title, e.g. `Order Service`.
    Title,
    /// Free text.
    Description,
    /// One tag (a document may have several `Tag` fields).
    Tag,
    /// Owner ref or team name.
    Owner,
    /// Entity kind, e.g. `Component`.
    Kind,
    /// Lifecycle, e.g. `production`, `deprecated`.
    Lifecycle,
    /// System the entity belongs to.
    System,
    /// A person's email.
    Email,
    /// A person's (or group's) display name.
    DisplayName,
    /// spec.type, e.g. `service`, `website`.
    Type,
    /// An endpoint's method: `POST`, `QUERY`, `UNARY`, `SUBSCRIBE`, ...
    Method,
    /// An endpoint's path, channel, GraphQL field or `/package.Service/Method`: its name.
    Path,
    /// An endpoint's operationId.
    OperationId,
    /// An endpoint's summary.
    Summary,
}

impl Field {
    /// Every field, in declaration order.
    pub const ALL: [Field; 16] = [
        Field::Ref,
        Field::Name,
        Field::Title,
        Field::Description,
        Field::Tag,
        Field::Owner,
        Field::Kind,
        Field::Lifecycle,
        Field::System,
        Field::Email,
        Field::DisplayName,
        Field::Type,
        Field::Method,
        Field::Path,
        Field::OperationId,
        Field::Summary,
    ];

    /// Multiplier applied to a match's quality score in this field.
    pub fn weight(self) -> u32 {
        match self {
            Field::Ref | Field::Name | Field::Path => 4,
            Field::Title | Field::DisplayName | Field::OperationId => 3,
            Field::Tag
            | Field::Owner
            | Field::Email
            | Field::System
            | Field::Kind
            | Field::Lifecycle
            | Field::Type
            | Field::Method => 2,
            Field::Description | Field::Summary => 1,
        }
    }

    /// Whether plain query words match this field fuzzily (else as substrings).
    pub fn is_fuzzy(self) -> bool {
        !matches!(
            self,
            Field::Ref
                | Field::Description
                | Field::Summary
                | Field::Kind
                | Field::Lifecycle
                | Field::Type
                | Field::Method
        )
    }

    /// The `name:` prefix that restricts a query term to this field, if any.
    pub fn filter_name(self) -> Option<&'static str> {
        match self {
            Field::Owner => Some("owner"),
            Field::Kind => Some("kind"),
            Field::Tag => Some("tag"),
            Field::Lifecycle => Some("lifecycle"),
            Field::System => Some("system"),
            Field::Type => Some("type"),
            Field::Method => Some("method"),
            _ => None,
        }
    }

    /// Fields whose exact and prefix matches rank first: an entity's name,
    /// an endpoint's path.
    pub fn is_name(self) -> bool {
        matches!(self, Field::Name | Field::Path)
    }

    /// Fields whose values repeat across many documents; the index stores
    /// each distinct value once. An endpoint's fields are among them: the
    /// same paths, operationIds and summaries recur across a catalog's APIs
    /// (`/health`, `/v1/users/{id}`), and endpoints outnumber entities.
    fn is_categorical(self) -> bool {
        matches!(
            self,
            Field::Tag
                | Field::Owner
                | Field::Kind
                | Field::Lifecycle
                | Field::System
                | Field::Type
                | Field::Method
                | Field::Path
                | Field::OperationId
                | Field::Summary
        )
    }
}

/// A searchable document: a list of typed text fields. Its id is its index in
/// the sequence given to [`SearchIndex::new`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchDoc {
    /// The fields, in any order; a field may repeat (tags).
    pub fields: Vec<(Field, String)>,
}

impl SearchDoc {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field (builder style).
    pub fn with(mut self, field: Field, text: impl Into<String>) -> Self {
        self.push(field, text);
        self
    }

    /// Adds a field.
    pub fn push(&mut self, field: Field, text: impl Into<String>) {
        self.fields.push((field, text.into()));
    }
}

/// One matching document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Index of the document in the input of [`SearchIndex::new`].
    pub doc: usize,
    /// Higher is better. Comparable only within one query's results.
    pub score: u32,
    /// The field where the best-scoring term matched; `None` when no term
    /// contributes a match (empty or negation-only query).
    pub field: Option<Field>,
    /// Matched positions per field, in the document's field order.
    pub highlights: Vec<Highlight>,
}

impl Hit {
    /// Matched positions in the first field of that kind that has any.
    pub fn positions(&self, field: Field) -> Option<&[u32]> {
        self.highlights
            .iter()
            .find(|h| h.field == field)
            .map(|h| h.positions.as_slice())
    }
}

/// Matched characters in one field of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Highlight {
    /// Index into the document's [`SearchDoc::fields`].
    pub slot: usize,
    /// That field's kind.
    pub field: Field,
    /// Grapheme-cluster indices into the field's text, ascending, no duplicates.
    pub positions: Vec<u32>,
}

/// The best hits of a query and how many documents matched in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Results {
    /// At most `limit` hits, best first.
    pub hits: Vec<Hit>,
    /// Number of matching documents (may exceed `hits.len()`).
    pub total: usize,
}

/// Converts highlight positions (grapheme indices, as in [`Highlight`]) into
/// byte ranges of `text`, merging adjacent positions, for styling spans.
pub fn byte_ranges(text: &str, positions: &[u32]) -> Vec<std::ops::Range<usize>> {
    use unicode_segmentation::UnicodeSegmentation;
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    let mut wanted = positions.iter().map(|&p| p as usize).peekable();
    for (i, (start, grapheme)) in text.grapheme_indices(true).enumerate() {
        while wanted.next_if(|&p| p < i).is_some() {}
        if wanted.next_if_eq(&i).is_none() {
            if wanted.peek().is_none() {
                break;
            }
            continue;
        }
        let end = start + grapheme.len();
        match ranges.last_mut() {
            Some(last) if last.end == start => last.end = end,
            _ => ranges.push(start..end),
        }
    }
    ranges
}
