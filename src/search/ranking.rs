//! Querying the index: a first pass that decides which documents match and bounds their
//! scores, a second that scores them by decreasing bound until the rest cannot compete, and the
//! hits with their highlights.

use nucleo_matcher::Matcher;
use rayon::prelude::*;

use super::index::{to_u32, Span, Store};
use super::matching::{ascii_match, max_quality, new_matcher, run};
use super::query::{Mode, Query, Term, TermKind};
use super::{Field, Highlight, Hit, Results, SearchIndex};

/// Work lists at least this long are split across cores; below it the
/// thread hand-off costs more than it saves.
const PARALLEL_MIN: usize = 8_192;
/// A term equal to the name outranks any other match, then one that is a
/// prefix of the name. Both dwarf the largest matcher score (u16 × weight 4).
const EXACT_NAME_BONUS: u32 = 1 << 22;
const PREFIX_NAME_BONUS: u32 = 1 << 20;

/// How one term matches one categorical value, computed once per query.
#[derive(Clone, Copy)]
struct ValueMatch {
    quality: Option<u16>,
    /// The prefix match's quality, for a value of a name-like field (see `name_tier`).
    prefix: Option<u16>,
}

/// Best field of a document for one term.
#[derive(Clone, Copy)]
struct Best {
    score: u32,
    /// Index into the document's spans (= slot in its `SearchDoc::fields`).
    slot: usize,
}

impl SearchIndex {
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

    /// How each term (outer) matches each categorical value (inner).
    fn value_qualities(&self, matcher: &mut Matcher, query: &Query) -> Vec<ValueMatch> {
        let mut qualities = Vec::with_capacity(query.terms.len() * self.values.len());
        for term in &query.terms {
            matcher.config.normalize = term.normalize;
            qualities.extend(self.values.iter().map(|&value| {
                ValueMatch {
                    quality: term
                        .mode(value.field)
                        .and_then(|mode| run(matcher, mode, self.text(value), term.needle(), None)),
                    prefix: self.prefix_quality(matcher, term, value),
                }
            }));
        }
        qualities
    }

    /// The quality of `term` as a prefix of a name-like field, `None` when it is not one.
    fn prefix_quality(&self, matcher: &mut Matcher, term: &Term, span: Span) -> Option<u16> {
        if !span.field.is_name() || matches!(term.kind, TermKind::Field(_)) {
            return None;
        }
        let (name, needle) = (self.text(span), term.needle());
        if ascii_match(Mode::Prefix, name, needle) == Some(false) {
            return None;
        }
        matcher.prefix_match(name, needle)
    }

    /// Whether `term` matches one field. `values` holds the term's
    /// precomputed qualities for categorical values.
    fn is_match(
        &self,
        matcher: &mut Matcher,
        term: &Term,
        values: Option<&[ValueMatch]>,
        span: Span,
    ) -> bool {
        if let (Store::Value, Some(values)) = (span.store, values) {
            return values[span.start as usize].quality.is_some();
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
        values: Option<&[ValueMatch]>,
        span: Span,
    ) -> Option<u16> {
        if let (Store::Value, Some(values)) = (span.store, values) {
            return values[span.start as usize].quality;
        }
        let (mode, haystack, needle) = (term.mode(span.field)?, self.text(span), term.needle());
        if ascii_match(mode, haystack, needle) == Some(false) {
            return None;
        }
        run(matcher, mode, haystack, needle, None)
    }

    /// A term equal to, or a prefix of, a name (an entity's name, an endpoint's
    /// path) outranks anything else: its
    /// score is the bonus plus the name's weight times the quality of that
    /// prefix match, and the other fields don't matter. This is known
    /// exactly in the first pass, so a query typed from the start of names
    /// only scores about `limit` documents in the second.
    fn name_tier(
        &self,
        matcher: &mut Matcher,
        term: &Term,
        values: Option<&[ValueMatch]>,
        spans: &[Span],
    ) -> Option<Best> {
        let needle_len = term.needle().len();
        spans.iter().enumerate().find_map(|(slot, &span)| {
            let quality = match (span.store, values) {
                (Store::Value, Some(values)) => values[span.start as usize].prefix,
                _ => self.prefix_quality(matcher, term, span),
            }?;
            let bonus = if needle_len == usize::from(span.len) {
                EXACT_NAME_BONUS
            } else {
                PREFIX_NAME_BONUS
            };
            let score = bonus + span.field.weight() * (u32::from(quality) + 1);
            Some(Best { score, slot })
        })
    }

    /// The best-scoring field of the document for a positive term. Ties go to
    /// the earlier field.
    fn best(
        &self,
        matcher: &mut Matcher,
        term: &Term,
        values: Option<&[ValueMatch]>,
        spans: &[Span],
    ) -> Option<Best> {
        matcher.config.normalize = term.normalize;
        if let Some(best) = self.name_tier(matcher, term, values, spans) {
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
    /// How each term matches the categorical values, if computed.
    values: Option<&'a [ValueMatch]>,
}

impl Scan<'_> {
    fn values(&self, term: usize) -> Option<&[ValueMatch]> {
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
            if let Some(best) = self.index.name_tier(matcher, term, values, spans) {
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

/// Ranking key: higher is better; score first, then stored position (lower wins).
fn key(score: u32, doc: u32) -> u64 {
    (u64::from(score) << 32) | u64::from(u32::MAX - doc)
}

fn unkey(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, u32::MAX - key as u32)
}

/// Stored position of the document behind a ranking key.
fn key_doc(key: u64) -> u32 {
    unkey(key).1
}
