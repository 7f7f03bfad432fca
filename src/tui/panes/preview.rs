//! The preview of a list's selected row: which row it is about and its lines, built when the
//! selection moves (from the catalog in memory, never the network) so that draw only reads.

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
        };
    }

    /// Whether the lines are those of `subject` (else the preview is not drawn).
    pub fn is_of(&self, subject: Subject) -> bool {
        self.of.is_some_and(|(_, s)| s == subject)
    }
}
