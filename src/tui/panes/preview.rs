//! The preview of a list's selected row: which row it is about and its lines, built when the
//! selection moves or data arrives (from what is in memory, never the network) so that draw only
//! reads. Catalog rows (entities, templates, problems) are built here; the live panes' rows (a
//! run, an incident, a cost row, a scorecard or DORA row) by their panes, handed in with
//! [`Preview::set`].

use super::{entity, problems, templates};
use crate::catalog::{Catalog, EntityId};
use crate::tui::widgets::detail::PageLine;
use std::sync::Arc;

/// What a preview shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Entity(EntityId),
    Template(EntityId),
    /// A problem, by its index in the catalog's problems.
    Problem(usize),
    /// A CI run, by its id.
    Run(u64),
    /// A PagerDuty incident, by its number.
    Incident(u64),
    /// A Cost row, by its place in the table.
    Cost(usize),
    /// An entity's (or a team's) scorecard.
    Scorecard(EntityId),
    /// An entity's (or a team's) DORA figures.
    Dora(EntityId),
}

#[derive(Default)]
pub struct Preview {
    /// What the lines are of, and in which catalog (its address: a fresher catalog rebuilds).
    of: Option<(usize, Subject)>,
    pub title: String,
    pub lines: Vec<PageLine>,
}

impl Preview {
    /// Builds the lines of `subject` unless they are already those.
    pub fn show(&mut self, catalog: &Arc<Catalog>, subject: Subject) {
        let key = (Arc::as_ptr(catalog) as usize, subject);
        if self.of == Some(key) {
            return;
        }
        self.of = Some(key);
        (self.title, self.lines) = match subject {
            Subject::Entity(id) => (
                catalog.entity(id).reference.short(),
                entity::preview(catalog, id),
            ),
            Subject::Template(id) => (
                catalog.entity(id).display_name().to_string(),
                templates::detail(catalog, id),
            ),
            Subject::Problem(at) => ("Problem".into(), problems::preview(catalog, at)),
            // Built by their panes (see `set`).
            _ => return,
        };
    }

    /// Lines a pane built for `subject` (built again whenever its data may have changed).
    pub fn set(&mut self, subject: Subject, title: String, lines: Vec<PageLine>) {
        self.of = Some((0, subject));
        (self.title, self.lines) = (title, lines);
    }

    /// Whether the lines are those of `subject` (else the preview is not drawn).
    pub fn is_of(&self, subject: Subject) -> bool {
        self.of.is_some_and(|(_, s)| s == subject)
    }
}
