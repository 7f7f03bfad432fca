//! The index: all documents' text packed into two arenas, scanned per query.

use std::collections::HashMap;

use nucleo_matcher::{chars, Config, Matcher, Utf32Str};
use rayon::prelude::*;

use super::query::{Mode, Query, Term, TermKind};
use super::{Field, Highlight, Hit, Results, SearchDoc};

/// Longer fields are cut (in grapheme clusters) to keep spans at 8 bytes.
const MAX_FIELD_LEN: usize = u16::MAX as usize;
/// Work lists at least this long are split across cores; below it the
/// thread hand-off costs more than it saves.
const PARALLEL_MIN: usize = 8_192;
/// A term equal to the name outranks any other match, then one that is a
/// prefix of the name. Both dwarf the largest matcher score (u16 × weight 4).
const EXACT_NAME_BONUS: u32 = 1 << 22;
const PREFIX_NAME_BONUS: u32 = 1 << 20;

/// One field of one document: where its text is and what it is.
#[derive(Clone, Copy, Debug)]
struct Span {
    /// Offset in the arena, or index in `values`.
    start: u32,
    /// In bytes (ASCII arena) or chars (wide arena): one per grapheme cluster.
    len: u16,
    field: Field,
    store: Store,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Store {
    /// `ascii[start..start + len]`
    Ascii,
    /// `wide[start..start + len]`
    Wide,
    /// `values[start]`: a categorical value shared by many documents, matched
    /// once per query rather than once per document.
    Value,
}

/// Searchable documents, prepared once: 8 bytes per field plus its text
/// (ASCII at one byte per character; repeated values such as owners, tags
/// and kinds stored once), 12 bytes per document: about 26 MB for 100k
/// catalog entities. Building briefly needs twice that, while the text is
/// laid out again in ranking order.
///
/// Documents are kept in tie-break order (shorter name, then ref, then input
/// order), so a ranking key is just `(score, position)` and an empty query
/// lists them as stored.
pub struct SearchIndex {
    /// ASCII text of all fields, lowercased. Matching is case-insensitive
    /// anyway; lowercase text lets the first pass compare plain bytes, and
    /// sidesteps a bug of nucleo-matcher 0.3.1, whose substring search
    /// turns case-sensitive when the needle's first letter isn't among its
    /// first two characters (`'-_c` missed `-_C`). The cost: no camelCase
    /// bonus on ASCII text (names are mostly kebab-case).
    ascii: Vec<u8>,
    /// Other text, one char per grapheme cluster (as the matcher wants it).
    wide: Vec<char>,
    /// Distinct (field, text) of categorical fields (owner, tags, kind, …).
    values: Vec<Span>,
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
            values: arena.values,
            spans,
            doc_spans,
            ids: Vec::new(),
        };
        index.sort_for_ties();
        index
    }

    /// Reorders documents by (name length, ref, input order), which is the
    /// order of ties in the ranking.
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
        // Lay spans and text out in that order too: a scan then reads memory
        // front to back instead of jumping around the arenas.
        let mut spans = Vec::with_capacity(self.spans.len());
        let mut doc_spans = Vec::with_capacity(n + 1);
        let mut ascii = Vec::with_capacity(self.ascii.len());
        let mut wide = Vec::with_capacity(self.wide.len());
        doc_spans.push(0);
        for &doc in &order {
            let doc = doc as usize;
            for &span in &self.spans[self.doc_spans[doc] as usize..self.doc_spans[doc + 1] as usize]
            {
                let range = span.start as usize..span.start as usize + usize::from(span.len);
                let start = match span.store {
                    Store::Ascii => {
                        ascii.extend_from_slice(&self.ascii[range]);
                        ascii.len() - usize::from(span.len)
                    }
                    Store::Wide => {
                        wide.extend_from_slice(&self.wide[range]);
                        wide.len() - usize::from(span.len)
                    }
                    Store::Value => span.start as usize,
                };
                spans.push(Span {
                    start: to_u32(start),
                    ..span
                });
            }
            doc_spans.push(to_u32(spans.len()));
        }
        // Categorical values move to the end of the arenas.
        for value in &mut self.values {
            let range = value.start as usize..value.start as usize + usize::from(value.len);
            if value.store == Store::Ascii {
                ascii.extend_from_slice(&self.ascii[range]);
                value.start = to_u32(ascii.len() - usize::from(value.len));
            } else {
                wide.extend_from_slice(&self.wide[range]);
                value.start = to_u32(wide.len() - usize::from(value.len));
            }
        }
        self.spans = spans;
        self.doc_spans = doc_spans;
        self.ascii = ascii;
        self.wide = wide;
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
            + (self.spans.capacity() + self.values.capacity()) * size_of::<Span>()
            + (self.doc_spans.capacity() + self.ids.capacity()) * size_of::<u32>()
    }

    /// The best `limit` matches of `query` (see the grammar in the module
    /// doc), best first, and the number of matches. Scans every document;
    /// for search-as-you-type use a [`Searcher`](super::Searcher).
    pub fn search(&self, query: &str, limit: usize) -> Results {
        self.run(&Query::parse(query), None, limit).1
    }

    /// Searches `candidates` (stored positions, ascending), or all documents.
    /// Returns the stored positions of all matches (ascending) and the results.
    ///
    /// Two passes. The first decides which documents match, with cheap
    /// checks, and bounds each one's score (field weight times the best
    /// score a needle of that length could get, plus the name bonuses, which
    /// are exact). The second scores documents by decreasing bound, and stops
    /// when no bound left can beat the `limit`-th score: typically it scores
    /// the few documents whose name starts with the word, not all of them.
    pub(crate) fn run(
        &self,
        query: &Query,
        candidates: Option<&[u32]>,
        limit: usize,
    ) -> (Vec<u32>, Results) {
        let all: Vec<u32>;
        let candidates = match candidates {
            Some(c) => c,
            None => {
                all = (0..to_u32(self.len())).collect();
                &all
            }
        };
        let mut matcher = new_matcher();
        // Matching each distinct owner, tag, kind… once beats matching it in
        // every document, unless there are few documents to look at.
        let values = (!query.is_empty() && candidates.len() >= self.values.len())
            .then(|| self.value_qualities(&mut matcher, query));
        let scan = Scan {
            index: self,
            query,
            values: values.as_deref(),
        };
        let bounds = on_all_cores(candidates, |matcher, chunk| {
            chunk
                .iter()
                .filter_map(|&doc| Some(key(scan.bound(matcher, doc)?, doc)))
                .collect()
        });
        let matched: Vec<u32> = bounds.iter().map(|&k| key_doc(k)).collect();
        let total = bounds.len();
        let hits = scan
            .top(bounds, limit)
            .into_iter()
            .map(|k| self.hit(&mut matcher, query, k))
            .collect();
        (matched, Results { hits, total })
    }

    /// [`run`](Self::run) without the shortcuts: every document is matched
    /// and scored by the matcher alone, then sorted. For tests.
    #[cfg(test)]
    pub(crate) fn brute_force(&self, query: &Query, limit: usize) -> Results {
        let mut matcher = new_matcher();
        let mut keys: Vec<u64> = (0..to_u32(self.len()))
            .filter_map(|doc| {
                let spans = self.doc(doc);
                let mut total = 0u32;
                for term in &query.terms {
                    matcher.config.normalize = term.normalize;
                    let mut found = spans.iter().filter_map(|&span| {
                        run(
                            &mut matcher,
                            term.mode(span.field)?,
                            self.text(span),
                            term.needle(),
                            None,
                        )
                    });
                    if term.negated {
                        if found.next().is_some() {
                            return None;
                        }
                    } else {
                        drop(found);
                        total += self.best(&mut matcher, term, None, spans)?.score;
                    }
                }
                Some(key(total, doc))
            })
            .collect();
        let total = keys.len();
        keys.sort_unstable_by(|a, b| b.cmp(a));
        keys.truncate(limit);
        let hits = keys
            .into_iter()
            .map(|k| self.hit(&mut matcher, query, k))
            .collect();
        Results { hits, total }
    }

    /// Match quality of each term (outer) against each categorical value (inner).
    fn value_qualities(&self, matcher: &mut Matcher, query: &Query) -> Vec<Option<u16>> {
        let mut qualities = Vec::with_capacity(query.terms.len() * self.values.len());
        for term in &query.terms {
            matcher.config.normalize = term.normalize;
            qualities.extend(self.values.iter().map(|&value| {
                let mode = term.mode(value.field)?;
                run(matcher, mode, self.text(value), term.needle(), None)
            }));
        }
        qualities
    }

    fn doc(&self, doc: u32) -> &[Span] {
        let doc = doc as usize;
        &self.spans[self.doc_spans[doc] as usize..self.doc_spans[doc + 1] as usize]
    }

    fn text(&self, span: Span) -> Utf32Str<'_> {
        let range = span.start as usize..span.start as usize + usize::from(span.len);
        match span.store {
            Store::Ascii => Utf32Str::Ascii(&self.ascii[range]),
            Store::Wide => Utf32Str::Unicode(&self.wide[range]),
            Store::Value => self.text(self.values[span.start as usize]),
        }
    }

    /// Whether `term` matches one field. `values` holds the term's
    /// precomputed qualities for categorical values.
    fn is_match(
        &self,
        matcher: &mut Matcher,
        term: &Term,
        values: Option<&[Option<u16>]>,
        span: Span,
    ) -> bool {
        if let (Store::Value, Some(values)) = (span.store, values) {
            return values[span.start as usize].is_some();
        }
        let Some(mode) = term.mode(span.field) else {
            return false;
        };
        let (haystack, needle) = (self.text(span), term.needle());
        ascii_match(mode, haystack, needle)
            .unwrap_or_else(|| run(matcher, mode, haystack, needle, None).is_some())
    }

    /// How well `term` matches one field, `None` if not at all.
    fn quality(
        &self,
        matcher: &mut Matcher,
        term: &Term,
        values: Option<&[Option<u16>]>,
        span: Span,
    ) -> Option<u16> {
        if let (Store::Value, Some(values)) = (span.store, values) {
            return values[span.start as usize];
        }
        let (mode, haystack, needle) = (term.mode(span.field)?, self.text(span), term.needle());
        if ascii_match(mode, haystack, needle) == Some(false) {
            return None;
        }
        run(matcher, mode, haystack, needle, None)
    }

    /// A term equal to, or a prefix of, a name outranks anything else: its
    /// score is the bonus plus the name's weight times the quality of that
    /// prefix match, and the other fields don't matter. This is known
    /// exactly in the first pass, so a query typed from the start of names
    /// only scores about `limit` documents in the second.
    fn name_tier(&self, matcher: &mut Matcher, term: &Term, spans: &[Span]) -> Option<Best> {
        if matches!(term.kind, TermKind::Field(_)) {
            return None;
        }
        let needle = term.needle();
        spans.iter().enumerate().find_map(|(slot, &span)| {
            if span.field != Field::Name {
                return None;
            }
            let name = self.text(span);
            if ascii_match(Mode::Prefix, name, needle) == Some(false) {
                return None;
            }
            let quality = matcher.prefix_match(name, needle)?;
            let bonus = if needle.len() == name.len() {
                EXACT_NAME_BONUS
            } else {
                PREFIX_NAME_BONUS
            };
            let score = bonus + Field::Name.weight() * (u32::from(quality) + 1);
            Some(Best { score, slot })
        })
    }

    /// The best-scoring field of the document for a positive term. Ties go to
    /// the earlier field.
    fn best(
        &self,
        matcher: &mut Matcher,
        term: &Term,
        values: Option<&[Option<u16>]>,
        spans: &[Span],
    ) -> Option<Best> {
        matcher.config.normalize = term.normalize;
        if let Some(best) = self.name_tier(matcher, term, spans) {
            return Some(best);
        }
        let ceiling = max_quality(term.needle().len()) + 1;
        let mut best: Option<Best> = None;
        for (slot, &span) in spans.iter().enumerate() {
            let weight = span.field.weight();
            // A field that can't beat the best so far isn't worth matching
            // (a title after a good name match, most descriptions).
            if best.is_some_and(|b| b.score >= weight * ceiling) {
                continue;
            }
            let Some(quality) = self.quality(matcher, term, values, span) else {
                continue;
            };
            let score = weight * (u32::from(quality) + 1);
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
            let Some(best) = self.best(matcher, term, None, spans) else {
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

/// One query over one index, with what was precomputed for it.
struct Scan<'a> {
    index: &'a SearchIndex,
    query: &'a Query,
    /// Each term's qualities for the categorical values, if computed.
    values: Option<&'a [Option<u16>]>,
}

impl Scan<'_> {
    fn values(&self, term: usize) -> Option<&[Option<u16>]> {
        let n = self.index.values.len();
        self.values.map(|v| &v[term * n..(term + 1) * n])
    }

    /// First pass: `None` if the document doesn't match, else an upper
    /// bound of its score.
    fn bound(&self, matcher: &mut Matcher, doc: u32) -> Option<u32> {
        let spans = self.index.doc(doc);
        let mut total = 0u32;
        for (t, term) in self.query.terms.iter().enumerate() {
            let values = self.values(t);
            matcher.config.normalize = term.normalize;
            if term.negated {
                if spans
                    .iter()
                    .any(|&s| self.index.is_match(matcher, term, values, s))
                {
                    return None;
                }
                continue;
            }
            if let Some(best) = self.index.name_tier(matcher, term, spans) {
                total = total.saturating_add(best.score);
                continue;
            }
            // The bound is the heaviest matching field's weight times the
            // best quality possible: look at heavy fields first, and stop
            // at the first match (long descriptions are rarely read).
            let ceiling = max_quality(term.needle().len()) + 1;
            let heaviest = [4, 3, 2, 1].into_iter().find(|&weight| {
                spans.iter().any(|&span| {
                    span.field.weight() == weight
                        && self.index.is_match(matcher, term, values, span)
                })
            });
            total = total.saturating_add(heaviest? * ceiling);
        }
        Some(total)
    }

    /// Second pass: the document's score (it matched in the first).
    fn score(&self, matcher: &mut Matcher, doc: u32) -> u32 {
        let spans = self.index.doc(doc);
        let mut total = 0u32;
        for (t, term) in self.query.terms.iter().enumerate() {
            if !term.negated {
                let best = self.index.best(matcher, term, self.values(t), spans);
                debug_assert!(best.is_some(), "first and second pass disagree");
                total = total.saturating_add(best.map_or(0, |b| b.score));
            }
        }
        total
    }

    /// The best `limit` ranking keys, best first, from the first pass's
    /// bound keys: scores documents by decreasing bound, in growing batches,
    /// until the rest cannot compete.
    fn top(&self, mut bounds: Vec<u64>, limit: usize) -> Vec<u64> {
        let mut best: Vec<u64> = Vec::new();
        let mut rest: &mut [u64] = &mut bounds;
        let mut batch = limit.max(256);
        while limit > 0 && !rest.is_empty() {
            let take = batch.min(rest.len());
            if take < rest.len() {
                rest.select_nth_unstable_by(take - 1, |a, b| b.cmp(a));
            }
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(take);
            best.extend(on_all_cores(head, |matcher, chunk| {
                chunk
                    .iter()
                    .map(|&k| key(self.score(matcher, key_doc(k)), key_doc(k)))
                    .collect()
            }));
            keep_best(&mut best, limit);
            rest = tail;
            let threshold = best.iter().min().copied().unwrap_or(0);
            if best.len() == limit && rest.iter().all(|&bound| bound <= threshold) {
                break;
            }
            batch *= 4;
        }
        best.sort_unstable_by(|a, b| b.cmp(a));
        best
    }
}

/// Keeps the `limit` largest keys (unordered).
fn keep_best(keys: &mut Vec<u64>, limit: usize) {
    if keys.len() > limit {
        keys.select_nth_unstable_by(limit - 1, |a, b| b.cmp(a));
        keys.truncate(limit);
    }
}

/// `f` over chunks of `items`, on all cores when there are enough items to
/// be worth the hand-off; results concatenated in order.
fn on_all_cores<T: Sync, R: Send + Copy>(
    items: &[T],
    f: impl Fn(&mut Matcher, &[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let threads = rayon::current_num_threads();
    if items.len() < PARALLEL_MIN || threads < 2 {
        return f(&mut new_matcher(), items);
    }
    let chunk = items.len().div_ceil(threads * 4);
    let parts: Vec<Vec<R>> = items
        .par_chunks(chunk)
        .map_init(new_matcher, |matcher, chunk| f(matcher, chunk))
        .collect();
    parts.concat()
}

/// An upper bound of the matcher's score for a needle of `len` characters:
/// each character scores at most 16 plus a boundary bonus of 10 (doubled for
/// the first one), plus at most 8 for starting the field. Checked by a test.
pub(crate) fn max_quality(len: usize) -> u32 {
    // Scores are u16: long needles cap there.
    (26 * len.min(u16::MAX as usize) + 18).min(u16::MAX as usize) as u32
}

fn new_matcher() -> Matcher {
    let mut config = Config::DEFAULT;
    // Among equally good matches in a field, the one nearer its start wins
    // ("Order service" before "Legacy order service").
    config.prefer_prefix = true;
    Matcher::new(config)
}

/// Whether `needle` matches, for the common all-ASCII case (fuzzy: a
/// subsequence; substring: contained; prefix: after leading whitespace,
/// like the matcher); `None` when only the matcher can tell. ASCII haystacks
/// and needles are both lowercase. Plain byte loops over short fields are
/// several times cheaper than the matcher, which also scores.
fn ascii_match(mode: Mode, haystack: Utf32Str<'_>, needle: Utf32Str<'_>) -> Option<bool> {
    let (Utf32Str::Ascii(haystack), Utf32Str::Ascii(needle)) = (haystack, needle) else {
        return None;
    };
    if needle.len() > haystack.len() {
        return Some(false);
    }
    Some(match mode {
        Mode::Fuzzy => {
            let mut rest = haystack;
            for &c in needle {
                let Some(i) = find_byte(rest, c) else {
                    return Some(false);
                };
                rest = &rest[i + 1..];
            }
            true
        }
        Mode::Substring => {
            let Some(&first) = needle.first() else {
                return Some(true);
            };
            let last_start = haystack.len() - needle.len();
            let mut from = 0;
            while let Some(i) = find_byte(&haystack[from..=last_start], first) {
                let at = from + i;
                if bytes_eq(&haystack[at..at + needle.len()], needle) {
                    return Some(true);
                }
                from = at + 1;
            }
            false
        }
        Mode::Prefix => {
            let lead = match (haystack.first(), needle.first()) {
                (Some(h), Some(n)) if h.is_ascii_whitespace() && !n.is_ascii_whitespace() => {
                    haystack
                        .iter()
                        .position(|b| !b.is_ascii_whitespace())
                        .unwrap_or(0)
                }
                _ => 0,
            };
            let rest = &haystack[lead..];
            rest.len() >= needle.len() && bytes_eq(&rest[..needle.len()], needle)
        }
    })
}

/// Equality of short byte strings, without a call to `memcmp`.
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Position of the first `c` in `haystack`, eight bytes at a time: XOR with
/// `c` zeroes matching bytes, and the has-zero-byte trick finds the first.
/// (Fields are short: this beats memchr's per-call set-up.)
fn find_byte(haystack: &[u8], c: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(c);
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let diff = word ^ pattern;
        let zeros = diff.wrapping_sub(ONES) & !diff & HIGHS;
        if zeros != 0 {
            return Some(offset + zeros.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    let tail = chunks.remainder();
    tail.iter().position(|&b| b == c).map(|i| offset + i)
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
    values: Vec<Span>,
    /// Per field: categorical values already stored → index in `values`.
    interned: [HashMap<Box<str>, u32>; Field::ALL.len()],
    scratch: Vec<char>,
}

impl Arena {
    fn add(&mut self, field: Field, text: &str) -> Span {
        if !field.is_categorical() {
            return self.store(field, text);
        }
        let value = match self.interned[field as usize].get(text) {
            Some(&value) => value,
            None => {
                let value = to_u32(self.values.len());
                let span = self.store(field, text);
                self.values.push(span);
                self.interned[field as usize].insert(text.into(), value);
                value
            }
        };
        Span {
            start: value,
            len: self.values[value as usize].len,
            field,
            store: Store::Value,
        }
    }

    fn store(&mut self, field: Field, text: &str) -> Span {
        let (start, len, store) = if text.is_ascii() {
            let bytes = &text.as_bytes()[..text.len().min(MAX_FIELD_LEN)];
            let start = to_u32(self.ascii.len());
            self.ascii.extend(bytes.iter().map(u8::to_ascii_lowercase));
            (start, bytes.len(), Store::Ascii)
        } else {
            self.scratch.clear();
            self.scratch
                .extend(chars::graphemes(text).take(MAX_FIELD_LEN));
            if self.scratch.iter().all(char::is_ascii) {
                // Only combining marks were non-ASCII: one byte per cluster.
                let start = to_u32(self.ascii.len());
                self.ascii
                    .extend(self.scratch.iter().map(|&c| (c as u8).to_ascii_lowercase()));
                (start, self.scratch.len(), Store::Ascii)
            } else {
                let start = to_u32(self.wide.len());
                self.wide.extend_from_slice(&self.scratch);
                (start, self.scratch.len(), Store::Wide)
            }
        };
        Span {
            start,
            len: len as u16,
            field,
            store,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short strings over a small alphabet with the interesting classes:
    /// both cases, digits, separators, whitespace.
    fn strings(seed: u64, count: usize, max_len: usize) -> Vec<String> {
        const ALPHABET: &[u8] = b"abcABC-_/: .1xyZ";
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        (0..count)
            .map(|_| {
                let len = next() % (max_len + 1);
                (0..len)
                    .map(|_| ALPHABET[next() % ALPHABET.len()] as char)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn ascii_checks_agree_with_the_matcher() {
        let mut matcher = new_matcher();
        // Stored ASCII text is lowercase.
        let haystacks: Vec<String> = strings(1, 300, 24)
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let needles: Vec<String> = strings(2, 60, 4)
            .into_iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        for haystack in &haystacks {
            for needle in &needles {
                let (h, n) = (
                    Utf32Str::Ascii(haystack.as_bytes()),
                    Utf32Str::Ascii(needle.as_bytes()),
                );
                for mode in [Mode::Fuzzy, Mode::Substring, Mode::Prefix] {
                    let expected = run(&mut matcher, mode, h, n, None).is_some();
                    assert_eq!(
                        ascii_match(mode, h, n),
                        Some(expected),
                        "{mode:?} {needle:?} in {haystack:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn max_quality_bounds_every_score() {
        let mut matcher = new_matcher();
        let mut haystacks: Vec<String> = strings(3, 400, 40)
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        haystacks.extend(
            ["abc", "a", "ab abc", "x/abc", " abc", "ABC", "a-b-c", "aBc"].map(String::from),
        );
        let mut needles: Vec<String> = strings(4, 80, 8)
            .into_iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        needles.extend(["a", "abc", "ab", "a-b"].map(String::from));
        for haystack in &haystacks {
            for needle in &needles {
                let (h, n) = (
                    Utf32Str::Ascii(haystack.as_bytes()),
                    Utf32Str::Ascii(needle.as_bytes()),
                );
                for mode in [Mode::Fuzzy, Mode::Substring, Mode::Prefix] {
                    if let Some(q) = run(&mut matcher, mode, h, n, None) {
                        assert!(
                            u32::from(q) <= max_quality(needle.len()),
                            "{mode:?} {needle:?} in {haystack:?}: {q} > {}",
                            max_quality(needle.len())
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn find_byte_finds_the_first_match() {
        let text = b"the quick brown fox, jumps over 42 lazy dogs";
        for c in b"tqbx,j4 zs?".iter().copied() {
            assert_eq!(
                find_byte(text, c),
                text.iter().position(|&b| b == c),
                "{}",
                c as char
            );
        }
        assert_eq!(
            find_byte(b"\x80\x80\x80\x80\x80\x80\x80\x80\x00", 0),
            Some(8)
        );
        assert_eq!(find_byte(b"", b'a'), None);
    }
}
