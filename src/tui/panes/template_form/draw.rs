//! Drawing the form: its frame and stepper, the fields of a page, the review, and the pop-up list.

use super::model::{repo_part, Popup, Question, RepoPart, Row, Stage, TemplateForm};
use crate::catalog::Catalog;
use crate::scaffolder::form::{
    self, display, field_error, page_title, Field, RepoUrl, Widget, MASK,
};
use crate::tui::panes::template_run::RunKind;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use serde_json::Value;

impl TemplateForm {
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
            crate::tui::panes::draw_question(
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
        let offset = crate::tui::panes::visible_offset(cursor, 0, room);
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
