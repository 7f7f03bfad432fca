//! The templates pane: the catalog's Scaffolder templates (title, description, owner, tags);
//! `Enter` opens a template's form (`template_form`), `i` its parameters and steps, read-only.

use super::template_form::TemplateForm;
use super::template_run::{Launcher, RunKind};
use crate::catalog::value::Value;
use crate::catalog::{Catalog, EntityId};
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor::ListCursor;
use crate::tui::widgets::detail::{draw_lines, line, PageLine, Tone};
use crate::tui::widgets::panel::{bordered_with_keys, draw_block};
use crate::tui::widgets::table::{shown, FitTable};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::collections::HashMap;

#[derive(Default)]
pub struct TemplatesPane {
    pub templates: Vec<EntityId>,
    pub list: ListCursor,
    /// Columns scrolled sideways (when the table is wider than the pane).
    pub hscroll: usize,
    /// The template shown in detail, its lines and their cursor.
    pub detail: Option<(EntityId, Vec<PageLine>, ListCursor)>,
    /// The form being filled in (over the list).
    pub form: Option<TemplateForm>,
    /// What real runs need from the config; `None`: dry runs only.
    pub launcher: Option<Launcher>,
    /// The values of forms left unfinished, by template reference, offered back when the same
    /// template's form is opened again (kept until greenroom exits).
    pub abandoned: HashMap<String, serde_json::Value>,
}

impl TemplatesPane {
    pub fn load(&mut self, catalog: &Catalog) {
        self.templates = (0..catalog.len() as EntityId)
            .filter(|&id| catalog.entity(id).is_kind("Template"))
            .collect();
        self.templates
            .sort_by_key(|&id| catalog.entity(id).display_name().to_lowercase());
        self.list = ListCursor::default();
        self.detail = None;
        // A form in progress survives a fresher catalog; its picker's matches were of the old one.
        if let Some(form) = &mut self.form {
            form.popup = None;
        }
    }

    /// Takes what a run sent; true when the screen changed. Never blocks.
    pub fn poll(&mut self) -> bool {
        self.form
            .as_mut()
            .and_then(|f| f.run.as_mut())
            .is_some_and(|r| r.poll())
    }

    /// Whether a yes/no question is asked (before a real run).
    pub fn confirming(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.confirm.is_some())
    }

    /// Whether quitting now would lose what the user did in a form.
    pub fn has_unsaved_work(&self) -> bool {
        self.form
            .as_ref()
            .is_some_and(TemplateForm::has_unsaved_work)
    }

    /// Whether a form field or picker search has the keyboard.
    pub fn typing(&self) -> bool {
        self.form.as_ref().is_some_and(TemplateForm::typing)
    }

    pub fn selected(&self) -> Option<EntityId> {
        match &self.detail {
            Some((id, ..)) => Some(*id),
            None => self.templates.get(self.list.cursor).copied(),
        }
    }

    pub fn update(
        &mut self,
        action: &Action,
        catalog: &Catalog,
        index: Option<&crate::search::SearchIndex>,
        page: usize,
    ) -> Option<Action> {
        if let Some(form) = &mut self.form {
            return match form.update(action, catalog, index, page) {
                Some(Action::Back) => {
                    if form.edited {
                        self.abandoned
                            .insert(form.template.reference.clone(), form.values.clone());
                    }
                    self.form = None;
                    None
                }
                Some(Action::DryRun) => {
                    form.start_run(RunKind::DryRun, catalog, self.launcher.as_ref());
                    None
                }
                Some(Action::Launch) => {
                    form.start_run(RunKind::Real, catalog, self.launcher.as_ref());
                    None
                }
                other => other,
            };
        }
        if let Some((_, lines, list)) = &mut self.detail {
            if list.apply(action, lines.len(), page) {
                return None;
            }
            return match action {
                Action::Back => {
                    self.detail = None;
                    None
                }
                Action::Open => lines
                    .get(list.cursor)
                    .and_then(|l| l.target)
                    .map(Action::OpenEntity),
                _ => None,
            };
        }
        if self.list.apply(action, self.templates.len(), page) {
            return None;
        }
        match action {
            Action::Details => {
                if let Some(id) = self.selected() {
                    self.detail = Some((id, detail(catalog, id), ListCursor::default()));
                }
                None
            }
            Action::Open => {
                let id = self.selected()?;
                let roots = self.launcher.as_ref().map(|l| l.source_roots.as_slice());
                match crate::scaffolder::Template::from_entity(catalog.entity(id)) {
                    Ok(template) => {
                        let template = template.with_source_roots(roots.unwrap_or_default());
                        let left = self.abandoned.remove(&template.reference);
                        let mut form = TemplateForm::new(template);
                        if let Some(values) = left {
                            form.offer_restore(values);
                        }
                        self.form = Some(form);
                        None
                    }
                    Err(err) => Some(Action::Error(err.to_string())),
                }
            }
            Action::Back => Some(Action::Back),
            _ => None,
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, catalog: &Catalog, theme: &Theme) {
        if let Some(form) = &self.form {
            form.draw(frame, area, catalog, theme);
            return;
        }
        if let Some((id, lines, list)) = &self.detail {
            let entity = catalog.entity(*id);
            let inner = draw_block(
                frame,
                area,
                bordered_with_keys(
                    format!(" Template {} ", entity.display_name()),
                    " read-only · esc: back to the list ",
                    theme,
                ),
            );
            draw_lines(frame, inner, lines, *list, theme);
            return;
        }
        let inner = draw_block(
            frame,
            area,
            bordered_with_keys(
                format!(" Templates ({}) ", self.templates.len()),
                " enter: fill in and run · i: parameters and steps ",
                theme,
            ),
        );
        if self.templates.is_empty() {
            let text = "no templates in the catalog (kind: Template, apiVersion scaffolder.backstage.io/v1beta3)";
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), inner);
            return;
        }
        self.table(catalog, inner, theme)
            .draw(frame, inner, theme.table_header, self.hscroll);
    }

    /// The templates on screen in a table in `area`; the description takes the room left.
    pub fn table(&self, catalog: &Catalog, area: Rect, theme: &Theme) -> FitTable<'_> {
        let rows = shown(&self.templates, &self.list, area).map(|(i, &id)| {
            let e = catalog.entity(id);
            let cells = vec![
                Line::from(e.display_name().to_string()),
                Line::from(e.description().unwrap_or_default().to_string()),
                Line::from(e.owner().unwrap_or_default().to_string()),
                Line::from(e.tags().collect::<Vec<_>>().join(", ")),
            ];
            (cells, theme.row_style(i == self.list.cursor, theme.base))
        });
        FitTable {
            titles: ["TITLE", "DESCRIPTION", "OWNER", "TAGS"]
                .map(String::from)
                .to_vec(),
            flex: 1,
            cap: 40,
            rows: rows.collect(),
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.to_string(),
        Value::Null => "~".into(),
        other => serde_json::to_string(&other.to_json()).unwrap_or_default(),
    }
}

/// The template's parameters (each page, each field with its type, whether required, its
/// choices and description) and steps (id, name, action, inputs).
pub fn detail(catalog: &Catalog, id: EntityId) -> Vec<PageLine> {
    let e = catalog.entity(id);
    let mut lines = vec![
        line(&[(e.display_name(), Tone::Heading)]),
        line(&[(&format!("  {}", e.key()), Tone::Muted)]),
    ];
    if let Some(description) = e.description() {
        lines.push(line(&[(&format!("  {description}"), Tone::Base)]));
    }
    if let Some(owner) = e.owner() {
        let target = catalog
            .related(id, crate::catalog::RelationType::OwnedBy)
            .find_map(|t| match t {
                crate::catalog::Target::Entity(id) => Some(id),
                _ => None,
            });
        lines.push(PageLine {
            spans: vec![
                ("  owner ".into(), Tone::Muted),
                (owner.to_string(), Tone::Link),
            ],
            target,
        });
    }
    lines.push(line(&[(
        "  read-only; enter on the list fills in the form",
        Tone::Muted,
    )]));
    lines.push(PageLine::default());
    let pages = match e.spec.get("parameters") {
        Some(Value::Seq(pages)) => pages.to_vec(),
        Some(page @ Value::Map(_)) => vec![page.clone()],
        _ => Vec::new(),
    };
    lines.push(line(&[(
        &format!(
            "Parameters ({} page{})",
            pages.len(),
            if pages.len() == 1 { "" } else { "s" }
        ),
        Tone::Heading,
    )]));
    for (n, page) in pages.iter().enumerate() {
        let title = page
            .str_at("title")
            .map(str::to_string)
            .unwrap_or_else(|| format!("page {}", n + 1));
        lines.push(line(&[(&format!("  {}. {title}", n + 1), Tone::Key)]));
        let required: Vec<&str> = page.get("required").map(Value::strings).unwrap_or_default();
        for (name, schema) in page
            .get("properties")
            .map(Value::as_map)
            .unwrap_or_default()
        {
            let kind = schema.str_at("type").unwrap_or("any");
            let mut spans = vec![
                (format!("     {name}"), Tone::Accent),
                (format!(": {kind}"), Tone::Muted),
            ];
            if required.contains(&&**name) {
                spans.push((" (required)".into(), Tone::Warning));
            }
            if let Some(choices) = schema.get("enum") {
                let choices: Vec<String> = choices.as_seq().iter().map(scalar).collect();
                spans.push((format!("  one of: {}", choices.join(", ")), Tone::Base));
            }
            if let Some(default) = schema.get("default") {
                spans.push((format!("  default: {}", scalar(default)), Tone::Muted));
            }
            lines.push(PageLine {
                spans,
                target: None,
            });
            if let Some(description) = schema
                .str_at("description")
                .or_else(|| schema.str_at("title"))
            {
                lines.push(line(&[(&format!("       {description}"), Tone::Muted)]));
            }
            if let Some(pattern) = schema.str_at("pattern") {
                lines.push(line(&[(
                    &format!("       pattern: {pattern}"),
                    Tone::Muted,
                )]));
            }
        }
    }
    lines.push(PageLine::default());
    let steps = e.spec.get("steps").map(Value::as_seq).unwrap_or_default();
    lines.push(line(&[(
        &format!("Steps ({})", steps.len()),
        Tone::Heading,
    )]));
    for (n, step) in steps.iter().enumerate() {
        let id = step.str_at("id").unwrap_or("?");
        let name = step.str_at("name").unwrap_or(id);
        let action = step.str_at("action").unwrap_or("?");
        lines.push(line(&[
            (&format!("  {}. {name}", n + 1), Tone::Key),
            (&format!("  [{id}]  "), Tone::Muted),
            (action, Tone::Accent),
        ]));
        for (key, value) in step.get("input").map(Value::as_map).unwrap_or_default() {
            lines.push(line(&[
                (&format!("       {key}: "), Tone::Muted),
                (&scalar(value), Tone::Base),
            ]));
        }
    }
    let output = e
        .spec
        .path(&["output", "links"])
        .map(Value::as_seq)
        .unwrap_or_default();
    if !output.is_empty() {
        lines.push(PageLine::default());
        lines.push(line(&[(
            &format!("Output links ({})", output.len()),
            Tone::Heading,
        )]));
        for link in output {
            let title = link.str_at("title").unwrap_or_default();
            let url = link.str_at("url").unwrap_or_default();
            lines.push(line(&[
                (&format!("  {title}  "), Tone::Base),
                (url, Tone::Link),
            ]));
        }
    }
    lines
}
