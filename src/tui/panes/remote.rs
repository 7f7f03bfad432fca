//! Something a pane shows from a URL (an API definition, a TechDocs site): asked for when first
//! shown (the pane hands the request to the app, which sends it to the providers on their tokio
//! runtime), shown as `fetching …` meanwhile and `not fetched: REASON` when it fails (Enter asks
//! again); drawing never waits. Once it arrives the pane shows it as it would a local one.

use crate::tui::action::{Action, Wanted};
use crate::tui::widgets::detail::{line, PageLine, Tone};

#[derive(Clone, Debug, PartialEq)]
pub struct Remote {
    pub wanted: Wanted,
    pub state: Fetch,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Fetch {
    NotAsked,
    Waiting,
    Failed(String),
    Done,
}

impl Remote {
    pub fn new(wanted: Wanted) -> Remote {
        Remote {
            wanted,
            state: Fetch::NotAsked,
        }
    }

    /// The request to send when it is shown: none once asked (until it failed).
    pub fn ask(&mut self) -> Option<Action> {
        if !matches!(self.state, Fetch::NotAsked | Fetch::Failed(_)) {
            return None;
        }
        self.state = Fetch::Waiting;
        Some(Action::Fetch(self.wanted.clone()))
    }

    /// Still to come (or coming, or failed): what the pane shows instead.
    pub fn pending(&self) -> bool {
        self.state != Fetch::Done
    }

    /// The answer: `Err` keeps why, for the pane to say.
    pub fn arrived<T>(&mut self, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => {
                self.state = Fetch::Done;
                Some(value)
            }
            Err(why) => {
                self.state = Fetch::Failed(why);
                None
            }
        }
    }

    pub fn lines(&self) -> Vec<PageLine> {
        let url = self.wanted.url();
        match &self.state {
            Fetch::Failed(why) => vec![
                line(&[(&format!("not fetched: {why}"), Tone::Error)]),
                PageLine::default(),
                line(&[(&format!("{}: {url}", self.wanted.label()), Tone::Muted)]),
                line(&[("enter: try again", Tone::Muted)]),
            ],
            _ => vec![line(&[(&format!("fetching {url} …"), Tone::Muted)])],
        }
    }

    /// A one-line summary before it is here.
    pub fn summary(&self) -> (String, Tone) {
        let url = self.wanted.url();
        match &self.state {
            Fetch::Failed(why) => (format!("not fetched: {why}"), Tone::Error),
            Fetch::Waiting => (format!("fetching {url} …"), Tone::Muted),
            _ => (format!("at {url} (fetched when opened)"), Tone::Base),
        }
    }
}
