//! Typing a field's value: a text row edited in place, every keystroke setting the value so its
//! error shows as the user types; Esc restores what was there.

use super::model::{repo_part, repo_part_mut, row_field, RepoPart, Row, TemplateForm};
use crate::scaffolder::form::{self, Field, Widget};
use crate::tui::action::Action;
use crate::tui::text_input::TextInput;
use serde_json::Value;

impl TemplateForm {
    /// Tab lands in a text field ready to type, as in a web form.
    pub(super) fn start_text_edit(&mut self, fields: &[Field], rows: &[Row]) {
        if let Some(row) = rows.get(self.cursor) {
            if is_text_row(fields, *row) {
                self.begin_edit(fields, *row);
            }
        }
    }

    pub(super) fn begin_edit(&mut self, fields: &[Field], row: Row) {
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

    pub(super) fn edit_update(&mut self, action: &Action) {
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
