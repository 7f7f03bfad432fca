//! The form's state: its rows, stages, pop-up lists and questions, the values typed, and the page
//! shown (entered with its defaults; a value set hides or shows conditional fields).

use crate::catalog::{Catalog, EntityId};
use crate::scaffolder::form::{
    self, apply_defaults, display, page_fields, page_title, Choice, Field, RepoUrl, Review, Widget,
};
use crate::scaffolder::Template;
use crate::tui::panes::template_run::{RunKind, RunView};
use crate::tui::panes::ListCursor;
use crate::tui::text_input::TextInput;
use serde_json::Value;
use std::collections::HashSet;

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

    pub(super) fn enter_page(&mut self, page: usize) {
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

    pub(super) fn set(&mut self, path: &str, value: Option<Value>) {
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

    /// The first error of each field of the page (all of them, shown or not).
    pub fn page_errors(&self) -> Vec<form::FieldError> {
        match self.template.parameters.get(self.page) {
            Some(page) => form::validate_page(page, &self.values),
            None => Vec::new(),
        }
    }

    pub(super) fn repo_url(&self, f: &Field) -> RepoUrl {
        form::get_path(&self.values, &f.path)
            .and_then(Value::as_str)
            .map(RepoUrl::parse)
            .unwrap_or_default()
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
        launcher: Option<&crate::tui::panes::template_run::Launcher>,
    ) {
        self.run = Some(RunView::start(
            kind,
            &self.template,
            &self.values,
            catalog,
            launcher,
        ));
    }
}

pub(super) fn row_field(row: Row) -> Option<usize> {
    match row {
        Row::Field(i) | Row::Repo(i, _) => Some(i),
        Row::Next => None,
    }
}

pub(super) fn repo_part(url: &RepoUrl, part: RepoPart) -> &str {
    match part {
        RepoPart::Host => &url.host,
        RepoPart::Owner => &url.owner,
        RepoPart::Repo => &url.repo,
    }
}

pub(super) fn repo_part_mut(url: &mut RepoUrl, part: RepoPart) -> &mut String {
    match part {
        RepoPart::Host => &mut url.host,
        RepoPart::Owner => &mut url.owner,
        RepoPart::Repo => &mut url.repo,
    }
}
