//! What the selection is for `y` (the text copied) and `e` (the file opened in the editor), on
//! each view.

use super::state::App;
use crate::catalog::EntityId;
use crate::tui::action::Section;

impl App {
    /// What `y` copies here: the selected entity's reference, or on CI/CD the run's URL, on
    /// Incidents the incident's, in an API's definition the operation's `METHOD path`.
    pub(super) fn copy_text(&self) -> Result<String, String> {
        let data = self.data.as_ref().ok_or("the catalog is not loaded yet")?;
        let catalog = &data.catalog;
        if let Some(op) = self.page.as_ref().and_then(|p| p.selected_operation()) {
            return Ok(format!("{} {}", op.method, op.path));
        }
        let selected = match (&self.page, self.section) {
            (Some(page), _) => Some(page.id),
            (None, Section::CiCd) => {
                return self
                    .cicd
                    .selected_url(catalog, self.focus)
                    .ok_or_else(|| "no run selected".into())
            }
            (None, Section::Incidents) if self.incidents.view.is_none() => {
                return self
                    .incidents
                    .selected_incident(catalog)
                    .map(|(incident, _)| incident.html_url)
                    .filter(|url| !url.is_empty())
                    .ok_or_else(|| "no incident selected".into())
            }
            (None, Section::Catalog) => self.catalog.selected(),
            (None, Section::Dependencies) => self.deps.selected_entity(),
            (None, Section::Templates) => self.templates.selected(),
            (None, Section::Problems) => {
                let problem = self
                    .problems
                    .selected(catalog)
                    .ok_or("no problem selected")?;
                return Ok(problem
                    .entity
                    .clone()
                    .unwrap_or_else(|| format!("{}:{}", problem.location, problem.pos.line)));
            }
            _ => self.focus,
        };
        selected
            .map(|id| catalog.entity(id).key())
            .ok_or_else(|| "nothing selected to copy".into())
    }

    /// The entity the selected row names (`g d`, and `Enter` where a row has nothing else to
    /// open): a relation's target, a node's entity, a run's or an incident's service, a cost
    /// row's team or service, a report line's entity.
    pub fn row_entity(&self) -> Option<EntityId> {
        let catalog = &self.data.as_ref()?.catalog;
        if let Some(page) = &self.page {
            return page.selected_target();
        }
        match self.section {
            Section::Catalog => self.catalog.selected(),
            Section::Dependencies => self.deps.selected_entity(),
            Section::CiCd => self.cicd.selected_entity(catalog, self.focus),
            Section::Incidents => self.incidents.row_entity(catalog),
            Section::Cost => self.cost.selected_entity(catalog),
            Section::Templates => self.templates.selected(),
            Section::Docs => self.focus,
            Section::Problems => self
                .problems
                .selected(catalog)
                .and_then(|p| catalog.get(p.entity.as_deref()?)),
            Section::Scorecards => self.scorecards.selected(&self.insights),
            Section::Dora => self.dora.selected(&self.insights),
            Section::Maturity => self.maturity.selected(&self.insights),
        }
    }

    /// What `e` opens here: the selected entity's file (the page's, the list's, the tree node's,
    /// the template's), the selected problem's, the template form field's declaration, or the
    /// docs page shown (a broken mkdocs.yml at its line).
    pub(super) fn edit_request(&self) -> Result<crate::tui::editor::EditRequest, String> {
        use crate::tui::editor;
        let data = self.data.as_ref().ok_or("the catalog is not loaded yet")?;
        let catalog = &data.catalog;
        let entity = |id: Option<EntityId>| {
            id.map(|id| catalog.entity(id))
                .ok_or_else(|| "nothing selected to edit".to_string())
        };
        if let Some(page) = &self.page {
            return editor::for_entity(catalog.entity(page.id));
        }
        match self.section {
            Section::Catalog => editor::for_entity(entity(self.catalog.selected())?),
            Section::Dependencies => editor::for_entity(entity(self.deps.selected_entity())?),
            Section::Problems => editor::for_problem(
                self.problems
                    .selected(catalog)
                    .ok_or("no problem selected")?,
            ),
            Section::Templates => match &self.templates.form {
                Some(form) => {
                    let template = entity(catalog.get(&form.template.reference))?;
                    match form.selected_field() {
                        Some(field) => editor::for_template_field(template, &field),
                        None => editor::for_entity(template),
                    }
                }
                None => editor::for_entity(entity(self.templates.selected())?),
            },
            Section::Docs => match self.docs.edit_target() {
                Some((path, line)) => Ok(editor::EditRequest::File { path, line }),
                None => editor::for_entity(entity(self.focus)?),
            },
            _ => editor::for_entity(entity(self.focus)?),
        }
    }
}
