//! The index's layout and its building: all documents' text packed into two arenas (ASCII and
//! wide characters), categorical values stored once, documents in tie-break order. Querying it
//! is in `ranking.rs`.

use std::collections::HashMap;

use nucleo_matcher::{chars, Utf32Str};

use super::{Field, SearchDoc};

/// Longer fields are cut (in grapheme clusters) to keep spans at 8 bytes.
const MAX_FIELD_LEN: usize = u16::MAX as usize;

/// One field of one document: where its text is and what it is.
#[derive(Clone, Copy, Debug)]
pub(super) struct Span {
    /// Offset in the arena, or index in `values`.
    pub(super) start: u32,
    /// In bytes (ASCII arena) or chars (wide arena): one per grapheme cluster.
    pub(super) len: u16,
    pub(super) field: Field,
    pub(super) store: Store,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Store {
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
    pub(super) values: Vec<Span>,
    /// All fields of all documents, document after document.
    spans: Vec<Span>,
    /// Document `i` (in stored order) has `spans[doc_spans[i]..doc_spans[i + 1]]`.
    doc_spans: Vec<u32>,
    /// Stored order → the caller's document index.
    pub(super) ids: Vec<u32>,
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
        let mut arena = Arena {
            ascii: Vec::with_capacity(self.ascii.len()),
            wide: Vec::with_capacity(self.wide.len()),
            ..Arena::default()
        };
        doc_spans.push(0);
        for &doc in &order {
            let fields = self.doc(doc);
            spans.extend(
                fields
                    .iter()
                    .map(|&span| copy(span, &self.ascii, &self.wide, &mut arena)),
            );
            doc_spans.push(to_u32(spans.len()));
        }
        // Categorical values move to the end of the arenas.
        for value in &mut self.values {
            *value = copy(*value, &self.ascii, &self.wide, &mut arena);
        }
        let (ascii, wide) = (arena.ascii, arena.wide);
        self.spans = spans;
        self.doc_spans = doc_spans;
        self.ascii = ascii;
        self.wide = wide;
        self.ids = order;
    }

    /// The index with some documents' fields replaced (`(id, document)`, ids as given to
    /// [`SearchIndex::new`]): the other documents' text is copied as prepared, not prepared
    /// again, so a save that changes one document of 100k costs a copy. `None` when a replaced
    /// document's name length or ref changed: its place in the tie-break order would move, and
    /// the index is built anew.
    pub fn replaced(&self, docs: &[(u32, SearchDoc)]) -> Option<SearchIndex> {
        let replacing: HashMap<u32, &SearchDoc> = docs.iter().map(|(id, d)| (*id, d)).collect();
        let mut arena = Arena {
            ascii: Vec::with_capacity(self.ascii.len() + 1024),
            wide: Vec::with_capacity(self.wide.len()),
            ..Arena::default()
        };
        // Categorical values by their prepared text; new ones are prepared in `fresh` and laid
        // out after the old ones.
        let mut known: HashMap<(Field, Vec<char>), u32> = self
            .values
            .iter()
            .enumerate()
            .map(|(i, &v)| ((v.field, self.text(v).chars().collect()), to_u32(i)))
            .collect();
        let mut fresh = Arena::default();
        let mut values = self.values.clone();
        let mut spans = Vec::with_capacity(self.spans.len());
        let mut doc_spans = Vec::with_capacity(self.doc_spans.len());
        doc_spans.push(0);
        for (stored, &id) in self.ids.iter().enumerate() {
            let old = self.doc(to_u32(stored));
            let Some(doc) = replacing.get(&id) else {
                spans.extend(
                    old.iter()
                        .map(|&span| copy(span, &self.ascii, &self.wide, &mut arena)),
                );
                doc_spans.push(to_u32(spans.len()));
                continue;
            };
            let first = spans.len();
            for (field, text) in &doc.fields {
                if !field.is_categorical() {
                    spans.push(arena.store(*field, text));
                    continue;
                }
                let prepared = fresh.store(*field, text);
                let key = (
                    *field,
                    text_in(prepared, &fresh.ascii, &fresh.wide)
                        .chars()
                        .collect(),
                );
                let value = *known.entry(key).or_insert_with(|| {
                    values.push(prepared);
                    to_u32(values.len() - 1)
                });
                spans.push(Span {
                    start: value,
                    len: values[value as usize].len,
                    field: *field,
                    store: Store::Value,
                });
            }
            let new = &spans[first..];
            let tie = |spans: &[Span]| {
                let find = |field| spans.iter().find(|s| s.field == field).copied();
                (find(Field::Name).map(|s| s.len), find(Field::Ref))
            };
            let ((old_len, old_ref), (new_len, new_ref)) = (tie(old), tie(new));
            let same_ref = match (old_ref, new_ref) {
                (Some(a), Some(b)) => {
                    self.text(a)
                        .chars()
                        .eq(text_in(b, &arena.ascii, &arena.wide).chars())
                }
                (a, b) => a.is_none() && b.is_none(),
            };
            if old_len != new_len || !same_ref {
                return None;
            }
            doc_spans.push(to_u32(spans.len()));
        }
        // Categorical values' text after the documents', as `sort_for_ties` lays it out.
        let old_values = self.values.len();
        for (i, value) in values.iter_mut().enumerate() {
            *value = match i < old_values {
                true => copy(*value, &self.ascii, &self.wide, &mut arena),
                false => copy(*value, &fresh.ascii, &fresh.wide, &mut arena),
            };
        }
        Some(SearchIndex {
            ascii: arena.ascii,
            wide: arena.wide,
            values,
            spans,
            doc_spans,
            ids: self.ids.clone(),
        })
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

    pub(super) fn doc(&self, doc: u32) -> &[Span] {
        let doc = doc as usize;
        &self.spans[self.doc_spans[doc] as usize..self.doc_spans[doc + 1] as usize]
    }

    pub(super) fn text(&self, span: Span) -> Utf32Str<'_> {
        match span.store {
            Store::Value => self.text(self.values[span.start as usize]),
            _ => text_in(span, &self.ascii, &self.wide),
        }
    }
}

pub(super) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("search index over 4 GiB of text or 4G fields")
}

/// The text of an ASCII or wide span in these arenas.
fn text_in<'a>(span: Span, ascii: &'a [u8], wide: &'a [char]) -> Utf32Str<'a> {
    let range = span.start as usize..span.start as usize + usize::from(span.len);
    match span.store {
        Store::Ascii => Utf32Str::Ascii(&ascii[range]),
        Store::Wide => Utf32Str::Unicode(&wide[range]),
        Store::Value => unreachable!("a categorical value's text is in `values`"),
    }
}

/// `span`'s text copied from these arenas to the end of `to`'s, as prepared; a categorical
/// span (an index into the values) is kept as it is.
fn copy(span: Span, ascii: &[u8], wide: &[char], to: &mut Arena) -> Span {
    let range = span.start as usize..span.start as usize + usize::from(span.len);
    let start = match span.store {
        Store::Ascii => {
            to.ascii.extend_from_slice(&ascii[range]);
            to.ascii.len() - usize::from(span.len)
        }
        Store::Wide => {
            to.wide.extend_from_slice(&wide[range]);
            to.wide.len() - usize::from(span.len)
        }
        Store::Value => return span,
    };
    Span {
        start: to_u32(start),
        ..span
    }
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
