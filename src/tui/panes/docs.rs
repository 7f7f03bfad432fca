//! The docs pane: the selected entity's TechDocs (`backstage.io/techdocs-ref: dir:<path>`, its
//! `docs/index.md`, relative to the descriptor file) or else the README.md beside the descriptor,
//! rendered as markdown and scrollable. The file is read when the entity is selected (in update),
//! never while drawing.

use crate::catalog::{Catalog, EntityId};
use crate::tui::action::Action;
use crate::tui::markdown;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor::scroll;
use crate::tui::widgets::panel::{bordered_with_keys, draw_block};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct DocsPane {
    pub entity: Option<EntityId>,
    pub path: Option<PathBuf>,
    pub lines: Vec<Line<'static>>,
    /// Why there is nothing to show (or a read error).
    pub message: Option<String>,
    pub scroll: usize,
}

/// Where an entity's docs would be, best first.
pub fn candidates(catalog: &Catalog, id: EntityId) -> Vec<PathBuf> {
    let entity = catalog.entity(id);
    let location = &*entity.source.location;
    if location.contains("://") {
        return Vec::new();
    }
    let dir = Path::new(location)
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut out = Vec::new();
    if let Some(reference) = entity.annotation("backstage.io/techdocs-ref") {
        if let Some(rel) = reference.strip_prefix("dir:") {
            let base: PathBuf = dir
                .join(rel.trim())
                .components()
                .filter(|c| *c != std::path::Component::CurDir)
                .collect();
            out.push(base.join("docs").join("index.md"));
            out.push(base.join("index.md"));
        }
    }
    out.push(dir.join("README.md"));
    out.push(dir.join("readme.md"));
    out
}

impl DocsPane {
    /// Shows the docs of `id`, reading them when the entity changed (or `force`).
    pub fn show(&mut self, catalog: &Catalog, id: EntityId, theme: &Theme, force: bool) {
        if self.entity == Some(id) && !force {
            return;
        }
        self.entity = Some(id);
        self.scroll = 0;
        self.lines.clear();
        self.path = None;
        self.message = None;
        let entity = catalog.entity(id);
        let tried = candidates(catalog, id);
        if tried.is_empty() {
            self.message = Some(format!(
                "{} was read from {}: docs are read from local files only for now",
                entity.key(),
                entity.source.location
            ));
            return;
        }
        for path in &tried {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    self.lines = markdown::render(&text, theme);
                    self.path = Some(path.clone());
                    return;
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => {
                    self.message = Some(format!("{}: {err}", path.display()));
                    return;
                }
            }
        }
        let looked: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
        self.message = Some(format!(
            "no docs for {}. Add a README.md beside its catalog-info.yaml, or TechDocs: the annotation backstage.io/techdocs-ref: dir:. and a docs/index.md. Looked at: {}",
            entity.key(),
            looked.join(", ")
        ));
    }

    pub fn update(&mut self, action: &Action, page: usize) -> Option<Action> {
        self.scroll = scroll(self.scroll, action, self.lines.len(), page);
        None
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, catalog: &Catalog, theme: &Theme) {
        let title = match (self.entity, &self.path) {
            (Some(id), Some(path)) => format!(
                " Docs: {} · {} ",
                catalog.entity(id).reference.short(),
                path.display()
            ),
            (Some(id), None) => format!(" Docs: {} ", catalog.entity(id).reference.short()),
            _ => " Docs ".to_string(),
        };
        let inner = draw_block(
            frame,
            area,
            bordered_with_keys(title, " j/k, ctrl-d/u, g/G: scroll · r: reload ", theme),
        );
        if self.entity.is_none() {
            let text = "no entity selected: pick one in the Catalog (1) and come back with 7";
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), inner);
            return;
        }
        if let Some(message) = &self.message {
            frame.render_widget(
                Paragraph::new(Span::styled(message.clone(), theme.muted))
                    .wrap(Wrap { trim: false }),
                inner,
            );
            return;
        }
        // Only the lines from the scroll position on; wrapping may push the last ones off.
        let shown: Vec<Line> = self
            .lines
            .iter()
            .skip(self.scroll)
            .take(inner.height as usize)
            .cloned()
            .collect();
        frame.render_widget(Paragraph::new(shown).wrap(Wrap { trim: false }), inner);
    }
}
