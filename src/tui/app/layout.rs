//! Where the pane on screen is: the body of the frame at the terminal's size, and the list and
//! preview it splits into; which row the preview is about, and its lines kept in step with the
//! selection.

use super::state::App;
use crate::tui::action::{Action, Section};
use crate::tui::panes::preview::Subject;
use crate::tui::panes::{dora, scorecard};
use crate::tui::widgets::layout::{frame_rows, split};
use ratatui::layout::Rect;

impl App {
    /// The pane's area at the terminal's size.
    pub fn body(&self) -> Rect {
        frame_rows(Rect::new(0, 0, self.size.0, self.size.1))[2]
    }

    /// What the preview would show now: the selected row of a list that has one.
    pub fn preview_subject(&self) -> Option<Subject> {
        if self.page.is_some() {
            return None;
        }
        match self.section {
            Section::Catalog => self.catalog.selected().map(Subject::Entity),
            Section::Templates
                if self.templates.form.is_none() && self.templates.detail.is_none() =>
            {
                self.templates.selected().map(Subject::Template)
            }
            Section::Problems => {
                let len = self.data.as_ref().map_or(0, |d| d.catalog.problems.len());
                (self.problems.list.cursor < len)
                    .then_some(Subject::Problem(self.problems.list.cursor))
            }
            Section::CiCd => {
                let catalog = &self.data.as_ref()?.catalog;
                let (_, _, run) = self.cicd.previewed_run(catalog, self.focus)?;
                Some(Subject::Run(run.id))
            }
            Section::Incidents => {
                let catalog = &self.data.as_ref()?.catalog;
                if self.incidents.view.is_some() {
                    return None;
                }
                let (incident, _) = self.incidents.selected_incident(catalog)?;
                Some(Subject::Incident(incident.incident_number))
            }
            Section::Cost => self
                .cost
                .selected()
                .map(|_| Subject::Cost(self.cost.cursor())),
            Section::Scorecards => self
                .scorecards
                .selected(&self.insights)
                .map(Subject::Scorecard),
            Section::Dora => self.dora.selected(&self.insights).map(Subject::Dora),
            Section::Templates | Section::Docs | Section::Dependencies | Section::Maturity => None,
        }
    }

    /// `area` (the body of a `screen` of that many columns and rows) split into the list and,
    /// when it shows, the preview.
    pub fn list_and_preview(&self, area: Rect, screen: (u16, u16)) -> (Rect, Option<Rect>) {
        let wanted = self.preview_shown
            && self
                .preview_subject()
                .is_some_and(|subject| self.preview.is_of(subject));
        split(area, screen, wanted)
    }

    /// The list's area inside its pane's border (where its table is drawn).
    pub(super) fn list_inside_border(&self) -> Rect {
        let (list, _) = self.list_and_preview(self.body(), self.size);
        list.inner(ratatui::layout::Margin::new(1, 1))
    }

    /// h/l, ←/→, Home/End: the table on screen scrolled sideways, as far as it is wider than
    /// its pane.
    pub(super) fn scroll_sideways(&mut self, action: &Action) {
        let Some(data) = &self.data else { return };
        let catalog = &data.catalog;
        let inner = self.list_inside_border();
        let (table, scroll) = match self.section {
            Section::Catalog => {
                let area = self.catalog.areas(inner)[1];
                let max = self
                    .catalog
                    .table(catalog, area, &self.theme)
                    .max_scroll(area.width);
                (max, &mut self.catalog.hscroll)
            }
            Section::Templates => (
                self.templates
                    .table(catalog, inner, &self.theme)
                    .max_scroll(inner.width),
                &mut self.templates.hscroll,
            ),
            Section::Problems => (
                self.problems
                    .table(catalog, inner, &self.theme)
                    .max_scroll(inner.width),
                &mut self.problems.hscroll,
            ),
            _ => {
                // No wide table here: home and end keep their meaning in the list.
                let to = match action {
                    Action::ScrollStart => Action::Top,
                    Action::ScrollEnd => Action::Bottom,
                    _ => return,
                };
                self.dispatch(to);
                return;
            }
        };
        *scroll = match action {
            Action::ScrollLeft => scroll.saturating_sub(1),
            Action::ScrollRight => (*scroll + 1).min(table),
            Action::ScrollStart => 0,
            Action::ScrollEnd => table,
            _ => (*scroll).min(table),
        };
    }

    /// Builds the preview of the selected row when the selection moved (or the catalog changed).
    pub(super) fn sync_preview(&mut self) {
        let (Some(data), Some(subject)) = (&self.data, self.preview_subject()) else {
            return;
        };
        if !self.preview_shown {
            return;
        }
        let catalog = &data.catalog;
        let built = match subject {
            Subject::Entity(_) | Subject::Template(_) | Subject::Problem(_) => {
                return self.preview.show(catalog, subject);
            }
            Subject::Run(_) => self.cicd.preview(catalog, self.focus),
            Subject::Incident(_) => self.incidents.preview(catalog),
            Subject::Cost(_) => self.cost.preview(),
            Subject::Scorecard(id) => scorecard::preview(&self.insights, id),
            Subject::Dora(id) => {
                // The trend as wide as the preview's inside (wherever it goes at this size).
                let (_, preview) = split(self.body(), self.size, true);
                let width = preview.map_or(40, |p| p.width.saturating_sub(2));
                dora::preview(&self.insights, id, width as usize)
            }
        };
        if let Some((title, lines)) = built {
            self.preview.set(subject, title, lines);
        }
    }
}
