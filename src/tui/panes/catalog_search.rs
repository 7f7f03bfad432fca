//! The catalog filter's search: over the entities and, once the loader has read every local API
//! definition, the endpoints; on a thread of its own in the running TUI. And how an endpoint
//! hit reads in the catalog list: `POST  /v1/refunds  refunds-api → payments-service
//! (team-payments)`, so "who serves this?" is answered by the row itself.

use crate::search::operations::{CatalogSearcher, Endpoint, Endpoints, Merged};
use crate::search::SearchIndex;
use crate::tui::priority::{lower_this_thread, Below};
use crate::tui::theme::Theme;
use crate::tui::widgets::detail::method_tone;
use ratatui::text::Span;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

/// The filter's search on a thread of its own: it gets the latest query (older ones still
/// queued are skipped, so fast typing costs one search), and answers with the results.
pub struct SearchWorker {
    queries: Sender<String>,
    results: Receiver<(String, Merged)>,
}

impl SearchWorker {
    pub fn spawn(
        index: Arc<SearchIndex>,
        endpoints: Option<Arc<Endpoints>>,
        limit: usize,
    ) -> SearchWorker {
        let (queries, incoming) = channel::<String>();
        let (answers, results) = channel();
        std::thread::Builder::new()
            .name("search".into())
            .spawn(move || {
                // Below the UI thread, so a key's frame (the text typed) is drawn first.
                lower_this_thread(Below::Search);
                let mut searcher = CatalogSearcher::new(index, endpoints.as_deref());
                // A pool of its own: the search must not wait behind the catalog loader's jobs
                // in rayon's global pool (reading 100k files keeps it busy for seconds).
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
                    .thread_name(|i| format!("search-{i}"))
                    .start_handler(|_| lower_this_thread(Below::Search))
                    .build()
                    .ok();
                while let Ok(mut query) = incoming.recv() {
                    while let Ok(newer) = incoming.try_recv() {
                        query = newer;
                    }
                    let results = match &pool {
                        Some(pool) => pool.install(|| searcher.search(&query, limit)),
                        None => searcher.search(&query, limit),
                    };
                    if answers.send((query, results)).is_err() {
                        break;
                    }
                }
            })
            .expect("spawning the search thread");
        SearchWorker { queries, results }
    }

    pub fn search(&self, query: String) {
        let _ = self.queries.send(query);
    }

    pub fn try_result(&self) -> Option<(String, Merged)> {
        self.results.try_recv().ok()
    }

    pub fn wait_result(&self) -> Option<(String, Merged)> {
        self.results.recv().ok()
    }
}

/// The method of an endpoint row, in the kind column, coloured as the definition view does.
pub fn method_cell(endpoint: &Endpoint, selected: bool, theme: &Theme) -> Span<'static> {
    let style = match selected {
        true => theme.selected,
        false => method_tone(&endpoint.method).style(theme),
    };
    Span::styled(endpoint.method.to_string(), style)
}
