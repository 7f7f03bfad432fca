//! A definition at a URL: asked for when the view is first shown (the page hands the request to
//! the app, which sends it to the providers), shown as `fetching …` meanwhile and `not fetched:
//! REASON` when it fails (Enter asks again); once the text arrives the view is an ordinary one.

use super::{ApiView, Mode, Search};
use crate::apidef;
use crate::tui::action::Action;
use crate::tui::widgets::cursor::ListCursor;
use crate::tui::widgets::detail::{line, PageLine, Tone};

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Remote {
    pub placeholder: String,
    pub url: String,
    pub state: Fetch,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Fetch {
    NotAsked,
    Waiting,
    Failed(String),
    Done,
}

impl ApiView {
    /// The view of a definition at `url`, not fetched yet.
    pub fn at_url(title: String, spec_type: &str, placeholder: &str, url: &str) -> ApiView {
        let mut view = ApiView {
            title,
            spec_type: spec_type.to_string(),
            text: String::new(),
            parsed: apidef::outline("", ""),
            full: None,
            mode: Mode::Operations,
            lines: Vec::new(),
            opens: Vec::new(),
            list: ListCursor::default(),
            kept: ListCursor::default(),
            search: Search::default(),
            remote: Some(Remote {
                placeholder: placeholder.to_string(),
                url: url.to_string(),
                state: Fetch::NotAsked,
            }),
        };
        view.rebuild();
        view
    }

    /// Still to be fetched (or fetching, or failed): what the view shows instead of the text.
    pub(super) fn pending(&self) -> Option<&Remote> {
        self.remote.as_ref().filter(|r| r.state != Fetch::Done)
    }

    /// The request to send when the view is shown: none once asked (until it failed).
    pub fn fetch_request(&mut self) -> Option<Action> {
        let remote = self.remote.as_mut()?;
        if !matches!(remote.state, Fetch::NotAsked | Fetch::Failed(_)) {
            return None;
        }
        remote.state = Fetch::Waiting;
        let action = Action::FetchDefinition {
            placeholder: remote.placeholder.clone(),
            url: remote.url.clone(),
        };
        self.rebuild();
        Some(action)
    }

    /// The providers' answer: the view of the text, or why there is none.
    pub fn arrived(&mut self, result: Result<String, String>) {
        let Some(remote) = self.remote.clone() else {
            return;
        };
        match result {
            Ok(text) => {
                *self = ApiView::new(self.title.clone(), &self.spec_type, &text);
                self.remote = Some(Remote {
                    state: Fetch::Done,
                    ..remote
                });
            }
            Err(why) => {
                self.remote = Some(Remote {
                    state: Fetch::Failed(why),
                    ..remote
                });
                self.rebuild();
            }
        }
    }
}

impl Remote {
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
