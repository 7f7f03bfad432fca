//! `/` in the definition view: a query typed over the lines on screen (operations, a detail or the
//! raw text), its matches marked, the cursor on the first match from where the search began;
//! Enter or `n` the next match, `N` the previous, Tab keeps the query and gives the keys back,
//! Esc leaves the search.

use crate::tui::text_input::TextInput;
use crate::tui::widgets::detail::PageLine;
use std::ops::Range;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Search {
    pub input: TextInput,
    /// The query has the keyboard.
    pub typing: bool,
    /// The line the search began on: typing finds the first match from there, so each key
    /// refines the same place rather than walking down the text.
    pub origin: usize,
    /// The lines that match, in order.
    pub hits: Vec<usize>,
}

impl Search {
    pub fn start(origin: usize) -> Search {
        Search {
            typing: true,
            origin,
            ..Search::default()
        }
    }

    pub fn active(&self) -> bool {
        self.typing || !self.input.is_empty()
    }

    pub fn query(&self) -> &str {
        &self.input.text
    }

    /// Finds the matching lines again (the query or the lines changed).
    pub fn refresh(&mut self, lines: &[PageLine]) {
        let query = self.query();
        self.hits = if query.is_empty() {
            Vec::new()
        } else {
            lines
                .iter()
                .enumerate()
                .filter(|(_, l)| !find_all(&line_text(l), query).is_empty())
                .map(|(i, _)| i)
                .collect()
        };
    }

    /// The first match at or after `from`, wrapping round; after (or before, `back`) it when
    /// `skip` is set.
    pub fn next_from(&self, from: usize, skip: bool, back: bool) -> Option<usize> {
        if back {
            let before = |&&i: &&usize| if skip { i < from } else { i <= from };
            self.hits
                .iter()
                .rev()
                .find(before)
                .or(self.hits.last())
                .copied()
        } else {
            let after = |&&i: &&usize| if skip { i > from } else { i >= from };
            self.hits.iter().find(after).or(self.hits.first()).copied()
        }
    }

    /// `3 of 12` (the cursor's match), `no match`, or nothing before a query is typed.
    pub fn status(&self, cursor: usize) -> String {
        if self.query().is_empty() {
            return String::new();
        }
        match self.hits.iter().position(|&i| i == cursor) {
            Some(at) => format!("{} of {}", at + 1, self.hits.len()),
            None if self.hits.is_empty() => "no match".into(),
            None => format!("{} matches", self.hits.len()),
        }
    }
}

/// A line's text as drawn: its pieces joined.
pub fn line_text(line: &PageLine) -> String {
    line.spans.iter().map(|(t, _)| t.as_str()).collect()
}

/// Where `query` occurs in `text`, as byte ranges. Smart case, as in vim and less: a query with
/// an upper-case letter matches case exactly, else ASCII case is ignored (byte for byte, so a
/// range always falls on character boundaries).
pub fn find_all(text: &str, query: &str) -> Vec<Range<usize>> {
    let (text_b, query_b) = (text.as_bytes(), query.as_bytes());
    if query_b.is_empty() || query_b.len() > text_b.len() {
        return Vec::new();
    }
    let exact = query.chars().any(char::is_uppercase);
    let same = |a: &[u8]| {
        if exact {
            a == query_b
        } else {
            a.eq_ignore_ascii_case(query_b)
        }
    };
    let mut out = Vec::new();
    let mut at = 0;
    while at + query_b.len() <= text_b.len() {
        if text.is_char_boundary(at) && same(&text_b[at..at + query_b.len()]) {
            out.push(at..at + query_b.len());
            at += query_b.len();
        } else {
            at += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::widgets::detail::{line, Tone};

    #[test]
    fn smart_case_and_utf8_safe() {
        assert_eq!(
            find_all("GET /Orders/orders", "orders"),
            vec![5..11, 12..18]
        );
        assert_eq!(find_all("GET /Orders/orders", "Orders"), vec![5..11]);
        assert_eq!(find_all("é→orders", "orders"), vec![5..11]);
        assert!(find_all("abc", "").is_empty());
    }

    #[test]
    fn next_and_previous_wrap_round() {
        let lines: Vec<PageLine> = ["a x", "b", "c x", "d x"]
            .iter()
            .map(|t| line(&[(t, Tone::Base)]))
            .collect();
        let mut search = Search::start(1);
        "x".chars().for_each(|c| search.input.push(c));
        search.refresh(&lines);
        assert_eq!(search.hits, vec![0, 2, 3]);
        assert_eq!(search.next_from(1, false, false), Some(2));
        assert_eq!(search.next_from(3, true, false), Some(0));
        assert_eq!(search.next_from(0, true, true), Some(3));
        assert_eq!(search.status(2), "2 of 3");
        assert_eq!(search.status(1), "3 matches");
    }
}
