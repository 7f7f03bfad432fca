//! A template's form in the terminal: its pages of fields (from `scaffolder::form`), edited in
//! place, checked as the user types, a page left only when it is valid, then a review page with
//! secrets masked. Field values live in one JSON object, as the CLI's `--values` file has them.

use super::template_run::{RunKind, RunView};
use super::ListCursor;
use crate::catalog::{Catalog, EntityId};
use crate::scaffolder::form::{
    self, apply_defaults, display, field_error, page_fields, page_title, Choice, Field, RepoUrl,
    Review, Widget, MASK,
};
use crate::scaffolder::Template;
use crate::search::SearchIndex;
use crate::tui::action::Action;
use crate::tui::text_input::TextInput;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use serde_json::Value;
use std::collections::HashSet;

/// Most picker matches listed.
const PICKER_ROWS: usize = 50;

/// A part of a `RepoUrlPicker` value, edited as a row of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepoPart {
    Host,
    Owner,
    Repo,
}

/// A row of a form page: a field, a part of a repository field, or the button to go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    Field(usize),
    Repo(usize, RepoPart),
    Next,
}

/// A list over the form: the choices of a select, or an entity picker's matches.
#[derive(Clone, Debug, PartialEq)]
pub enum Popup {
    Choose {
        path: String,
        choices: Vec<Choice>,
        multi: bool,
        checked: Vec<bool>,
        list: ListCursor,
    },
    /// Also the host or owner of a repository field with allowed lists.
    RepoChoose {
        path: String,
        part: RepoPart,
        choices: Vec<String>,
        list: ListCursor,
    },
    Pick {
        field: usize,
        query: TextInput,
        matches: Vec<EntityId>,
        /// MultiEntityPicker: the refs picked so far.
        chosen: Vec<String>,
        list: ListCursor,
    },
}

/// Where the form is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Fill,
    Review,
}

pub struct TemplateForm {
    pub template: Template,
    /// Every field's value, secrets included (split out only when the template runs).
    pub values: Value,
    /// The page shown (pages.len(): the review).
    pub page: usize,
    pub stage: Stage,
    pub cursor: usize,
    /// The text of the row being typed, and the value it had before (Esc restores it).
    pub editing: Option<(TextInput, Option<Value>)>,
    pub popup: Option<Popup>,
    /// Fields whose errors are shown: those edited, and all of a page once leaving it was refused.
    pub shown_errors: HashSet<String>,
    /// Why the page could not be left, until the next change.
    pub notice: Option<String>,
    pub review_scroll: usize,
    /// The dry run or run started from the review.
    pub run: Option<RunView>,
    /// A yes/no question over the form.
    pub confirm: Option<Question>,
    /// Whether the user changed a value: only then does closing the form or quitting lose work.
    pub edited: bool,
}

/// What the form asks before going on.
#[derive(Clone, Debug, PartialEq)]
pub enum Question {
    /// Before a real run of a template with steps only a Backstage backend can run: y runs the rest.
    RunWithoutBackend(String),
    /// Reopening a template whose form was left with values typed: y brings them back.
    Restore(Value),
}

impl TemplateForm {
    pub fn new(template: Template) -> TemplateForm {
        let mut form = TemplateForm {
            template,
            values: Value::Object(Default::default()),
            page: 0,
            stage: Stage::Fill,
            cursor: 0,
            editing: None,
            popup: None,
            shown_errors: HashSet::new(),
            notice: None,
            review_scroll: 0,
            run: None,
            confirm: None,
            edited: false,
        };
        form.enter_page(0);
        form
    }

    /// Offers back the values of a form of this template that was left unfinished.
    pub fn offer_restore(&mut self, values: Value) {
        self.confirm = Some(Question::Restore(values));
    }

    /// Whether closing the form now, or quitting, would lose what the user did: values typed,
    /// or a run still going.
    pub fn has_unsaved_work(&self) -> bool {
        self.edited || self.run.as_ref().is_some_and(|r| !r.finished())
    }

    pub fn pages(&self) -> usize {
        self.template.parameters.len()
    }

    /// The fields of the page shown, for the current values.
    pub fn fields(&self) -> Vec<Field> {
        match self.template.parameters.get(self.page) {
            Some(page) => page_fields(page, &self.values),
            None => Vec::new(),
        }
    }

    pub fn rows(fields: &[Field]) -> Vec<Row> {
        let mut rows = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            if matches!(f.widget, Widget::RepoUrl(_)) {
                rows.extend(
                    [RepoPart::Host, RepoPart::Owner, RepoPart::Repo].map(|p| Row::Repo(i, p)),
                );
            } else {
                rows.push(Row::Field(i));
            }
        }
        rows.push(Row::Next);
        rows
    }

    /// The values path of the field under the cursor (`name`, `database.size`).
    pub fn selected_field(&self) -> Option<String> {
        if self.stage != Stage::Fill {
            return None;
        }
        let fields = self.fields();
        let row = *Self::rows(&fields).get(self.cursor)?;
        Some(fields.get(row_field(row)?)?.path.clone())
    }

    /// Whether keys go to a text (a field being typed, a picker's search).
    pub fn typing(&self) -> bool {
        self.editing.is_some() || matches!(self.popup, Some(Popup::Pick { .. }))
    }

    fn enter_page(&mut self, page: usize) {
        self.page = page;
        self.stage = if page >= self.pages() {
            Stage::Review
        } else {
            Stage::Fill
        };
        self.editing = None;
        self.popup = None;
        self.notice = None;
        self.review_scroll = 0;
        if let Some(schema) = self.template.parameters.get(page).cloned() {
            apply_defaults(&schema, &mut self.values);
            self.preset_repo_urls();
            let fields = self.fields();
            let rows = Self::rows(&fields);
            self.cursor = fields
                .iter()
                .position(|f| f.autofocus)
                .and_then(|i| rows.iter().position(|r| row_field(*r) == Some(i)))
                .unwrap_or(0);
        }
    }

    /// A repository field with one allowed host (and owner) starts with them, as Backstage's does.
    fn preset_repo_urls(&mut self) {
        for f in self.fields() {
            let Widget::RepoUrl(options) = &f.widget else {
                continue;
            };
            if form::get_path(&self.values, &f.path).is_some() {
                continue;
            }
            let one = |list: &[String]| match list {
                [only] => only.clone(),
                _ => String::new(),
            };
            let url = RepoUrl {
                host: one(&options.allowed_hosts),
                owner: one(&options.allowed_owners),
                repo: String::new(),
            };
            if !url.host.is_empty() {
                form::set_path(
                    &mut self.values,
                    &f.path,
                    Some(Value::String(url.to_value())),
                );
            }
        }
    }

    fn set(&mut self, path: &str, value: Option<Value>) {
        form::set_path(&mut self.values, path, value);
        self.edited = true;
        self.shown_errors.insert(path.to_string());
        self.notice = None;
        // A changed value can show or hide conditional fields: hidden ones lose their value,
        // shown ones get their defaults.
        self.values = form::omit_hidden(&self.template, &self.values);
        if let Some(schema) = self.template.parameters.get(self.page).cloned() {
            apply_defaults(&schema, &mut self.values);
        }
        let rows = Self::rows(&self.fields()).len();
        self.cursor = self.cursor.min(rows.saturating_sub(1));
    }

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

    /// The first error of each field of the page (all of them, shown or not).
    pub fn page_errors(&self) -> Vec<form::FieldError> {
        match self.template.parameters.get(self.page) {
            Some(page) => form::validate_page(page, &self.values),
            None => Vec::new(),
        }
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

    /// Tab lands in a text field ready to type, as in a web form.
    fn start_text_edit(&mut self, fields: &[Field], rows: &[Row]) {
        if let Some(row) = rows.get(self.cursor) {
            if is_text_row(fields, *row) {
                self.begin_edit(fields, *row);
            }
        }
    }

    fn begin_edit(&mut self, fields: &[Field], row: Row) {
        let (field, current) = match row {
            Row::Field(i) => {
                let f = &fields[i];
                let v = form::get_path(&self.values, &f.path).cloned();
                (f, form::input_text(f, v.as_ref()))
            }
            Row::Repo(i, part) => {
                let f = &fields[i];
                let url = self.repo_url(f);
                (f, repo_part(&url, part).to_string())
            }
            Row::Next => return,
        };
        if field.readonly {
            self.notice = Some(format!("{} is read-only", field.title));
            return;
        }
        let before = form::get_path(&self.values, &field.path).cloned();
        self.editing = Some((TextInput { text: current }, before));
    }

    fn repo_url(&self, f: &Field) -> RepoUrl {
        form::get_path(&self.values, &f.path)
            .and_then(Value::as_str)
            .map(RepoUrl::parse)
            .unwrap_or_default()
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

    fn edit_update(&mut self, action: &Action) {
        let fields = self.fields();
        let rows = Self::rows(&fields);
        let Some(&row) = rows.get(self.cursor) else {
            self.editing = None;
            return;
        };
        let multiline = matches!(row, Row::Field(i) if fields[i].widget == Widget::TextArea);
        let Some((input, before)) = &mut self.editing else {
            return;
        };
        match action {
            Action::InputChar(c) => input.push(*c),
            // A textarea takes Enter as a new line; Tab leaves it.
            Action::InputAccept if multiline => input.push('\n'),
            Action::InputBackspace => input.backspace(),
            Action::InputDeleteWord => input.delete_word(),
            Action::InputClear => input.clear(),
            Action::InputCancel => {
                let before = before.clone();
                self.editing = None;
                if let Some(i) = row_field(row) {
                    form::set_path(&mut self.values, &fields[i].path, before);
                }
                return;
            }
            Action::InputAccept | Action::InputLeave | Action::Down => {
                self.editing = None;
                self.cursor = (self.cursor + 1).min(rows.len() - 1);
                if !matches!(action, Action::Down) {
                    let fields = self.fields();
                    let rows = Self::rows(&fields);
                    self.start_text_edit(&fields, &rows);
                }
                return;
            }
            Action::PrevField | Action::Up => {
                self.editing = None;
                self.cursor = self.cursor.saturating_sub(1);
                if matches!(action, Action::PrevField) {
                    self.start_text_edit(&fields, &rows);
                }
                return;
            }
            _ => return,
        }
        // Every keystroke updates the value, so its error shows as the user types.
        let text = input.text.clone();
        match row {
            Row::Field(i) => {
                let f = &fields[i];
                self.set(&f.path.clone(), form::parse_input(f, &text));
            }
            Row::Repo(i, part) => {
                let f = &fields[i];
                let mut url = self.repo_url(f);
                *repo_part_mut(&mut url, part) = text;
                self.set(&f.path.clone(), Some(Value::String(url.to_value())));
            }
            Row::Next => {}
        }
    }

    fn popup_update(&mut self, action: &Action, catalog: &Catalog, index: Option<&SearchIndex>) {
        let fields = self.fields();
        let Some(popup) = &mut self.popup else { return };
        let mut done: Option<(String, Option<Value>)> = None;
        let mut close = false;
        match popup {
            Popup::Choose {
                path,
                choices,
                multi,
                checked,
                list,
            } => {
                if list.apply(action, choices.len(), 10) {
                    return;
                }
                match action {
                    Action::Toggle if *multi => {
                        if let Some(c) = checked.get_mut(list.cursor) {
                            *c = !*c;
                        }
                    }
                    Action::Open | Action::Toggle => {
                        if *multi {
                            let picked = choices
                                .iter()
                                .zip(checked.iter())
                                .filter(|(_, c)| **c)
                                .map(|(ch, _)| ch.value.clone())
                                .collect();
                            done = Some((path.clone(), Some(Value::Array(picked))));
                        } else if let Some(c) = choices.get(list.cursor) {
                            done = Some((path.clone(), Some(c.value.clone())));
                        }
                    }
                    Action::Back | Action::InputCancel => close = true,
                    _ => {}
                }
            }
            Popup::RepoChoose {
                path,
                part,
                choices,
                list,
            } => {
                if list.apply(action, choices.len(), 10) {
                    return;
                }
                match action {
                    Action::Open | Action::Toggle => {
                        if let Some(choice) = choices.get(list.cursor) {
                            let mut url = form::get_path(&self.values, path)
                                .and_then(Value::as_str)
                                .map(RepoUrl::parse)
                                .unwrap_or_default();
                            *repo_part_mut(&mut url, *part) = choice.clone();
                            done = Some((path.clone(), Some(Value::String(url.to_value()))));
                        }
                    }
                    Action::Back | Action::InputCancel => close = true,
                    _ => {}
                }
            }
            Popup::Pick {
                field,
                query,
                matches,
                chosen,
                list,
            } => {
                let f = &fields[*field];
                let Widget::Entity(picker) = &f.widget else {
                    return;
                };
                if list.apply(action, matches.len(), 10) {
                    return;
                }
                let multiple = picker.multiple;
                match action {
                    Action::InputChar(c) => query.push(*c),
                    Action::InputBackspace => query.backspace(),
                    Action::InputDeleteWord => query.delete_word(),
                    Action::InputClear => query.clear(),
                    Action::InputAccept => {
                        // No match: the typed text is the value (Backstage allows arbitrary
                        // values unless told otherwise).
                        let picked = match matches.get(list.cursor) {
                            Some(&id) => Some(picker.value_of(catalog.entity(id))),
                            None if picker.allow_arbitrary => {
                                Some(query.text.trim().to_string()).filter(|t| !t.is_empty())
                            }
                            None => None,
                        };
                        if multiple {
                            if let Some(p) = picked {
                                match chosen.iter().position(|c| *c == p) {
                                    Some(at) => {
                                        chosen.remove(at);
                                    }
                                    None => chosen.push(p),
                                }
                            }
                        } else {
                            done = Some((f.path.clone(), picked.map(Value::String)));
                        }
                    }
                    Action::InputLeave | Action::InputCancel if multiple => {
                        let list = chosen.iter().cloned().map(Value::String).collect();
                        done = Some((f.path.clone(), Some(Value::Array(list))));
                    }
                    Action::InputCancel => close = true,
                    _ => {}
                }
                if matches!(
                    action,
                    Action::InputChar(_)
                        | Action::InputBackspace
                        | Action::InputDeleteWord
                        | Action::InputClear
                ) {
                    refresh_matches(popup, &fields, catalog, index);
                }
            }
        }
        if let Some((path, value)) = done {
            self.popup = None;
            self.set(&path, value);
        } else if close {
            self.popup = None;
        }
    }

    /// What the review page lists: each page's title, then its fields with their values as
    /// shown (secrets masked, hidden ones left out).
    pub fn review_lines(&self) -> Vec<(String, String, bool)> {
        let mut out = Vec::new();
        for (n, page) in self.template.parameters.iter().enumerate() {
            out.push((page_title(page, n), String::new(), true));
            for f in page_fields(page, &self.values) {
                if f.review == Review::Hide {
                    continue;
                }
                let value = display(&f, form::get_path(&self.values, &f.path));
                out.push((f.title.clone(), value, false));
            }
        }
        out
    }

    /// Starts a dry run or a real run of the values on the review.
    pub fn start_run(
        &mut self,
        kind: RunKind,
        catalog: &Catalog,
        launcher: Option<&super::template_run::Launcher>,
    ) {
        self.run = Some(RunView::start(
            kind,
            &self.template,
            &self.values,
            catalog,
            launcher,
        ));
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, catalog: &Catalog, theme: &Theme) {
        if let Some(run) = &self.run {
            let what = match run.kind {
                RunKind::DryRun => "dry run",
                RunKind::Real => "run",
            };
            run.draw(
                frame,
                area,
                &format!("{} · {what}", self.template.title),
                theme,
            );
            return;
        }
        let step = if self.stage == Stage::Review {
            "review".to_string()
        } else {
            format!(
                "page {} of {}: {}",
                self.page + 1,
                self.pages(),
                page_title(&self.template.parameters[self.page], self.page)
            )
        };
        let hint = match (self.stage, self.typing(), &self.popup) {
            (_, true, Some(_)) => " type to search · ↑/↓ move · enter pick · esc close ",
            (_, true, None) => " typing · tab/enter next field · shift-tab previous · esc undo ",
            (_, false, Some(_)) => " j/k move · enter choose · space check · esc close ",
            (Stage::Fill, ..) => {
                " tab/j/k fields · enter edit/choose · space toggle · ctrl-n next page · esc back "
            }
            (Stage::Review, ..) => " d: dry run · r: run · esc: back to the form ",
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(
                format!(" {} · {step} ", self.template.title),
                theme.title,
            ))
            .title_bottom(Span::styled(hint, theme.muted));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [steps, body] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(inner);
        frame.render_widget(Paragraph::new(self.stepper(theme)), steps);
        match self.stage {
            Stage::Fill => self.draw_fields(frame, body, theme),
            Stage::Review => self.draw_review(frame, body, theme),
        }
        if let Some(popup) = &self.popup {
            self.draw_popup(frame, body, popup, catalog, theme);
        }
        if let Some(Question::Restore(_)) = &self.confirm {
            super::draw_question(
                frame,
                body,
                " Values from before ",
                "This form was left with values typed. Bring them back? (no: start empty; they are forgotten)",
                "y: yes, bring them back · n: no",
                theme,
            );
        }
    }

    /// `1 Database ✓ › 2 Repository › Review`, the page shown highlighted.
    fn stepper(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut spans = Vec::new();
        for (n, page) in self.template.parameters.iter().enumerate() {
            let style = if n == self.page {
                theme.tab_active
            } else if n < self.page {
                theme.ok
            } else {
                theme.muted
            };
            spans.push(Span::styled(
                format!("{} {}", n + 1, page_title(page, n)),
                style,
            ));
            spans.push(Span::styled(" › ", theme.muted));
        }
        let style = if self.stage == Stage::Review {
            theme.tab_active
        } else {
            theme.muted
        };
        spans.push(Span::styled("Review", style));
        vec![Line::from(spans), Line::default()]
    }

    fn draw_fields(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let fields = self.fields();
        let rows = Self::rows(&fields);
        let label_width = 24usize;
        let mut lines: Vec<Line> = Vec::new();
        let mut cursor_line = 0;
        for (r, row) in rows.iter().enumerate() {
            let selected = r == self.cursor;
            if selected {
                cursor_line = lines.len();
            }
            let marker = if selected { "› " } else { "  " };
            let label_style = if selected { theme.selected } else { theme.base };
            let (label, value, field) = match *row {
                Row::Next => {
                    let text = if self.page + 1 >= self.pages() {
                        "[ Review › ]"
                    } else {
                        "[ Next › ]"
                    };
                    lines.push(Line::default());
                    if selected {
                        cursor_line = lines.len();
                    }
                    lines.push(Line::from(vec![
                        Span::styled(marker, theme.key),
                        Span::styled(text, if selected { theme.selected } else { theme.key }),
                    ]));
                    continue;
                }
                Row::Field(i) => {
                    let f = &fields[i];
                    (f.title.clone(), self.value_text(f, None, selected), f)
                }
                Row::Repo(i, part) => {
                    let f = &fields[i];
                    let label = match part {
                        RepoPart::Host => format!("{} host", f.title),
                        RepoPart::Owner => "  owner".to_string(),
                        RepoPart::Repo => "  repository".to_string(),
                    };
                    (label, self.value_text(f, Some(part), selected), f)
                }
            };
            let required = if field.required
                && !matches!(row, Row::Repo(_, RepoPart::Owner | RepoPart::Repo))
            {
                " *"
            } else {
                ""
            };
            let label = format!("{label}{required}");
            let pad = label_width.saturating_sub(label.chars().count());
            let mut spans = vec![
                Span::styled(marker, theme.key),
                Span::styled(label, label_style),
                Span::raw(" ".repeat(pad + 1)),
            ];
            spans.extend(value);
            lines.push(Line::from(spans));
            let last_part = !matches!(row, Row::Repo(_, RepoPart::Host | RepoPart::Owner));
            if !last_part {
                continue;
            }
            let indent = " ".repeat(label_width + 3);
            let error = self
                .shown_errors
                .contains(&field.path)
                .then(|| field_error(field, form::get_path(&self.values, &field.path)))
                .flatten();
            if let Some(error) = error {
                lines.push(Line::from(Span::styled(
                    format!("{indent}✗ {error}"),
                    theme.error,
                )));
            } else if selected {
                for text in [&field.description, &field.help].into_iter().flatten() {
                    lines.push(Line::from(Span::styled(
                        format!("{indent}{text}"),
                        theme.muted,
                    )));
                }
            }
        }
        if let Some(notice) = &self.notice {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                format!("  {notice}"),
                theme.warning,
            )));
        }
        let height = area.height as usize;
        let scroll = cursor_line.saturating_sub(height.saturating_sub(3));
        frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), area);
    }

    /// The value cell of a row: the text being typed (with a cursor), or the value as shown.
    fn value_text(&self, f: &Field, part: Option<RepoPart>, selected: bool) -> Vec<Span<'static>> {
        let theme_free = |s: String| Span::raw(s);
        if selected {
            if let Some((input, _)) = &self.editing {
                let shown = if f.secret {
                    "•".repeat(input.text.chars().count())
                } else {
                    input.text.replace('\n', "⏎ ")
                };
                return vec![theme_free(shown), Span::raw("▏")];
            }
        }
        let value = form::get_path(&self.values, &f.path);
        let text = match (part, &f.widget) {
            (Some(part), _) => {
                let url = value
                    .and_then(Value::as_str)
                    .map(RepoUrl::parse)
                    .unwrap_or_default();
                repo_part(&url, part).to_string()
            }
            (None, Widget::Boolean) => match value {
                Some(Value::Bool(true)) => "[x] yes".into(),
                _ => "[ ] no".into(),
            },
            // Radio buttons show every choice, the chosen one marked (space moves it).
            (
                None,
                Widget::Select {
                    choices,
                    radio: true,
                },
            ) => choices
                .iter()
                .map(|c| {
                    let mark = if Some(&c.value) == value {
                        "(•)"
                    } else {
                        "( )"
                    };
                    format!("{mark} {}", c.label)
                })
                .collect::<Vec<_>>()
                .join("  "),
            (None, Widget::Select { .. }) => {
                let shown = display(f, value);
                if shown.is_empty() {
                    "‹ choose ›".into()
                } else {
                    format!("‹ {shown} ›")
                }
            }
            (None, Widget::Entity(_)) if display(f, value).is_empty() => {
                "(enter: search the catalog)".into()
            }
            _ if f.secret && value.is_some() => MASK.into(),
            _ => display(f, value),
        };
        if text.is_empty() {
            if let Some(placeholder) = &f.placeholder {
                return vec![Span::styled(
                    placeholder.clone(),
                    ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::DIM),
                )];
            }
        }
        let mut spans = vec![Span::raw(text.replace('\n', "⏎ "))];
        if f.readonly {
            spans.push(Span::raw("  (read-only)"));
        }
        spans
    }

    fn draw_review(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let mut lines = Vec::new();
        for (label, value, heading) in self.review_lines() {
            if heading {
                lines.push(Line::from(Span::styled(label, theme.table_header)));
            } else {
                let pad = 24usize.saturating_sub(label.chars().count());
                lines.push(Line::from(vec![
                    Span::styled(format!("  {label}"), theme.muted),
                    Span::raw(" ".repeat(pad + 1)),
                    Span::styled(value, theme.base),
                ]));
            }
        }
        lines.push(Line::default());
        match &self.confirm {
            Some(Question::RunWithoutBackend(question)) => {
                lines.push(Line::from(Span::styled(question.clone(), theme.warning)));
                lines.push(Line::from(Span::styled(
                    "y: yes, run without them · n: no",
                    theme.key,
                )));
            }
            _ => {
                let backend = crate::scaffolder::run::backend_steps(&self.template);
                if !backend.is_empty() {
                    lines.push(Line::from(Span::styled(
                        format!(
                            "Not run here (a Backstage backend's actions): {}",
                            backend.join(", ")
                        ),
                        theme.warning,
                    )));
                }
                lines.push(Line::from(vec![
                    Span::styled("d", theme.key),
                    Span::styled(
                        " dry run: every step's inputs and the files, nothing written   ",
                        theme.base,
                    ),
                    Span::styled("r", theme.key),
                    Span::styled(" run it for real", theme.base),
                ]));
            }
        }
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((self.review_scroll as u16, 0)),
            area,
        );
    }

    fn draw_popup(
        &self,
        frame: &mut Frame,
        area: Rect,
        popup: &Popup,
        catalog: &Catalog,
        theme: &Theme,
    ) {
        let width = area.width.saturating_sub(8).clamp(20, 70);
        let height = area.height.saturating_sub(2).clamp(5, 16);
        let rect = Rect {
            x: area.x + (area.width.saturating_sub(width)) / 2,
            y: area.y + 1,
            width,
            height,
        };
        frame.render_widget(Clear, rect);
        let (title, header, items, cursor): (String, Option<String>, Vec<String>, usize) =
            match popup {
                Popup::Choose {
                    choices,
                    multi,
                    checked,
                    list,
                    ..
                } => (
                    if *multi {
                        " choose any (space checks) ".into()
                    } else {
                        " choose one ".into()
                    },
                    None,
                    choices
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            if *multi {
                                format!(
                                    "[{}] {}",
                                    if checked.get(i) == Some(&true) {
                                        "x"
                                    } else {
                                        " "
                                    },
                                    c.label
                                )
                            } else {
                                c.label.clone()
                            }
                        })
                        .collect(),
                    list.cursor,
                ),
                Popup::RepoChoose {
                    choices,
                    list,
                    part,
                    ..
                } => (
                    format!(
                        " allowed {} ",
                        match part {
                            RepoPart::Host => "hosts",
                            RepoPart::Owner => "owners",
                            RepoPart::Repo => "repositories",
                        }
                    ),
                    None,
                    choices.clone(),
                    list.cursor,
                ),
                Popup::Pick {
                    query,
                    matches,
                    chosen,
                    list,
                    field,
                } => {
                    let fields = self.fields();
                    let picker = match fields.get(*field).map(|f| &f.widget) {
                        Some(Widget::Entity(p)) => Some(p.clone()),
                        _ => None,
                    };
                    let header = if chosen.is_empty() {
                        format!("/{}▏", query.text)
                    } else {
                        format!("/{}▏  picked: {}", query.text, chosen.join(", "))
                    };
                    let items = if matches.is_empty() {
                        vec![if query.text.trim().is_empty() {
                            "(nothing in the catalog matches this picker)".to_string()
                        } else {
                            match &picker {
                                Some(p) if !p.allow_arbitrary => {
                                    "no match (this field takes only entities from the catalog)"
                                        .to_string()
                                }
                                _ => format!(
                                    "no match: enter uses \"{}\" as it is",
                                    query.text.trim()
                                ),
                            }
                        }]
                    } else {
                        matches
                            .iter()
                            .map(|&id| {
                                let e = catalog.entity(id);
                                let value = picker
                                    .as_ref()
                                    .map(|p| p.value_of(e))
                                    .unwrap_or_else(|| e.key());
                                let mark = if chosen.contains(&value) { "[x] " } else { "" };
                                match e.title().or_else(|| {
                                    e.spec
                                        .path(&["profile", "displayName"])
                                        .and_then(|v| v.as_str())
                                }) {
                                    Some(title) => format!("{mark}{value}  {title}"),
                                    None => format!("{mark}{value}"),
                                }
                            })
                            .collect()
                    };
                    (
                        " pick from the catalog ".into(),
                        Some(header),
                        items,
                        list.cursor,
                    )
                }
            };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(title, theme.title));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let mut lines = Vec::new();
        if let Some(header) = header {
            lines.push(Line::from(Span::styled(header, theme.key)));
        }
        let room = (inner.height as usize).saturating_sub(lines.len()).max(1);
        let offset = super::visible_offset(cursor, 0, room);
        for (i, item) in items.iter().enumerate().skip(offset).take(room) {
            let style = if i == cursor {
                theme.selected
            } else {
                theme.base
            };
            lines.push(Line::from(Span::styled(item.clone(), style)));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

fn row_field(row: Row) -> Option<usize> {
    match row {
        Row::Field(i) | Row::Repo(i, _) => Some(i),
        Row::Next => None,
    }
}

/// Rows typed as text (not chosen, toggled or picked).
fn is_text_row(fields: &[Field], row: Row) -> bool {
    match row {
        Row::Field(i) => {
            matches!(
                fields[i].widget,
                Widget::Text { .. }
                    | Widget::TextArea
                    | Widget::Password
                    | Widget::Number { .. }
                    | Widget::List { .. }
                    | Widget::Json
            ) && !fields[i].readonly
        }
        Row::Repo(i, part) => match &fields[i].widget {
            Widget::RepoUrl(o) => match part {
                RepoPart::Host => o.allowed_hosts.is_empty(),
                RepoPart::Owner => o.allowed_owners.is_empty(),
                RepoPart::Repo => o.allowed_repos.is_empty(),
            },
            _ => false,
        },
        Row::Next => false,
    }
}

fn repo_part(url: &RepoUrl, part: RepoPart) -> &str {
    match part {
        RepoPart::Host => &url.host,
        RepoPart::Owner => &url.owner,
        RepoPart::Repo => &url.repo,
    }
}

fn repo_part_mut(url: &mut RepoUrl, part: RepoPart) -> &mut String {
    match part {
        RepoPart::Host => &mut url.host,
        RepoPart::Owner => &mut url.owner,
        RepoPart::Repo => &mut url.repo,
    }
}

/// Searches the catalog again for a picker's query.
fn refresh_matches(
    popup: &mut Popup,
    fields: &[Field],
    catalog: &Catalog,
    index: Option<&SearchIndex>,
) {
    let Popup::Pick {
        field,
        query,
        matches,
        list,
        ..
    } = popup
    else {
        return;
    };
    let Some(Widget::Entity(picker)) = fields.get(*field).map(|f| &f.widget) else {
        return;
    };
    *matches = match index {
        Some(index) => picker.candidates(catalog, index, &query.text, PICKER_ROWS),
        // The index is built a moment after the catalog: until then, the offered entities in
        // catalog order, those containing the query.
        None => {
            let q = query.text.to_lowercase();
            (0..catalog.len() as EntityId)
                .filter(|&id| {
                    let e = catalog.entity(id);
                    picker.offers(e) && e.key().contains(&q)
                })
                .take(PICKER_ROWS)
                .collect()
        }
    };
    *list = ListCursor::default();
}
