//! The App and its panes: an action for the pane on screen, each pane prepared for the catalog
//! when first needed, and what the pane on screen shows for the focused entity loaded before
//! draw.

use super::state::App;
use crate::tui::action::{Action, Section};

impl App {
    /// An action for the pane on screen.
    pub(super) fn pane_update(&mut self, action: Action) -> Option<Action> {
        let page = self.page_rows();
        let data = self.data.as_ref()?;
        let catalog = &data.catalog;
        if let Some(entity) = &mut self.page {
            return entity.update(&action, page);
        }
        match self.section {
            Section::Catalog if action == Action::Reload => {
                self.reload_requested = true;
                None
            }
            Section::Catalog => {
                // An incident number typed in the filter leads to its service's entity.
                if action == Action::InputAccept
                    && self.catalog.editing
                    && self.catalog.matches == 0
                {
                    if let Some(id) = self.incidents.looked_up(self.catalog.query()) {
                        return Some(Action::OpenEntity(id));
                    }
                }
                let next = self
                    .catalog
                    .update(&action, catalog, page.saturating_sub(1));
                self.focus = self.catalog.selected().or(self.focus);
                if self.catalog.editing {
                    self.look_up_incident();
                }
                next
            }
            Section::Dependencies => self.deps.update(&action, catalog, page),
            Section::CiCd => self
                .cicd
                .update(&action, catalog, self.focus, &self.env, page),
            Section::Incidents => {
                let next = self.incidents.update(&action, catalog, page);
                if let Some(view) = &self.incidents.view {
                    self.focus = Some(view.id);
                }
                self.send_incidents_outbox();
                next
            }
            Section::Cost if action == Action::Open && !self.cost.drills() => {
                // A service's row leads to its page.
                let row = self.cost.selected()?;
                Some(match self.cost.selected_entity(catalog) {
                    Some(id) => Action::OpenEntity(id),
                    None => Action::Error(format!("{} is not in the catalog", row.name)),
                })
            }
            Section::Cost => self.cost.update(&action, page),
            Section::Templates => {
                let next = self
                    .templates
                    .update(&action, catalog, data.index.as_deref(), page);
                if let Some(id) = self.templates.selected() {
                    self.focus = Some(id);
                }
                next
            }
            Section::Docs => {
                // A link to an entity's page in Backstage (`/catalog/default/component/x`)
                // opens its page here.
                let entity = (action == Action::Open)
                    .then(|| self.docs.selected_href())
                    .flatten()
                    .and_then(|href| crate::tui::panes::docs::entity_of_link(catalog, href));
                if let Some(id) = entity {
                    return Some(Action::OpenEntity(id));
                }
                if action == Action::Reload {
                    if let Some(id) = self.focus {
                        self.docs.show(catalog, id, true);
                    }
                    None
                } else {
                    self.docs.update(&action, page, self.size.0)
                }
            }
            Section::Problems => self.problems.update(&action, catalog, page),
            Section::Scorecards | Section::Dora | Section::Maturity if action == Action::Reload => {
                // sync() starts gathering again.
                self.insights.refresh();
                None
            }
            Section::Scorecards => self.scorecards.update(&action, &self.insights, page),
            Section::Dora => self.dora.update(&action, &self.insights, page),
            Section::Maturity => self.maturity.update(&action, &self.insights, page),
        }
    }

    /// An incident number typed in the filter is looked up through the Incidents pane's service
    /// map, which is prepared for it only then: making that map at 100k entities takes 50 to 70 ms
    /// of the UI thread, which the first filter key paid whatever was typed.
    fn look_up_incident(&mut self) {
        let query = self.catalog.query();
        if self.incidents.connected
            && crate::providers::pagerduty::parse_incident_ref(query).is_some()
        {
            self.prepare(Section::Incidents);
        }
        self.incidents.look_up(self.catalog.query());
        self.send_incidents_outbox();
    }

    /// Prepares a pane for the catalog on screen if it was not yet: called before anything
    /// reads or changes the pane, so it behaves as if it had been loaded with the catalog.
    pub(super) fn prepare(&mut self, section: Section) {
        let Some(data) = &self.data else { return };
        let Some(at) = self.unprepared.iter().position(|&s| s == section) else {
            return;
        };
        self.unprepared.swap_remove(at);
        match section {
            Section::Templates => self.templates.load(&data.catalog),
            Section::CiCd => self.cicd.load(&data.catalog),
            Section::Incidents => self.incidents.load(&data.catalog),
            Section::Cost => self.cost.set_catalog(&data.catalog),
            _ => {}
        }
    }

    /// Loads what the pane on screen shows for the focused entity (the tree, the docs file):
    /// work done here, once per selection, so draw only reads.
    pub(super) fn sync(&mut self) {
        self.prepare(self.section);
        if matches!(
            self.section,
            Section::Scorecards | Section::Dora | Section::Maturity
        ) && self.page.is_none()
        {
            // Gathered once per catalog, when one of these panes is first shown.
            if let Some(data) = &self.data {
                self.insights.ensure(&data.catalog);
            }
            let page = self.page_rows();
            match self.section {
                Section::Scorecards => self.scorecards.settle(&self.insights, page),
                Section::Dora => self.dora.settle(&self.insights, page),
                _ => self.maturity.settle(&self.insights, page),
            }
        }
        self.sync_preview();
        if self.section == Section::Cost && self.page.is_none() && self.data.is_some() {
            // Read once, when first shown: an export can be large, Cost Explorer costs money.
            self.cost.start(false);
        }
        let (Some(data), Some(focus), None) = (&self.data, self.focus, &self.page) else {
            self.cicd.shown = None;
            return;
        };
        match self.section {
            Section::Dependencies => self.deps.show(&data.catalog, focus),
            Section::Docs => {
                self.docs.show(&data.catalog, focus, false);
                if let Some(Action::Fetch(wanted)) = self.docs.fetch_request() {
                    self.fetch(wanted);
                }
            }
            Section::CiCd => {
                let key = data.catalog.entity(focus).key();
                if self.cicd.shown.as_deref() != Some(key.as_str()) {
                    self.cicd.show(&data.catalog, focus, false);
                }
            }
            _ => {}
        }
        if self.section != Section::CiCd {
            self.cicd.shown = None;
        }
        self.send_cicd_outbox();
    }
}
