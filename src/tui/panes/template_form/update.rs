//! Moving through the form: rows, pages (left only when valid), the review and its questions;
//! Enter and Space on a row.

use super::model::{repo_part, row_field, Popup, Question, RepoPart, Row, Stage, TemplateForm};
use super::popup::refresh_matches;
use crate::catalog::Catalog;
use crate::scaffolder::form::{self, Field, Widget};
use crate::search::SearchIndex;
use crate::tui::action::Action;
use crate::tui::panes::ListCursor;
use crate::tui::text_input::TextInput;
use serde_json::Value;

impl TemplateForm {
    /// Applies an action; `Some(Action::Back)` asks the templates pane to close the form,
    /// `Some(Action::DryRun | Action::Launch)` to start a run from the review.
    pub fn update(
        &mut self,
        action: &Action,
        catalog: &Catalog,
        index: Option<&SearchIndex>,
        page: usize,
    ) -> Option<Action> {
        if let Some(run) = &mut self.run {
            return match run.update(action, page) {
                Some(Action::Back) => {
                    self.run = None;
                    None
                }
                other => other,
            };
        }
        if self.confirm.is_some() {
            return match action {
                Action::Yes => match self.confirm.take() {
                    Some(Question::RunWithoutBackend(_)) => Some(Action::Launch),
                    Some(Question::Restore(values)) => {
                        self.values = values;
                        self.edited = true;
                        self.enter_page(0);
                        None
                    }
                    None => None,
                },
                Action::No | Action::Back => {
                    self.confirm = None;
                    None
                }
                _ => None,
            };
        }
        if self.popup.is_some() {
            self.popup_update(action, catalog, index);
            return None;
        }
        if self.editing.is_some() {
            self.edit_update(action);
            return None;
        }
        if self.stage == Stage::Review {
            return self.review_update(action);
        }
        let fields = self.fields();
        let rows = Self::rows(&fields);
        match action {
            Action::Down => self.cursor = (self.cursor + 1).min(rows.len() - 1),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::Top => self.cursor = 0,
            Action::Bottom => self.cursor = rows.len() - 1,
            Action::NextField => {
                self.cursor = (self.cursor + 1).min(rows.len() - 1);
                self.start_text_edit(&fields, &rows);
            }
            Action::PrevField => {
                self.cursor = self.cursor.saturating_sub(1);
                self.start_text_edit(&fields, &rows);
            }
            Action::Open => self.activate(&fields, &rows, catalog, index),
            Action::Toggle => self.toggle(&fields, &rows),
            Action::NextPage => self.next_page(),
            Action::PrevPage if self.page > 0 => self.enter_page(self.page - 1),
            Action::Back => {
                if self.page == 0 {
                    return Some(Action::Back);
                }
                self.enter_page(self.page - 1);
            }
            _ => {}
        }
        None
    }

    fn review_update(&mut self, action: &Action) -> Option<Action> {
        match action {
            Action::DryRun => return Some(Action::DryRun),
            Action::Launch => {
                let backend = crate::scaffolder::run::backend_steps(&self.template);
                if backend.is_empty() {
                    return Some(Action::Launch);
                }
                self.confirm = Some(Question::RunWithoutBackend(format!(
                    "These steps need a Backstage backend and cannot run here: {}. Run the rest without them?",
                    backend.join(", ")
                )));
            }
            Action::Down => self.review_scroll += 1,
            Action::Up => self.review_scroll = self.review_scroll.saturating_sub(1),
            Action::Top => self.review_scroll = 0,
            Action::Back | Action::PrevPage => {
                if self.pages() == 0 {
                    return Some(Action::Back);
                }
                self.enter_page(self.pages() - 1);
            }
            _ => {}
        }
        None
    }

    fn next_page(&mut self) {
        let errors = self.page_errors();
        if errors.is_empty() {
            self.enter_page(self.page + 1);
            return;
        }
        for e in &errors {
            self.shown_errors.insert(e.path.clone());
        }
        let fields = self.fields();
        let rows = Self::rows(&fields);
        if let Some(at) = rows
            .iter()
            .position(|r| row_field(*r).is_some_and(|i| fields[i].path == errors[0].path))
        {
            self.cursor = at;
        }
        self.notice = Some(format!(
            "{} field{} to fix before going on",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        ));
    }

    /// Enter on a row: type, toggle, choose, pick, or go to the next page.
    fn activate(
        &mut self,
        fields: &[Field],
        rows: &[Row],
        catalog: &Catalog,
        index: Option<&SearchIndex>,
    ) {
        let Some(&row) = rows.get(self.cursor) else {
            return;
        };
        let (i, part) = match row {
            Row::Next => return self.next_page(),
            Row::Field(i) => (i, None),
            Row::Repo(i, part) => (i, Some(part)),
        };
        let f = &fields[i];
        if f.readonly {
            self.notice = Some(format!("{} is read-only", f.title));
            return;
        }
        let current = form::get_path(&self.values, &f.path).cloned();
        match (&f.widget, part) {
            (Widget::RepoUrl(options), Some(part)) => {
                let allowed = match part {
                    RepoPart::Host => &options.allowed_hosts,
                    RepoPart::Owner => &options.allowed_owners,
                    RepoPart::Repo => &options.allowed_repos,
                };
                if allowed.is_empty() {
                    self.begin_edit(fields, row);
                } else {
                    let now = repo_part(&self.repo_url(f), part).to_string();
                    let list = ListCursor {
                        cursor: allowed.iter().position(|a| *a == now).unwrap_or(0),
                        offset: 0,
                    };
                    self.popup = Some(Popup::RepoChoose {
                        path: f.path.clone(),
                        part,
                        choices: allowed.clone(),
                        list,
                    });
                }
            }
            (Widget::Boolean, _) => self.toggle(fields, rows),
            (Widget::Select { choices, .. }, _) => {
                let list = ListCursor {
                    cursor: choices
                        .iter()
                        .position(|c| Some(&c.value) == current.as_ref())
                        .unwrap_or(0),
                    offset: 0,
                };
                self.popup = Some(Popup::Choose {
                    path: f.path.clone(),
                    choices: choices.clone(),
                    multi: false,
                    checked: Vec::new(),
                    list,
                });
            }
            (Widget::MultiSelect { choices }, _) => {
                let picked = current
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default();
                self.popup = Some(Popup::Choose {
                    path: f.path.clone(),
                    checked: choices.iter().map(|c| picked.contains(&c.value)).collect(),
                    choices: choices.clone(),
                    multi: true,
                    list: ListCursor::default(),
                });
            }
            (Widget::Entity(picker), _) => {
                let chosen = match &current {
                    Some(Value::Array(items)) if picker.multiple => items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    _ => Vec::new(),
                };
                let mut popup = Popup::Pick {
                    field: i,
                    query: TextInput::default(),
                    matches: Vec::new(),
                    chosen,
                    list: ListCursor::default(),
                };
                refresh_matches(&mut popup, fields, catalog, index);
                self.popup = Some(popup);
            }
            _ => self.begin_edit(fields, row),
        }
    }

    /// Space: flips a yes/no field, moves a select to its next choice.
    fn toggle(&mut self, fields: &[Field], rows: &[Row]) {
        let Some(i) = rows.get(self.cursor).and_then(|r| row_field(*r)) else {
            return;
        };
        let f = &fields[i];
        if f.readonly {
            self.notice = Some(format!("{} is read-only", f.title));
            return;
        }
        let current = form::get_path(&self.values, &f.path).cloned();
        let next = match &f.widget {
            Widget::Boolean => Some(Value::Bool(current != Some(Value::Bool(true)))),
            Widget::Select { choices, .. } if !choices.is_empty() => {
                let at = choices
                    .iter()
                    .position(|c| Some(&c.value) == current.as_ref());
                Some(
                    choices[at.map_or(0, |a| (a + 1) % choices.len())]
                        .value
                        .clone(),
                )
            }
            _ => return,
        };
        let path = f.path.clone();
        self.set(&path, next);
    }
}
