//! Keys: which keymap scopes apply to what is on screen, the action a key stands for, and the keys
//! typed while they must wait (queued, then replayed in order).

use super::state::App;
use crate::tui::action::{Action, Section};
use crate::tui::keymap::{Key, Scope};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

impl App {
    /// The key scopes of what is on screen, first looked up first.
    pub fn scopes(&self) -> Vec<Scope> {
        if self.confirming() {
            return vec![Scope::Confirm];
        }
        let pane = if self.page.is_some() {
            Some(Scope::Entity)
        } else {
            match self.section {
                Section::Catalog => Some(Scope::Catalog),
                Section::Dependencies => Some(Scope::Deps),
                Section::Templates if self.templates.form.is_some() => Some(Scope::Form),
                Section::Templates => Some(Scope::Templates),
                Section::Docs => Some(Scope::Docs),
                Section::Problems => Some(Scope::Problems),
                Section::CiCd => Some(Scope::CiCd),
                Section::Incidents => Some(Scope::Incidents),
                Section::Cost => Some(Scope::Cost),
                Section::Scorecards | Section::Dora | Section::Maturity => Some(Scope::Insights),
            }
        };
        // The lists with a preview (`p`); on those without a wide table, the sideways keys
        // do nothing and home/end still go to the top and the bottom.
        let table = pane.filter(|p| {
            matches!(
                p,
                Scope::Catalog
                    | Scope::Templates
                    | Scope::Problems
                    | Scope::CiCd
                    | Scope::Incidents
                    | Scope::Cost
                    | Scope::Insights
            )
        });
        pane.into_iter()
            .chain(table.map(|_| Scope::Table))
            .chain([Scope::Nav, Scope::App])
            .collect()
    }

    /// Whether a yes/no question waits on screen (only its answers and ctrl keys apply).
    pub fn confirming(&self) -> bool {
        self.quit_question
            || self.page.is_none()
                && ((self.section == Section::CiCd && self.cicd.confirm.is_some())
                    || (self.section == Section::Incidents && self.incidents.confirm.is_some())
                    || (self.section == Section::Templates && self.templates.confirming()))
    }

    /// Whether a text input has the keyboard (help search, command line, catalog filter).
    pub fn typing(&self) -> bool {
        self.help.is_some()
            || self.command.is_some()
            || self.filter_editing()
            || self.page.as_ref().is_some_and(|p| p.typing())
            || (self.page.is_none()
                && self.section == Section::Templates
                && self.templates.typing())
    }

    fn filter_editing(&self) -> bool {
        self.page.is_none() && self.section == Section::Catalog && self.catalog.editing
    }

    /// The action a key stands for here, from the keymap (or a typed character).
    pub fn on_key(&self, event: KeyEvent) -> Option<Action> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let key = Key::from_event(&event);
        if self.typing() {
            if let Some(action) = self.keymap.lookup(&[Scope::Input], key) {
                return Some(action.clone());
            }
            if key.ctrl || key.alt {
                // Ctrl-c quits and Ctrl-z suspends from anywhere.
                return self.keymap.lookup(&[Scope::App], key).cloned();
            }
            return match key.code {
                KeyCode::Char(c) => Some(Action::InputChar(c)),
                _ => None,
            };
        }
        if self.confirming() && key.ctrl {
            // Ctrl-c quits and Ctrl-z suspends while a question waits.
            return self.keymap.lookup(&[Scope::App], key).cloned();
        }
        self.keymap.lookup(&self.scopes(), key).cloned()
    }

    /// Whether keys must wait: the catalog is not loaded yet, or an Enter waits for the search
    /// index to open its match. They are applied in order once that is over ([`Self::replay_keys`]),
    /// so `/name`, Enter, `i` typed at launch on a large catalog all count.
    fn keys_wait(&self) -> bool {
        self.data.is_none() || self.catalog.waiting_to_open()
    }

    /// Applies the keys that waited, in order, as long as nothing makes them wait again.
    pub(super) fn replay_keys(&mut self) {
        while !self.keys_wait() && !self.queued_keys.is_empty() {
            let event = self.queued_keys.remove(0);
            self.handle_key(event);
        }
    }

    /// Handles a key: maps it and applies the resulting actions.
    pub fn handle_key(&mut self, event: KeyEvent) {
        if event.kind == KeyEventKind::Release {
            return;
        }
        if self.keys_wait() {
            // Quitting and suspending never wait.
            let now = matches!(self.on_key(event), Some(Action::Quit | Action::Suspend))
                && (self.data.is_none() || Key::from_event(&event).ctrl);
            if !now {
                self.queued_keys.push(event);
                return;
            }
        }
        // A notice lasts until the next key; an error stays until another replaces it.
        if self.status.as_ref().is_some_and(|s| !s.error) {
            self.status = None;
        }
        if self.chord(event) {
            return;
        }
        if let Some(action) = self.on_key(event) {
            self.dispatch(action);
        }
    }

    /// Chords (`g d`): a key that starts one waits for the next; a next key that completes none
    /// applies the first key's own action (`g`: the top), then its own. True when handled here.
    fn chord(&mut self, event: KeyEvent) -> bool {
        if self.typing() || self.confirming() {
            self.pending_chord = None;
            return false;
        }
        let key = Key::from_event(&event);
        let scopes = self.scopes();
        match self.pending_chord.take() {
            Some(first) => {
                if let Some(action) = self.keymap.lookup(&scopes, first.then(key)).cloned() {
                    self.dispatch(action);
                    return true;
                }
                if let Some(action) = self.keymap.lookup(&scopes, first).cloned() {
                    self.dispatch(action);
                }
                // `g g` is the top, as in vim, not a new chord.
                key == first
            }
            None if self.keymap.starts_chord(&scopes, key) => {
                self.pending_chord = Some(key);
                self.note(format!("{key}…"));
                true
            }
            None => false,
        }
    }
}
