//! Actions: what keys, commands and background messages turn into. `App::update` applies one and
//! may return the next (a chain, like ratatui's component template).

use crate::catalog::{Catalog, EntityId};
use crate::search::operations::Endpoints;
use crate::search::SearchIndex;
use std::sync::Arc;
use std::time::Duration;

/// The sections of the portal, switched by number keys and `:` commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    Catalog,
    Dependencies,
    CiCd,
    Incidents,
    Cost,
    Templates,
    Docs,
    Problems,
    Scorecards,
    Dora,
    Maturity,
}

impl Section {
    pub const ALL: [Section; 11] = [
        Section::Catalog,
        Section::Dependencies,
        Section::CiCd,
        Section::Incidents,
        Section::Cost,
        Section::Templates,
        Section::Docs,
        Section::Problems,
        Section::Scorecards,
        Section::Dora,
        Section::Maturity,
    ];

    pub fn number(self) -> usize {
        Section::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    pub fn title(self) -> &'static str {
        match self {
            Section::Catalog => "Catalog",
            Section::Dependencies => "Dependencies",
            Section::CiCd => "CI/CD",
            Section::Incidents => "Incidents",
            Section::Cost => "Cost",
            Section::Templates => "Templates",
            Section::Docs => "Docs",
            Section::Problems => "Problems",
            Section::Scorecards => "Scorecards",
            Section::Dora => "DORA",
            Section::Maturity => "Maturity",
        }
    }

    /// For terminals too narrow for every title.
    pub fn short_title(self) -> &'static str {
        match self {
            Section::Catalog => "Cat",
            Section::Dependencies => "Deps",
            Section::Incidents => "Inc",
            Section::Templates => "Tmpl",
            Section::Problems => "Prob",
            Section::Scorecards => "Score",
            Section::Maturity => "Mat",
            other => other.title(),
        }
    }

    /// The section's default key, which its tab shows: 1-9, then 0 and M.
    pub fn key(self) -> &'static str {
        match self {
            Section::Catalog => "1",
            Section::Dependencies => "2",
            Section::CiCd => "3",
            Section::Incidents => "4",
            Section::Cost => "5",
            Section::Templates => "6",
            Section::Docs => "7",
            Section::Problems => "8",
            Section::Scorecards => "9",
            Section::Dora => "0",
            Section::Maturity => "M",
        }
    }
}

/// A loaded catalog with its search index and its endpoints, shared read-only by every pane.
/// The index comes a moment after the catalog (the list is on screen while it is built), the
/// endpoints after the index (every API definition is read for them).
pub struct Data {
    pub catalog: Arc<Catalog>,
    pub index: Option<Arc<SearchIndex>>,
    pub endpoints: Option<Arc<Endpoints>>,
}

impl Data {
    /// A catalog that is on screen at once; its index and endpoints follow.
    pub fn first(catalog: Arc<Catalog>) -> Data {
        Data {
            catalog,
            index: None,
            endpoints: None,
        }
    }

    /// Everything at once (tests and benches): the index and the endpoints built here.
    pub fn new(catalog: Catalog, index: SearchIndex) -> Data {
        let endpoints = Endpoints::build(&catalog);
        Data {
            catalog: Arc::new(catalog),
            index: Some(Arc::new(index)),
            endpoints: Some(Arc::new(endpoints)),
        }
    }
}

/// What the loader thread sends.
pub enum LoaderMsg {
    /// A catalog to show (the snapshot, then the fresh one).
    Catalog(LoadResult),
    /// The search index of that catalog.
    Index {
        catalog: Arc<Catalog>,
        index: Arc<SearchIndex>,
    },
    /// The endpoints of that catalog's API definitions (after its index).
    Endpoints {
        catalog: Arc<Catalog>,
        endpoints: Arc<Endpoints>,
    },
    /// What the loader is doing, or why no new catalog follows.
    Status(LoaderStatus),
}

/// What the loader is asked once the first catalog is loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum LoaderRequest {
    /// A watcher saw these files change (edited, created, deleted, renamed).
    Changed(Vec<std::path::PathBuf>),
    /// Read every source again (Ctrl-r, the refresh interval, a failed watch).
    ReadAll,
}

/// A catalog rebuilt around the files a save changed, not read whole.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Updated {
    /// Files read again.
    pub files: usize,
    /// From the request to the rebuilt catalog.
    pub took: Duration,
}

/// The loader's news without a catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoaderStatus {
    /// A line of progress ("backstage https://…: 3,000 of 10,000 entities").
    Progress(String),
    /// The sources are as the snapshot on screen says: it stays, and is current.
    Unchanged,
    /// A remote source cannot be reached: the snapshot on screen stays (why, in the text).
    Offline(String),
}

/// What the background loader sends: first the last snapshot when there is one (at once), then
/// the catalog freshly read from its sources.
pub struct LoadResult {
    pub data: Data,
    /// Paths that could not be read at all.
    pub unreadable: Vec<String>,
    /// Time from launch to this result.
    pub elapsed: Duration,
    /// For a snapshot: how old it is (the fresh catalog follows).
    pub snapshot_age: Option<Duration>,
    /// Things the loader could not do but worked around (an unreadable snapshot).
    pub warnings: Vec<String>,
    /// When only the files a save changed were read again.
    pub updated: Option<Updated>,
    /// The catalog's name order, when the loader made it (on every core, off the UI thread).
    pub name_ranks: Option<Arc<Vec<u32>>>,
}

impl LoadResult {
    /// A catalog freshly read from its sources.
    pub fn fresh(data: Data, unreadable: Vec<String>, elapsed: Duration) -> LoadResult {
        LoadResult {
            data,
            unreadable,
            elapsed,
            snapshot_age: None,
            warnings: Vec::new(),
            updated: None,
            name_ranks: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    // Application-wide.
    Quit,
    Suspend,
    ShowHelp,
    OpenCommand,
    GoSection(Section),
    Back,
    Forward,
    // Movement in any list or page.
    Up,
    Down,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    Open,
    /// The page of the entity the selected row (or relation) names (`g d`).
    GoToEntity,
    /// The file behind the selection in the user's editor, at its line.
    Edit,
    /// The selection's reference (or URL) to the clipboard.
    Copy,
    /// A list's preview of the selected row: shown or hidden.
    TogglePreview,
    /// A table wider than its pane: a column left or right, to the first or the last.
    ScrollLeft,
    ScrollRight,
    ScrollStart,
    ScrollEnd,
    // Catalog.
    StartFilter,
    ClearFilter,
    SortNext,
    SortReverse,
    // Dependencies.
    Expand,
    Collapse,
    ToggleNode,
    ReverseTree,
    NextRelation,
    DepthMore,
    DepthLess,
    // Docs; CI/CD (refresh).
    Reload,
    // Docs: the page's links, the site's pages, the page's headings.
    NextLink,
    PrevLink,
    TogglePages,
    ToggleOutline,
    // CI/CD.
    Rerun,
    OpenInBrowser,
    // A yes/no question (a rerun).
    Yes,
    No,
    // Templates: the list, the form and its pages.
    Details,
    NextField,
    PrevField,
    Toggle,
    NextPage,
    PrevPage,
    DryRun,
    Launch,
    // Cost: per team / per service.
    ToggleCostBy,
    // Incidents: the incident view of the entity on screen, the actions (each asks first), and
    // the inbox.
    IncidentView,
    Acknowledge,
    Resolve,
    Trigger,
    ToggleInbox,
    // An API's definition on its page: its text or its operations; a search's next and previous
    // match.
    ToggleRaw,
    NextMatch,
    PreviousMatch,
    // Text input.
    InputAccept,
    InputCancel,
    InputLeave,
    InputBackspace,
    InputDeleteWord,
    InputClear,
    InputChar(char),
    // Produced by the app itself, never bound to keys.
    OpenEntity(EntityId),
    /// An API's definition view at one of its operations (an endpoint found by the filter).
    OpenEndpoint {
        api: EntityId,
        operation: u32,
    },
    /// Make this entity the one the panes are about, staying in the section (a team's service).
    FocusEntity(EntityId),
    /// Open an http(s) URL in the user's browser.
    OpenUrl(String),
    RunCommand(String),
    /// Fetch what a pane shows from a URL (`panes::remote`): for the entity page on screen, or
    /// the Docs pane's entity.
    Fetch(Wanted),
    Resize(u16, u16),
    Error(String),
}

/// What a pane asks the providers for at a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// The definition of the entity page on screen (`placeholder` says what to make of the text).
    Definition { placeholder: String, url: String },
    /// The Docs pane's TechDocs site (`backstage.io/techdocs-ref: url:`).
    DocsSite { url: String },
}

impl Wanted {
    pub fn url(&self) -> &str {
        match self {
            Wanted::Definition { url, .. } | Wanted::DocsSite { url } => url,
        }
    }

    /// What names the URL in the entity, for messages.
    pub fn label(&self) -> &str {
        match self {
            Wanted::Definition { placeholder, .. } => placeholder,
            Wanted::DocsSite { .. } => "backstage.io/techdocs-ref: url",
        }
    }

    /// The providers' request, for the entity `entity_key`.
    pub fn request(&self, entity_key: String) -> crate::providers::Request {
        match self.clone() {
            Wanted::Definition { placeholder, url } => crate::providers::Request::Definition {
                entity_key,
                placeholder,
                url,
            },
            Wanted::DocsSite { url } => crate::providers::Request::DocsSite { entity_key, url },
        }
    }
}
