//! Search-as-you-type: each keystroke searches only what the previous one matched.

use std::sync::Arc;

use super::{Query, Results, SearchIndex};

/// Most recent queries whose matches are kept for narrowing. Enough to type a
/// word and backspace through it; each entry holds 4 bytes per match.
const HISTORY: usize = 16;

/// A search session over one index, for a filter box. It remembers recent
/// queries with all their matches: when the new query can only match a subset
/// of one of them (typing more letters of a word, adding a term, or
/// backspacing to a query seen before), only those matches are searched.
/// Results are identical to [`SearchIndex::search`].
pub struct Searcher {
    index: Arc<SearchIndex>,
    /// Oldest first: a query and the stored positions of all its matches.
    pub(super) history: Vec<(Query, Vec<u32>)>,
}

impl Searcher {
    /// A session over `index`.
    pub fn new(index: Arc<SearchIndex>) -> Self {
        Searcher {
            index,
            history: Vec::new(),
        }
    }

    /// The index searched.
    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// Forgets remembered matches.
    pub fn clear(&mut self) {
        self.history.clear();
    }

    /// Same as [`SearchIndex::search`], narrowing from a remembered query
    /// when possible.
    pub fn search(&mut self, query: &str, limit: usize) -> Results {
        let query = Query::parse(query);
        let base = self
            .history
            .iter()
            .rposition(|(older, _)| query.refines(older));
        let (matched, results) = match base {
            Some(i) => {
                // Queries after the base are no longer on the typing path.
                self.history.truncate(i + 1);
                self.index.run(&query, Some(&self.history[i].1), limit)
            }
            None => {
                self.history.clear();
                self.index.run(&query, None, limit)
            }
        };
        let same_as_base = base.is_some_and(|i| self.history[i].0 == query);
        // Matching everything gains nothing over a full scan.
        if !same_as_base && matched.len() < self.index.len() {
            if self.history.len() == HISTORY {
                self.history.remove(0);
            }
            self.history.push((query, matched));
        }
        results
    }
}
