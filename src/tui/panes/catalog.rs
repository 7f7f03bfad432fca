//! The catalog pane: every entity in a table (kind, name, owner, system, lifecycle, type, tags,
//! description), sortable, narrowed by kind (`:components`, ...) and by the `/` filter (the
//! search grammar).
//!
//! Speed at 100k entities: the view is a `Vec<Row>` of entity ids, never a copy of the catalog;
//! draw renders only the rows on screen; each keystroke of the filter goes through a
//! [`CatalogSearcher`], which narrows from the previous keystroke's matches; a sort column is
//! ranked once (a position per entity), after which sorting any view is sorting integers.
//!
//! The filter also finds endpoints (`POST /v1/refunds`, an operationId, a GraphQL field, an rpc,
//! a channel) once the loader has read the catalog's API definitions: each is a row under its
//! method, with its API, providers and owner (`catalog_search.rs`); Enter opens the API's
//! definition at that operation.

use super::catalog_search::{method_cell, SearchWorker};
use crate::catalog::{Catalog, Entity, EntityId};
use crate::format::thousands;
use crate::search::operations::{CatalogSearcher, Endpoints, Found, Merged};
use crate::search::{self, Field, SearchIndex};
use crate::tui::action::{Action, Data};
use crate::tui::text_input::TextInput;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor::ListCursor;
use crate::tui::widgets::panel::{bordered, draw_block};
use crate::tui::widgets::table::{shown, sort_mark, FitTable};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most filter matches kept in the view, best first. Computing highlights for every match of a
/// one-letter filter at 100k entities would cost more than a keystroke's budget; past this the
/// title says "best N of M" and typing more narrows it.
pub const MATCH_LIMIT: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// Best match first (only with a filter).
    Relevance,
    Kind,
    Name,
    Owner,
    System,
    Lifecycle,
    Type,
    Tags,
}

impl SortKey {
    const COLUMNS: [SortKey; 7] = [
        SortKey::Kind,
        SortKey::Name,
        SortKey::Owner,
        SortKey::System,
        SortKey::Lifecycle,
        SortKey::Type,
        SortKey::Tags,
    ];

    pub fn title(self) -> &'static str {
        match self {
            SortKey::Relevance => "relevance",
            SortKey::Kind => "KIND",
            SortKey::Name => "NAME",
            SortKey::Owner => "OWNER",
            SortKey::System => "SYSTEM",
            SortKey::Lifecycle => "LIFECYCLE",
            SortKey::Type => "TYPE",
            SortKey::Tags => "TAGS",
        }
    }

    fn text(self, entity: &Entity) -> String {
        match self {
            SortKey::Relevance | SortKey::Name => entity.name().to_lowercase(),
            SortKey::Kind => str::to_lowercase(&entity.kind),
            SortKey::Owner => entity.owner().unwrap_or_default().to_lowercase(),
            SortKey::System => entity.system().unwrap_or_default().to_lowercase(),
            SortKey::Lifecycle => entity.lifecycle().unwrap_or_default().to_lowercase(),
            SortKey::Type => entity.spec_type().unwrap_or_default().to_lowercase(),
            SortKey::Tags => entity.tags().collect::<Vec<_>>().join(",").to_lowercase(),
        }
    }
}

/// A row of the view: an entity and, with a filter, the index of its name highlights; or an
/// endpoint (an index into [`Endpoints`]) and its API as `id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: EntityId,
    hit: u32,
    endpoint: u32,
}

const NO_HIT: u32 = u32::MAX;
const NO_ENDPOINT: u32 = u32::MAX;

/// The kinds `:components` and friends narrow to.
pub const KIND_COMMANDS: [(&str, &str); 9] = [
    ("components", "Component"),
    ("apis", "API"),
    ("resources", "Resource"),
    ("systems", "System"),
    ("domains", "Domain"),
    ("groups", "Group"),
    ("users", "User"),
    ("locations", "Location"),
    ("templates", "Template"),
];

#[derive(Default)]
pub struct CatalogPane {
    /// Only entities of this kind (as Backstage spells it), from `:components` etc.
    pub kind: Option<&'static str>,
    pub filter: TextInput,
    /// The `/` filter has the keyboard.
    pub editing: bool,
    pub sort: Option<SortKey>,
    pub reverse: bool,
    pub rows: Vec<Row>,
    /// Name highlights of the rows with a filter, by `Row::hit`.
    highlights: Vec<Box<[u32]>>,
    /// Search matches before the kind filter and the limit.
    pub matches: usize,
    pub list: ListCursor,
    /// Columns scrolled sideways (when the table is wider than the pane).
    pub hscroll: usize,
    searcher: Option<CatalogSearcher>,
    /// The catalog's endpoints, once read (after the search index).
    endpoints: Option<Arc<Endpoints>>,
    /// In the running TUI the search runs on its own thread, so typing never waits for it.
    worker: Option<SearchWorker>,
    /// The query sent to the worker whose results have not come back, and when it was sent.
    pending: Option<(String, Instant)>,
    /// Enter was pressed before the search index existed: open the best match of the filter as
    /// soon as it is searched, rather than whatever row was selected before.
    open_when_searched: bool,
    /// The last search's rows in relevance order (kind applied), and the query they answer:
    /// changing the sort re-sorts these instead of searching again.
    searched: Option<(String, Vec<Row>)>,
    /// Per sort column: each entity's position in that order.
    ranks: HashMap<SortKey, Arc<Vec<u32>>>,
    /// How long the last refresh took (search + sort), shown beside the filter.
    pub last_refresh: Duration,
    /// Whether to show that time (off in snapshot tests, where it varies).
    pub show_timing: bool,
}

impl CatalogPane {
    pub fn new() -> CatalogPane {
        CatalogPane {
            show_timing: true,
            ..CatalogPane::default()
        }
    }

    /// The sort in force: the chosen one, else relevance with a filter, else by name.
    pub fn effective_sort(&self) -> SortKey {
        match self.sort {
            Some(SortKey::Relevance) if self.query().is_empty() => SortKey::Name,
            Some(sort) => sort,
            None if self.query().is_empty() => SortKey::Name,
            None => SortKey::Relevance,
        }
    }

    pub fn query(&self) -> &str {
        self.filter.text.trim()
    }

    pub fn selected(&self) -> Option<EntityId> {
        self.rows.get(self.list.cursor).map(|r| r.id)
    }

    /// What Enter opens: the selected entity's page, or an endpoint's definition at it.
    fn open_selected(&self) -> Option<Action> {
        let row = self.rows.get(self.list.cursor)?;
        match self
            .endpoints
            .as_ref()
            .filter(|_| row.endpoint != NO_ENDPOINT)
        {
            Some(endpoints) => Some(Action::OpenEndpoint {
                api: row.id,
                operation: endpoints.get(row.endpoint as usize).operation,
            }),
            None => Some(Action::OpenEntity(row.id)),
        }
    }

    /// Sets up the pane for a newly loaded catalog; with `background`, filter searches run on
    /// a thread of their own.
    /// A catalog to show; `name_ranks`, when the loader made them, are its name order.
    pub fn load(&mut self, data: &Data, background: bool, name_ranks: Option<Arc<Vec<u32>>>) {
        self.endpoints = data.endpoints.clone();
        self.start_search(data.index.clone(), background);
        self.ranks.clear();
        self.ranks
            .extend(name_ranks.map(|ranks| (SortKey::Name, ranks)));
        self.refresh(&data.catalog);
    }

    /// The search index arrived (after the catalog): a filter typed meanwhile runs now.
    pub fn set_index(&mut self, index: Arc<SearchIndex>, background: bool, catalog: &Catalog) {
        self.start_search(Some(index), background);
        self.refresh(catalog);
    }

    /// The endpoints arrived (after the search index): the filter searches them too, and the
    /// one on screen is searched again.
    pub fn set_endpoints(&mut self, endpoints: Arc<Endpoints>, data: &Data, background: bool) {
        self.endpoints = Some(endpoints);
        self.start_search(data.index.clone(), background);
        self.refresh(&data.catalog);
    }

    /// A searcher (and with `background` a worker) over the index and the endpoints known.
    fn start_search(&mut self, index: Option<Arc<SearchIndex>>, background: bool) {
        let endpoints = self.endpoints.clone();
        self.searcher = index
            .clone()
            .map(|index| CatalogSearcher::new(index, endpoints.as_deref()));
        self.worker = index
            .filter(|_| background)
            .map(|index| SearchWorker::spawn(index, endpoints, MATCH_LIMIT));
        self.searched = None;
        self.pending = None;
    }

    /// What to open now that the search an early Enter waited for has answered.
    pub fn take_open_request(&mut self) -> Option<Action> {
        if !self.open_when_searched || self.pending.is_some() {
            return None;
        }
        self.open_when_searched = false;
        self.open_selected()
    }

    /// Whether an Enter waits for the search index to know what to open: keys typed after it
    /// must wait too, or they would act on the list before the entity opens.
    pub fn waiting_to_open(&self) -> bool {
        self.open_when_searched
    }

    /// Whether a search is under way (the event loop then polls often).
    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }

    /// The query as searched: the kind goes into it, so the limit keeps the best of that kind.
    fn full_query(&self) -> String {
        match self.kind {
            Some(k) => format!("kind:{} {}", k.to_lowercase(), self.query()),
            None => self.query().to_string(),
        }
    }

    /// Recomputes the view from the kind, the filter and the sort. Keeps the selected entity
    /// selected when it is still in the view, else the cursor goes to the top. With a search
    /// worker, a new filter is sent to it and the view changes when [`CatalogPane::poll`] gets
    /// the answer.
    pub fn refresh(&mut self, catalog: &Catalog) {
        let started = Instant::now();
        if self.query().is_empty() {
            self.pending = None;
            self.searched = None;
            self.highlights.clear();
            let kind = self.kind;
            let ranks = self.ranks(catalog, self.effective_sort());
            // Everything (of the kind), straight from the column's order: no sort needed.
            let mut order = vec![0 as EntityId; ranks.len()];
            for (id, &rank) in ranks.iter().enumerate() {
                order[rank as usize] = id as EntityId;
            }
            let selected = self.rows.get(self.list.cursor).copied();
            self.rows = order
                .into_iter()
                .filter(|&id| kind.is_none_or(|k| catalog.entity(id).is_kind(k)))
                .map(|id| Row {
                    id,
                    hit: NO_HIT,
                    endpoint: NO_ENDPOINT,
                })
                .collect();
            self.matches = self.rows.len();
            if self.reverse {
                self.rows.reverse();
            }
            self.keep_selection(selected);
            self.last_refresh = started.elapsed();
            return;
        }
        let full = self.full_query();
        if self.searched.as_ref().is_some_and(|(q, _)| *q == full) {
            self.pending = None;
            self.arrange(catalog);
            return;
        }
        match &self.worker {
            Some(worker) => {
                if self.pending.as_ref().is_none_or(|(q, _)| *q != full) {
                    worker.search(full.clone());
                    self.pending = Some((full, started));
                }
            }
            None => match &mut self.searcher {
                Some(searcher) => {
                    let results = searcher.search(&full, MATCH_LIMIT);
                    self.apply(full, results, catalog);
                    self.last_refresh = started.elapsed();
                }
                // No index yet: the filter runs when it comes (see `set_index`).
                None => self.pending = Some((full, started)),
            },
        }
    }

    /// Takes the worker's answers; true when the view changed.
    pub fn poll(&mut self, catalog: &Catalog) -> bool {
        let mut changed = false;
        while let Some((query, results)) = self.worker.as_ref().and_then(SearchWorker::try_result) {
            changed |= self.take_result(query, results, catalog);
        }
        changed
    }

    /// Waits for the pending search (Enter right after typing opens what was typed). Without an
    /// index yet there is nothing to wait for: the search stays pending until the index comes.
    pub fn wait(&mut self, catalog: &Catalog) {
        while self.pending.is_some() {
            let answer = match &self.worker {
                Some(worker) => worker.wait_result(),
                None if self.searcher.is_none() => return,
                None => None,
            };
            let Some((query, results)) = answer else {
                self.pending = None;
                return;
            };
            self.take_result(query, results, catalog);
        }
    }

    /// Applies the worker's answer when it is to the pending search (not an earlier one); true
    /// when it was.
    fn take_result(&mut self, query: String, results: Merged, catalog: &Catalog) -> bool {
        let Some((pending, since)) = &self.pending else {
            return false;
        };
        if *pending != query {
            return false;
        }
        let since = *since;
        self.pending = None;
        self.apply(query, results, catalog);
        self.last_refresh = since.elapsed();
        true
    }

    /// Makes the search results the view.
    fn apply(&mut self, query: String, results: Merged, catalog: &Catalog) {
        let kind = self.kind;
        self.matches = results.total;
        self.highlights.clear();
        let mut rows = Vec::with_capacity(results.hits.len());
        for found in results.hits {
            let (id, endpoint, hit) = match (found, &self.endpoints) {
                (Found::Entity(hit), _) => (hit.doc as EntityId, NO_ENDPOINT, hit),
                (Found::Endpoint(hit), Some(endpoints)) => {
                    (endpoints.get(hit.doc).api, hit.doc as u32, hit)
                }
                (Found::Endpoint(_), None) => continue,
            };
            if endpoint == NO_ENDPOINT && !kind.is_none_or(|k| catalog.entity(id).is_kind(k)) {
                continue;
            }
            let named = match endpoint {
                NO_ENDPOINT => Field::Name,
                _ => Field::Path,
            };
            let positions = hit.positions(named).map(Box::from).unwrap_or_default();
            rows.push(Row {
                id,
                hit: self.highlights.len() as u32,
                endpoint,
            });
            self.highlights.push(positions);
        }
        self.searched = Some((query, rows));
        self.arrange(catalog);
    }

    /// Orders the searched rows by the sort in force.
    fn arrange(&mut self, catalog: &Catalog) {
        let selected = self.rows.get(self.list.cursor).copied();
        let mut rows = self
            .searched
            .as_ref()
            .map(|(_, rows)| rows.clone())
            .unwrap_or_default();
        let sort = self.effective_sort();
        if sort != SortKey::Relevance {
            let ranks = self.ranks(catalog, sort);
            rows.sort_unstable_by_key(|r| ranks[r.id as usize]);
        }
        if self.reverse {
            rows.reverse();
        }
        self.rows = rows;
        self.keep_selection(selected);
    }

    /// Puts the cursor on an entity when it is in the view.
    pub fn select(&mut self, id: EntityId, page: usize) {
        if let Some(at) = self
            .rows
            .iter()
            .position(|r| r.id == id && r.endpoint == NO_ENDPOINT)
        {
            self.list.cursor = at;
            self.list.clamp(self.rows.len(), page);
        }
    }

    fn keep_selection(&mut self, selected: Option<Row>) {
        self.list.cursor = selected
            .and_then(|s| {
                self.rows
                    .iter()
                    .position(|r| (r.id, r.endpoint) == (s.id, s.endpoint))
            })
            .unwrap_or(0);
    }

    /// Each entity's position when sorted by `key` (then kind, then name, then namespace),
    /// computed once per column.
    fn ranks(&mut self, catalog: &Catalog, key: SortKey) -> Arc<Vec<u32>> {
        let key = if key == SortKey::Relevance {
            SortKey::Name
        } else {
            key
        };
        self.ranks
            .entry(key)
            .or_insert_with(|| ranks_by(catalog, key))
            .clone()
    }

    pub fn set_kind(&mut self, kind: Option<&'static str>, catalog: &Catalog) {
        self.kind = kind;
        self.refresh(catalog);
    }

    /// Applies an action; `page` is the number of rows on screen.
    pub fn update(&mut self, action: &Action, catalog: &Catalog, page: usize) -> Option<Action> {
        if !matches!(action, Action::Open | Action::InputAccept) {
            // Any other key after an Enter that waits for the index means the user moved on.
            self.open_when_searched = false;
        }
        if self.list.apply(action, self.rows.len(), page) {
            return None;
        }
        if matches!(action, Action::Open | Action::InputAccept) {
            self.wait(catalog);
            if self.pending.is_some() {
                // No index yet (a large catalog just launched): open the match when it is known.
                self.editing = false;
                self.open_when_searched = true;
                return None;
            }
        }
        match action {
            Action::Open => return self.open_selected(),
            Action::StartFilter => {
                // A new filter, as `/` starts a new search in less and vim.
                self.editing = true;
                if !self.filter.is_empty() {
                    self.filter.clear();
                    self.refresh(catalog);
                }
            }
            Action::ClearFilter => {
                if self.filter.is_empty() && self.kind.is_none() {
                    return Some(Action::Back);
                }
                self.filter.clear();
                self.kind = None;
                self.editing = false;
                self.refresh(catalog);
            }
            Action::SortNext => {
                let current = self.effective_sort();
                let mut cycle: Vec<SortKey> = Vec::new();
                if !self.query().is_empty() {
                    cycle.push(SortKey::Relevance);
                }
                cycle.extend(SortKey::COLUMNS);
                let next = cycle
                    .iter()
                    .position(|s| *s == current)
                    .map_or(0, |i| (i + 1) % cycle.len());
                self.sort = Some(cycle[next]);
                self.reverse = false;
                self.refresh(catalog);
            }
            Action::SortReverse => {
                self.reverse = !self.reverse;
                self.refresh(catalog);
            }
            // The filter has the keyboard.
            Action::InputChar(c) => {
                self.filter.push(*c);
                self.refresh(catalog);
            }
            Action::InputBackspace => {
                self.filter.backspace();
                self.refresh(catalog);
            }
            Action::InputDeleteWord => {
                self.filter.delete_word();
                self.refresh(catalog);
            }
            Action::InputClear => {
                self.filter.clear();
                self.refresh(catalog);
            }
            Action::InputCancel => {
                self.editing = false;
                self.filter.clear();
                self.refresh(catalog);
            }
            Action::InputLeave => self.editing = false,
            Action::InputAccept => {
                self.editing = false;
                return self.open_selected();
            }
            _ => {}
        }
        self.list.clamp(self.rows.len(), page);
        None
    }

    /// The title: the kind, the count, the sort.
    fn title(&self, catalog: &Catalog) -> String {
        let what = match self.kind {
            Some(kind) => KIND_COMMANDS
                .iter()
                .find(|(_, k)| *k == kind)
                .map_or(kind, |(name, _)| *name)
                .to_string(),
            None => "all entities".to_string(),
        };
        let count = if self.query().is_empty() {
            format!("{}", self.rows.len())
        } else if self.matches > self.rows.len() && self.rows.len() == MATCH_LIMIT {
            format!(
                "best {} of {} matches",
                thousands(self.rows.len() as u64),
                thousands(self.matches as u64)
            )
        } else {
            let endpoints = self
                .rows
                .iter()
                .filter(|r| r.endpoint != NO_ENDPOINT)
                .count();
            let also = match endpoints {
                0 => String::new(),
                1 => " + 1 endpoint".to_string(),
                n => format!(" + {} endpoints", thousands(n as u64)),
            };
            format!(
                "{} of {}{also}",
                thousands((self.rows.len() - endpoints) as u64),
                thousands(catalog.len() as u64)
            )
        };
        let arrow = if self.reverse { "▼" } else { "▲" };
        format!(
            " Catalog: {what} ({count}) · sort {} {arrow} ",
            self.effective_sort().title().to_lowercase()
        )
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, data: &Data, theme: &Theme) {
        let catalog = &data.catalog;
        let inner = draw_block(frame, area, bordered(self.title(catalog), theme));
        let show_filter = self.editing || !self.filter.is_empty();
        let [filter_area, table_area] = self.areas(inner);
        if show_filter {
            let cursor = if self.editing { "▏" } else { "" };
            let line = Line::from(vec![
                Span::styled("/", theme.key),
                Span::styled(format!("{}{cursor}", self.filter.text), theme.base),
                Span::styled(
                    format!(
                        "   {} match{}{}{}",
                        thousands(self.matches as u64),
                        if self.matches == 1 { "" } else { "es" },
                        if self.show_timing {
                            format!(" · {:.1} ms", self.last_refresh.as_secs_f64() * 1000.0)
                        } else {
                            String::new()
                        },
                        if self.pending.is_some() && self.searcher.is_none() {
                            " · indexing for search…"
                        } else if self.pending.is_some() {
                            " · searching…"
                        } else if self.editing {
                            " · enter opens, tab keeps, esc clears"
                        } else {
                            ""
                        }
                    ),
                    theme.muted,
                ),
            ]);
            frame.render_widget(Paragraph::new(line), filter_area);
        }
        if self.rows.is_empty() {
            let text = if self.query().is_empty() {
                "no entities"
            } else {
                "no match (esc clears the filter)"
            };
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), table_area);
            return;
        }
        self.table(catalog, table_area, theme).draw(
            frame,
            table_area,
            theme.table_header,
            self.hscroll,
        );
    }

    /// The filter line (when a filter shows) and the table, in the area inside the border.
    pub fn areas(&self, inner: Rect) -> [Rect; 2] {
        let show_filter = self.editing || !self.filter.is_empty();
        Layout::vertical([
            Constraint::Length(u16::from(show_filter)),
            Constraint::Min(0),
        ])
        .areas(inner)
    }

    /// The rows on screen in a table in `area`: every sortable column, then the description,
    /// which takes what room is left.
    pub fn table(&self, catalog: &Catalog, area: Rect, theme: &Theme) -> FitTable<'_> {
        let sort = self.effective_sort();
        let mut titles: Vec<String> = SortKey::COLUMNS
            .iter()
            .map(|&key| format!("{}{}", key.title(), sort_mark(key == sort, self.reverse)))
            .collect();
        titles.push("DESCRIPTION".into());
        let rows = shown(&self.rows, &self.list, area).map(|(i, row)| {
            let entity = catalog.entity(row.id);
            let selected = i == self.list.cursor;
            let highlights = self
                .highlights
                .get(row.hit as usize)
                .map(|h| &h[..])
                .unwrap_or_default();
            let (base, matched) = if selected {
                (
                    theme.selected,
                    theme
                        .selected
                        .add_modifier(ratatui::style::Modifier::UNDERLINED),
                )
            } else {
                (theme.base, theme.matched)
            };
            let text = |t: Option<&str>| Line::from(t.unwrap_or_default().to_string());
            if let Some(endpoint) = self.endpoint(row) {
                // The method in the kind column, the path in the name's, the providers' owner
                // in the owner's and the API with its providers in the system's: in sight at
                // any width.
                let served = endpoint.served_by(catalog);
                let mut cells = vec![Line::default(); SortKey::COLUMNS.len() + 1];
                cells[0] = Line::from(method_cell(endpoint, selected, theme));
                cells[1] = highlighted(&endpoint.path, highlights, base, matched);
                cells[2] = text(served.owner);
                cells[3] = Line::from(match served.providers.is_empty() {
                    true => served.api.to_string(),
                    false => format!("{} → {}", served.api, served.providers.join(", ")),
                });
                return (cells, base);
            }
            let mut cells: Vec<Line> = SortKey::COLUMNS
                .iter()
                .map(|column| match column {
                    SortKey::Name => highlighted(entity.name(), highlights, base, matched),
                    SortKey::Kind => Line::from(entity.kind.to_string()),
                    SortKey::Owner => text(entity.owner()),
                    SortKey::System => text(entity.system()),
                    SortKey::Lifecycle => text(entity.lifecycle()),
                    SortKey::Type => text(entity.spec_type()),
                    SortKey::Tags | SortKey::Relevance => {
                        Line::from(entity.tags().collect::<Vec<_>>().join(", "))
                    }
                })
                .collect();
            cells.push(text(entity.description()));
            (cells, base)
        });
        FitTable {
            titles,
            flex: SortKey::COLUMNS.len(),
            cap: 32,
            rows: rows.collect(),
        }
    }

    /// The endpoint a row shows, if it is an endpoint's row.
    fn endpoint(&self, row: &Row) -> Option<&crate::search::operations::Endpoint> {
        let endpoints = self.endpoints.as_ref()?;
        (row.endpoint != NO_ENDPOINT).then(|| endpoints.get(row.endpoint as usize))
    }
}

/// A text with the characters at grapheme `positions` styled as matches.
pub fn highlighted(text: &str, positions: &[u32], base: Style, matched: Style) -> Line<'static> {
    if positions.is_empty() {
        return Line::from(Span::styled(text.to_string(), base));
    }
    let mut spans = Vec::new();
    let mut at = 0;
    for range in search::byte_ranges(text, positions) {
        if range.start > at {
            spans.push(Span::styled(text[at..range.start].to_string(), base));
        }
        spans.push(Span::styled(text[range.clone()].to_string(), matched));
        at = range.end;
    }
    if at < text.len() {
        spans.push(Span::styled(text[at..].to_string(), base));
    }
    Line::from(spans)
}

/// Each entity's place in the catalog sorted by `key` (then kind, name, namespace). One string
/// per entity (lower-cased, NUL apart): one allocation each, and sorting compares bytes. On the
/// calling thread: the UI thread must not queue behind the loader's rayon jobs (the loader makes
/// the name order itself, on every core, with [`name_ranks`]).
fn ranks_by(catalog: &Catalog, key: SortKey) -> Arc<Vec<u32>> {
    let mut keys: Vec<(String, u32)> = catalog
        .entities
        .iter()
        .enumerate()
        .map(|(id, e)| (sort_text(e, key), id as u32))
        .collect();
    keys.sort_unstable();
    Arc::new(to_ranks(keys))
}

/// The name order of [`ranks_by`], made on every core (the loader's, before the catalog is sent).
pub fn name_ranks(catalog: &Catalog) -> Arc<Vec<u32>> {
    use rayon::prelude::*;
    let mut keys: Vec<(String, u32)> = catalog
        .entities
        .par_iter()
        .enumerate()
        .map(|(id, e)| (sort_text(e, SortKey::Name), id as u32))
        .collect();
    keys.par_sort_unstable();
    Arc::new(to_ranks(keys))
}

fn sort_text(e: &Entity, key: SortKey) -> String {
    format!(
        "{}\0{}\0{}\0{}",
        key.text(e),
        e.kind,
        e.name(),
        e.namespace()
    )
    .to_lowercase()
}

fn to_ranks(sorted: Vec<(String, u32)>) -> Vec<u32> {
    let mut ranks = vec![0u32; sorted.len()];
    for (rank, (_, id)) in sorted.into_iter().enumerate() {
        ranks[id as usize] = rank as u32;
    }
    ranks
}
