//! Moving between views: sections, entity pages, one history across sections that Esc/Ctrl-o go
//! back through and Tab forward again (vim's jump list), the incident view, and the `:` commands.

use super::state::{App, Status};
use crate::catalog::EntityId;
use crate::tui::action::{Action, Section};
use crate::tui::panes::catalog::KIND_COMMANDS;
use crate::tui::panes::command::COMMANDS;
use crate::tui::panes::entity::EntityPage;

/// Most views remembered for Esc/Backspace.
const HISTORY: usize = 100;

impl App {
    /// Going somewhere new: the view on screen goes behind, and what lay ahead is forgotten.
    fn remember(&mut self) {
        self.forward.clear();
        self.push_behind();
    }

    fn push_behind(&mut self) {
        if self.history.len() == HISTORY {
            self.history.remove(0);
        }
        self.history.push((self.section, self.page.take()));
    }

    /// Shows a view from the history (back) or from ahead (forward).
    fn show_view(&mut self, (section, page): (Section, Option<EntityPage>)) {
        self.section = section;
        if let Some(page) = &page {
            self.focus = Some(page.id);
        } else if section == Section::Catalog {
            self.focus = self.catalog.selected().or(self.focus);
        }
        self.page = page;
    }

    /// Tab (Ctrl-i in vim): forward to the view gone back from.
    pub(super) fn go_forward(&mut self) {
        match self.forward.pop() {
            Some(view) => {
                self.push_behind();
                self.show_view(view);
            }
            None => self.note("nothing ahead to go forward to".into()),
        }
    }

    pub(super) fn go(&mut self, section: Section) {
        if self.section == section && self.page.is_none() {
            return;
        }
        self.remember();
        self.section = section;
    }

    pub(super) fn open_entity(&mut self, id: EntityId) {
        let Some(data) = &self.data else { return };
        let page = EntityPage::new(&data.catalog, id);
        self.remember();
        self.page = Some(page);
        self.focus = Some(id);
    }

    pub(super) fn back(&mut self) -> Option<Action> {
        if self.page.as_mut().is_some_and(EntityPage::back) {
            return None;
        }
        if self.page.is_none() && self.section == Section::Cost && self.cost.back() {
            return None;
        }
        if self.page.is_none() && self.section == Section::Docs && self.docs.back() {
            return None;
        }
        if self.page.is_none()
            && self.section == Section::Templates
            && self.templates.form.is_some()
        {
            // The form goes back a page, and leaves from the first.
            return self.pane_update(Action::Back);
        }
        if self.page.is_none()
            && self.section == Section::Templates
            && self.templates.detail.is_some()
        {
            self.templates.detail = None;
            return None;
        }
        if self.page.is_none() && self.section == Section::Incidents && self.incidents.back() {
            self.send_incidents_outbox();
            return None;
        }
        if self.page.is_none() && self.section == Section::CiCd {
            match self.cicd.back(self.focus) {
                Some(Some(group)) => {
                    self.focus = Some(group);
                    return None;
                }
                Some(None) => return None,
                None => {}
            }
        }
        match self.history.pop() {
            Some(view) => {
                self.forward.push((self.section, self.page.take()));
                self.show_view(view);
            }
            None => {
                self.status = Some(Status {
                    text: format!(
                        "nothing to go back to ({} quits)",
                        self.keymap.keys_of("app.quit")
                    ),
                    error: false,
                })
            }
        }
        None
    }

    pub(super) fn run_command(&mut self, command: &str) -> Option<Action> {
        let command = command.trim().trim_start_matches(':');
        if command.is_empty() {
            return None;
        }
        // A unique prefix is enough (`:comp`).
        let exact = COMMANDS
            .iter()
            .find(|(c, _)| *c == command)
            .map(|(c, _)| *c);
        let prefixed: Vec<&str> = COMMANDS
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| c.starts_with(command))
            .collect();
        let name = match (exact, prefixed.as_slice()) {
            (Some(name), _) => name,
            (None, [one]) => one,
            (None, []) => {
                return Some(Action::Error(format!(
                    "unknown command :{command} (Tab completes; :q quits)"
                )))
            }
            (None, many) => {
                return Some(Action::Error(format!(
                    ":{command} could be :{}",
                    many.join(" :")
                )))
            }
        };
        let section = match name {
            "q" | "quit" => return Some(Action::Quit),
            "help" => return Some(Action::ShowHelp),
            "back" => return Some(Action::Back),
            "templates" => Section::Templates,
            "deps" => Section::Dependencies,
            "ci" => Section::CiCd,
            "incidents" => Section::Incidents,
            "cost" => Section::Cost,
            "docs" => Section::Docs,
            "problems" => Section::Problems,
            "score" => Section::Scorecards,
            "dora" => Section::Dora,
            "maturity" => Section::Maturity,
            kind_command => {
                let kind = KIND_COMMANDS
                    .iter()
                    .find(|(c, _)| *c == kind_command)
                    .map(|(_, k)| *k);
                if let Some(data) = &self.data {
                    self.catalog.set_kind(kind, &data.catalog);
                } else {
                    self.catalog.kind = kind;
                }
                self.focus = self.catalog.selected().or(self.focus);
                Section::Catalog
            }
        };
        self.go(section);
        None
    }

    /// `i`: the incident view of the entity on screen (its page, or the focus).
    pub(super) fn open_incident_view(&mut self) {
        let Some(catalog) = self.data.as_ref().map(|d| d.catalog.clone()) else {
            return;
        };
        let Some(id) = self.page.as_ref().map(|p| p.id).or(self.focus) else {
            return;
        };
        self.remember();
        self.section = Section::Incidents;
        self.prepare(Section::Incidents);
        self.incidents.open_view(&catalog, id, false);
        self.focus = Some(id);
        self.send_incidents_outbox();
    }
}
