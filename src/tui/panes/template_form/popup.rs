//! The lists over the form: a select's choices, a repository part's allowed values, and the
//! entity picker searching the catalog.

use super::model::{repo_part_mut, Popup, TemplateForm};
use crate::catalog::{Catalog, EntityId};
use crate::scaffolder::form::{self, Field, RepoUrl, Widget};
use crate::search::SearchIndex;
use crate::tui::action::Action;
use crate::tui::panes::ListCursor;
use serde_json::Value;

/// Most picker matches listed.
const PICKER_ROWS: usize = 50;

impl TemplateForm {
    pub(super) fn popup_update(
        &mut self,
        action: &Action,
        catalog: &Catalog,
        index: Option<&SearchIndex>,
    ) {
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
}

/// Searches the catalog again for a picker's query.
pub(super) fn refresh_matches(
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
