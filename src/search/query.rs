//! The query grammar (see the module doc of [`crate::search`]).

use nucleo_matcher::{chars, Utf32Str, Utf32String};

use super::Field;

/// How a term is matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermKind {
    /// `word`: fuzzy in identifier-like fields, substring in free text.
    Fuzzy,
    /// `'word`, or a negated `!word`: substring of any field.
    Substring,
    /// `^word`: prefix of any field.
    Prefix,
    /// `owner:word` and friends: substring of that field only.
    Field(Field),
}

/// One whitespace-separated word of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// How the term matches.
    pub kind: TermKind,
    /// `!`: the document must not match.
    pub negated: bool,
    /// The word as typed, without its operators. Never empty.
    pub text: String,
    /// Lowercased, one char per grapheme cluster: what the matcher compares.
    pub(crate) needle: Utf32String,
    /// Whether haystack letters are reduced to their ASCII base (`ä` → `a`)
    /// before comparing: true unless the term itself has such letters.
    pub(crate) normalize: bool,
    /// Contains `:` or `/`, like a ref: a fuzzy word is then also looked
    /// for in refs (otherwise the name, which ends every ref, suffices).
    pub(crate) ref_like: bool,
}

/// How a term compares with one field's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Fuzzy,
    Substring,
    Prefix,
}

/// A parsed query: terms that must all match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// Terms in evaluation order: negations and field filters first, fuzzy
    /// words last (cheap rejections before costly scoring).
    pub terms: Vec<Term>,
}

impl Query {
    /// Parses any input; never fails. Empty terms (a lone `!`, `'`, `^`,
    /// `owner:`) are dropped.
    pub fn parse(input: &str) -> Query {
        let mut terms: Vec<Term> = input.split_whitespace().filter_map(Term::parse).collect();
        terms.sort_by_key(Term::cost);
        Query { terms }
    }

    /// True when the query matches every document.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// True when every document matching `self` also matches `older`, judged
    /// term by term: each of `older`'s terms is implied by one of ours. This
    /// is what makes searching only `older`'s matches safe (typing narrows).
    pub fn refines(&self, older: &Query) -> bool {
        older
            .terms
            .iter()
            .all(|old| self.terms.iter().any(|new| new.refines(old)))
    }
}

impl Term {
    fn parse(word: &str) -> Option<Term> {
        let (negated, rest) = match word.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        let (kind, text) = if let Some(text) = rest.strip_prefix('\'') {
            (TermKind::Substring, text)
        } else if let Some(text) = rest.strip_prefix('^') {
            (TermKind::Prefix, text)
        } else {
            match rest.split_once(':').and_then(|(name, value)| {
                let field = Field::ALL.into_iter().find(|f| {
                    f.filter_name()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                })?;
                Some((field, value))
            }) {
                Some((field, value)) => (TermKind::Field(field), value),
                // A negated fuzzy word would exclude nearly everything: it
                // negates a substring instead.
                None if negated => (TermKind::Substring, rest),
                None => (TermKind::Fuzzy, rest),
            }
        };
        if text.is_empty() {
            return None;
        }
        let lowered: Vec<char> = chars::graphemes(text).map(chars::to_lower_case).collect();
        let normalize = lowered.iter().all(|&c| chars::normalize(c) == c);
        let needle = if lowered.iter().all(char::is_ascii) {
            Utf32String::Ascii(lowered.iter().collect::<String>().into_boxed_str())
        } else {
            Utf32String::Unicode(lowered.into_boxed_slice())
        };
        Some(Term {
            kind,
            negated,
            text: text.to_owned(),
            needle,
            normalize,
            ref_like: text.contains([':', '/']),
        })
    }

    /// Evaluation order: cheap filters first.
    fn cost(&self) -> u8 {
        match (self.negated, self.kind) {
            (true, _) => 0,
            (false, TermKind::Field(_)) => 1,
            (false, TermKind::Substring | TermKind::Prefix) => 2,
            (false, TermKind::Fuzzy) => 3,
        }
    }

    pub(crate) fn needle(&self) -> Utf32Str<'_> {
        self.needle.slice(..)
    }

    /// How this term compares with a field of kind `field`, or `None` when it
    /// ignores that field.
    pub(crate) fn mode(&self, field: Field) -> Option<Mode> {
        match self.kind {
            TermKind::Fuzzy if field == Field::Ref => self.ref_like.then_some(Mode::Substring),
            TermKind::Fuzzy if field.is_fuzzy() => Some(Mode::Fuzzy),
            TermKind::Fuzzy | TermKind::Substring => Some(Mode::Substring),
            TermKind::Prefix => Some(Mode::Prefix),
            TermKind::Field(f) => (f == field).then_some(Mode::Substring),
        }
    }

    /// Whether every document matching `self` matches `old`.
    fn refines(&self, old: &Term) -> bool {
        if self.kind != old.kind
            || self.negated != old.negated
            || self.normalize != old.normalize
            || self.ref_like != old.ref_like
        {
            return false;
        }
        let new: Vec<char> = self.needle().chars().collect();
        let old: Vec<char> = old.needle().chars().collect();
        match (self.negated, self.kind) {
            // A longer prefix (or a longer substring, or a fuzzy word with
            // more letters around the old one) matches fewer fields.
            (false, TermKind::Prefix) => new.starts_with(&old),
            (false, _) => contains(&new, &old),
            // Excluding a shorter string excludes more.
            (true, TermKind::Prefix) => old.starts_with(&new),
            (true, _) => contains(&old, &new),
        }
    }
}

fn contains(haystack: &[char], needle: &[char]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}
