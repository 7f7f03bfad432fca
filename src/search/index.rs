//! The index: all documents' text packed into two arenas, scanned per query.

use std::collections::HashMap;

use nucleo_matcher::{chars, Config, Matcher, Utf32Str};
use rayon::prelude::*;

use super::query::{Mode, Query, Term, TermKind};
use super::{Field, Highlight, Hit, Results, SearchDoc};

/// Longer fields are cut (in grapheme clusters) to keep spans at 8 bytes.
const MAX_FIELD_LEN: usize = u16::MAX as usize;
/// Candidate sets at least this large are scanned on all cores; below it the
/// thread hand-off costs more than it saves.
const PARALLEL_MIN: usize = 8_192;
/// A term equal to the name outranks any other match, then one that is a
/// prefix of the name. Both dwarf the largest matcher score (u16 × weight 4).
const EXACT_NAME_BONUS: u32 = 1 << 22;
const PREFIX_NAME_BONUS: u32 = 1 << 20;

/// One field of one document: where its text is and what it is.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    /// In bytes (ASCII arena) or chars (wide arena): one per grapheme cluster.
    len: u16,
    field: Field,
    /// Text lives in `wide` (non-ASCII) rather than `ascii`.
    wide: bool,
}

/// Searchable documents, prepared once: about 20 bytes per field plus the
/// text (ASCII text at one byte per character, repeated values such as
/// owners, tags and kinds stored once).
///
/// Documents are kept in tie-break order (shorter name, then ref, then input
/// order), so a ranking key is just `(score, position)` and an empty query
/// lists them as stored.
pub struct SearchIndex {
    /// ASCII text of all fields.
    ascii: Vec<u8>,
    /// Other text, one char per grapheme cluster (as the matcher wants it).
    wide: Vec<char>,
    /// All fields of all documents, document after document.
    spans: Vec<Span>,
    /// Document `i` (in stored order) has `spans[doc_spans[i]..doc_spans[i + 1]]`.
    doc_spans: Vec<u32>,
    /// Stored order → the caller's document index.
    ids: Vec<u32>,
}

/// Best field of a document for one term.
#[derive(Clone, Copy)]
struct Best {
    score: u32,
    /// Index into the document's spans (= slot in its `SearchDoc::fields`).
    slot: usize,
}

impl SearchIndex {
    /// Packs `docs` into an index. Each document's id is its position in
    /// `docs`. Taking an iterator lets callers build documents one at a time
    /// instead of holding them all.
    pub fn new(docs: impl IntoIterator<Item = SearchDoc>) -> Self {
        let mut arena = Arena::default();
        let mut spans = Vec::new();
        let mut doc_spans = vec![0u32];
        for doc in docs {
            for (field, text) in &doc.fields {
                spans.push(arena.add(*field, text));
            }
            doc_spans.push(to_u32(spans.len()));
        }
        let mut index = SearchIndex {
            ascii: arena.ascii,
            wide: arena.wide,
            spans,
            doc_spans,
            ids: Vec::new(),
        };
        index.sort_for_ties();
        index.ascii.shrink_to_fit();
        index.wide.shrink_to_fit();
        index
    }

    /// Reorders documents by (name length, ref, input order).
    fn sort_for_ties(&mut self) {
        let n = self.doc_spans.len() - 1;
        let first = |doc: usize, field: Field| {
            self.spans[self.doc_spans[doc] as usize..self.doc_spans[doc + 1] as usize]
                .iter()
                .find(|s| s.field == field)
                .copied()
        };
        let keys: Vec<(u32, Option<Span>)> = (0..n)
            .map(|doc| {
                let name_len = first(doc, Field::Name).map_or(u32::MAX, |s| u32::from(s.len));
                (name_len, first(doc, Field::Ref))
            })
            .collect();
        let mut order: Vec<u32> = (0..to_u32(n)).collect();
        order.sort_by(|&a, &b| {
            let (ka, kb) = (&keys[a as usize], &keys[b as usize]);
            ka.0.cmp(&kb.0)
                .then_with(|| {
                    let text = |s: &Option<Span>| s.map(|s| self.text(s).chars());
                    match (text(&ka.1), text(&kb.1)) {
                        (Some(x), Some(y)) => x.cmp(y),
                        (x, y) => x.is_some().cmp(&y.is_some()),
                    }
                })
                .then(a.cmp(&b))
        });
        let mut spans = Vec::with_capacity(self.spans.len());
        let mut doc_spans = Vec::with_capacity(n + 1);
        doc_spans.push(0);
        for &doc in &order {
            let doc = doc as usize;
            spans.extend_from_slice(
                &self.spans[self.doc_spans[doc] as usize..self.doc_spans[doc + 1] as usize],
            );
            doc_spans.push(to_u32(spans.len()));
        }
        self.spans = spans;
        self.doc_spans = doc_spans;
        self.ids = order;
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no documents.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Heap memory held by the index, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.ascii.capacity()
            + self.wide.capacity() * size_of::<char>()
            + self.spans.capacity() * size_of::<Span>()
            + (self.doc_spans.capacity() + self.ids.capacity()) * size_of::<u32>()
    }

    /// The best `limit` matches of `query` (see the grammar in the module
    /// doc), best first, and the number of matches. Scans every document;
    /// for search-as-you-type use a [`Searcher`](super::Searcher).
    pub fn search(&self, query: &str, limit: usize) -> Results {
        let query = Query::parse(query);
        let keys = self.matches(&query, None);
        self.results(&query, keys, limit)
    }

    /// Ranking keys of the documents that match `query`, among `candidates`
    /// (stored positions, ascending) or all documents; in candidate order.
    pub(crate) fn matches(&self, query: &Query, candidates: Option<&[u32]>) -> Vec<u64> {
        let all: Vec<u32>;
        let candidates = match candidates {
            Some(c) => c,
            None => {
                all = (0..to_u32(self.len())).collect();
                &all
            }
        };
        let scan = |matcher: &mut Matcher, chunk: &[u32]| -> Vec<u64> {
            chunk
                .iter()
                .filter_map(|&doc| Some(key(self.score(matcher, query, doc)?, doc)))
                .collect()
        };
        let threads = rayon::current_num_threads();
        if query.is_empty() || candidates.len() < PARALLEL_MIN || threads < 2 {
            return scan(&mut new_matcher(), candidates);
        }
        let chunk = candidates.len().div_ceil(threads * 4);
        let parts: Vec<Vec<u64>> = candidates
            .par_chunks(chunk)
            .map_init(new_matcher, |matcher, chunk| scan(matcher, chunk))
            .collect();
        parts.concat()
    }

    /// The best `limit` of `keys`, best first, with highlights.
    pub(crate) fn results(&self, query: &Query, mut keys: Vec<u64>, limit: usize) -> Results {
        let total = keys.len();
        if keys.len() > limit {
            if limit == 0 {
                keys.clear();
            } else {
                keys.select_nth_unstable_by(limit - 1, |a, b| b.cmp(a));
                keys.truncate(limit);
            }
        }
        keys.sort_unstable_by(|a, b| b.cmp(a));
        let mut matcher = new_matcher();
        let hits = keys
            .into_iter()
            .map(|k| self.hit(&mut matcher, query, k))
            .collect();
        Results { hits, total }
    }

    fn doc(&self, doc: u32) -> &[Span] {
        let doc = doc as usize;
        &self.spans[self.doc_spans[doc] as usize..self.doc_spans[doc + 1] as usize]
    }

    fn text(&self, span: Span) -> Utf32Str<'_> {
        let range = span.start as usize..span.start as usize + usize::from(span.len);
        if span.wide {
            Utf32Str::Unicode(&self.wide[range])
        } else {
            Utf32Str::Ascii(&self.ascii[range])
        }
    }

    /// The document's score for the whole query, or `None` if it doesn't match.
    fn score(&self, matcher: &mut Matcher, query: &Query, doc: u32) -> Option<u32> {
        let spans = self.doc(doc);
        let mut total = 0u32;
        for term in &query.terms {
            if term.negated {
                matcher.config.normalize = term.normalize;
                let hit = spans.iter().any(|&span| {
                    term.mode(span.field)
                        .and_then(|mode| run(matcher, mode, self.text(span), term.needle(), None))
                        .is_some()
                });
                if hit {
                    return None;
                }
            } else {
                total = total.saturating_add(self.best(matcher, term, spans)?.score);
            }
        }
        Some(total)
    }

    /// The best-scoring field of the document for a positive term. Ties go to
    /// the earlier field.
    fn best(&self, matcher: &mut Matcher, term: &Term, spans: &[Span]) -> Option<Best> {
        matcher.config.normalize = term.normalize;
        let needle = term.needle();
        let mut best: Option<Best> = None;
        for (slot, &span) in spans.iter().enumerate() {
            let Some(mode) = term.mode(span.field) else {
                continue;
            };
            let haystack = self.text(span);
            let Some(quality) = run(matcher, mode, haystack, needle, None) else {
                continue;
            };
            let mut score = span.field.weight() * (u32::from(quality) + 1);
            if span.field == Field::Name
                && !matches!(term.kind, TermKind::Field(_))
                && matcher.prefix_match(haystack, needle).is_some()
            {
                score += if needle.len() == haystack.len() {
                    EXACT_NAME_BONUS
                } else {
                    PREFIX_NAME_BONUS
                };
            }
            if best.is_none_or(|b| score > b.score) {
                best = Some(Best { score, slot });
            }
        }
        best
    }

    /// Builds the hit for a ranking key: highlights for every positive term
    /// in its best field.
    fn hit(&self, matcher: &mut Matcher, query: &Query, key: u64) -> Hit {
        let (score, doc) = unkey(key);
        let spans = self.doc(doc);
        let mut field: Option<(u32, Field)> = None;
        let mut highlights: Vec<Highlight> = Vec::new();
        for term in query.terms.iter().filter(|t| !t.negated) {
            let Some(best) = self.best(matcher, term, spans) else {
                continue;
            };
            let span = spans[best.slot];
            if field.is_none_or(|(s, _)| best.score > s) {
                field = Some((best.score, span.field));
            }
            let highlight = match highlights.iter_mut().position(|h| h.slot == best.slot) {
                Some(i) => &mut highlights[i],
                None => {
                    highlights.push(Highlight {
                        slot: best.slot,
                        field: span.field,
                        positions: Vec::new(),
                    });
                    highlights.last_mut().expect("just pushed")
                }
            };
            if let Some(mode) = term.mode(span.field) {
                run(
                    matcher,
                    mode,
                    self.text(span),
                    term.needle(),
                    Some(&mut highlight.positions),
                );
            }
        }
        highlights.sort_by_key(|h| h.slot);
        for h in &mut highlights {
            h.positions.sort_unstable();
            h.positions.dedup();
        }
        Hit {
            doc: self.ids[doc as usize] as usize,
            score,
            field: field.map(|(_, f)| f),
            highlights,
        }
    }
}

fn new_matcher() -> Matcher {
    let mut config = Config::DEFAULT;
    // Among equally good matches in a field, the one nearer its start wins
    // ("Order service" before "Legacy order service").
    config.prefer_prefix = true;
    Matcher::new(config)
}

/// Runs one comparison; with `indices`, also appends the matched positions.
fn run(
    matcher: &mut Matcher,
    mode: Mode,
    haystack: Utf32Str<'_>,
    needle: Utf32Str<'_>,
    indices: Option<&mut Vec<u32>>,
) -> Option<u16> {
    match (mode, indices) {
        (Mode::Fuzzy, None) => matcher.fuzzy_match(haystack, needle),
        (Mode::Substring, None) => matcher.substring_match(haystack, needle),
        (Mode::Prefix, None) => matcher.prefix_match(haystack, needle),
        (Mode::Fuzzy, Some(out)) => matcher.fuzzy_indices(haystack, needle, out),
        (Mode::Substring, Some(out)) => matcher.substring_indices(haystack, needle, out),
        (Mode::Prefix, Some(out)) => matcher.prefix_indices(haystack, needle, out),
    }
}

/// Ranking key: higher is better; score first, then stored position (lower wins).
fn key(score: u32, doc: u32) -> u64 {
    (u64::from(score) << 32) | u64::from(u32::MAX - doc)
}

fn unkey(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, u32::MAX - key as u32)
}

/// Stored position of the document behind a ranking key.
pub(crate) fn key_doc(key: u64) -> u32 {
    unkey(key).1
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("search index over 4 GiB of text or 4G fields")
}

/// Text storage while building.
#[derive(Default)]
struct Arena {
    ascii: Vec<u8>,
    wide: Vec<char>,
    /// Categorical values already stored: text → (start, len, wide).
    interned: HashMap<Box<str>, (u32, u16, bool)>,
    scratch: Vec<char>,
}

impl Arena {
    fn add(&mut self, field: Field, text: &str) -> Span {
        let (start, len, wide) = match self.interned.get(text) {
            Some(&stored) if field.is_categorical() => stored,
            _ => {
                let stored = self.store(text);
                if field.is_categorical() {
                    self.interned.insert(text.into(), stored);
                }
                stored
            }
        };
        Span {
            start,
            len,
            field,
            wide,
        }
    }

    fn store(&mut self, text: &str) -> (u32, u16, bool) {
        if text.is_ascii() {
            let bytes = &text.as_bytes()[..text.len().min(MAX_FIELD_LEN)];
            let start = to_u32(self.ascii.len());
            self.ascii.extend_from_slice(bytes);
            return (start, bytes.len() as u16, false);
        }
        self.scratch.clear();
        self.scratch
            .extend(chars::graphemes(text).take(MAX_FIELD_LEN));
        let len = self.scratch.len() as u16;
        if self.scratch.iter().all(char::is_ascii) {
            // Only combining marks were non-ASCII: one byte per cluster.
            let start = to_u32(self.ascii.len());
            self.ascii.extend(self.scratch.iter().map(|&c| c as u8));
            (start, len, false)
        } else {
            let start = to_u32(self.wide.len());
            self.wide.extend_from_slice(&self.scratch);
            (start, len, true)
        }
    }
}
