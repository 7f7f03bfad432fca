//! A definition at a URL: asked for when the view is first shown (the page hands the request to
//! the app, which sends it to the providers), shown as `fetching …` meanwhile and `not fetched:
//! REASON` when it fails (Enter asks again); once the text arrives the view is an ordinary one.

use crate::tui::action::Action;
use crate::tui::widgets::detail::{line, PageLine, Tone};

#[derive(Clone, Debug, PartialEq)]
pub struct Remote {
    pub placeholder: String,
    pub url: String,
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
    pub fn new(placeholder: &str, url: &str) -> Remote {
        Remote {
            placeholder: placeholder.to_string(),
            url: url.to_string(),
            state: Fetch::NotAsked,
        }
    }

    /// The request to send when the view is shown: none once asked (until it failed).
    pub fn ask(&mut self) -> Option<Action> {
        if !matches!(self.state, Fetch::NotAsked | Fetch::Failed(_)) {
            return None;
        }
        self.state = Fetch::Waiting;
        Some(Action::FetchDefinition {
            placeholder: self.placeholder.clone(),
            url: self.url.clone(),
        })
    }

    pub fn lines(&self) -> Vec<PageLine> {
        match &self.state {
            Fetch::Failed(why) => vec![
                line(&[(&format!("not fetched: {why}"), Tone::Error)]),
                PageLine::default(),
                line(&[(&format!("{}: {}", self.placeholder, self.url), Tone::Muted)]),
                line(&[("enter: try again", Tone::Muted)]),
            ],
            _ => vec![line(&[(&format!("fetching {} …", self.url), Tone::Muted)])],
        }
    }

    /// The page's one-line summary before the text is here.
    pub fn summary(&self) -> (String, Tone) {
        match &self.state {
            Fetch::Failed(why) => (format!("not fetched: {why}"), Tone::Error),
            Fetch::Waiting => (format!("fetching {} …", self.url), Tone::Muted),
            _ => (format!("at {} (fetched when opened)", self.url), Tone::Base),
        }
    }
}
