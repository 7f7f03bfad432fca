//! The entity page: metadata, annotations, links, relations both ways grouped by type (each
//! target with its kind, missing ones marked), the owner with its members and emails, people for
//! groups and users, and the entity's validation problems. The page is built once when opened
//! (a list of lines, some pointing at entities); `Enter` on such a line jumps there.

use super::apidef::ApiView;
use crate::tui::widgets::cursor::ListCursor;
use crate::tui::widgets::detail::line;
use crate::tui::widgets::panel::{bordered_with_keys, draw_block};
// The page's lines are drawn by the detail widget; their types keep their old path here too.
use crate::catalog::value::Value;
use crate::catalog::{Catalog, Definition, EntityId, RelationType, Target};
use crate::tui::action::Action;
use crate::tui::theme::Theme;
pub use crate::tui::widgets::detail::{draw_lines, PageLine, Tone};
use ratatui::layout::Rect;
use ratatui::Frame;

#[derive(Clone, Debug, PartialEq)]
pub struct EntityPage {
    pub id: EntityId,
    pub lines: Vec<PageLine>,
    pub list: ListCursor,
    /// An API's definition, opened with `Enter` on its line (the page's first).
    pub api: Option<ApiView>,
    pub api_open: bool,
}

/// The page line that opens the definition view.
const DEFINITION_LINE: usize = 1;

impl EntityPage {
    pub fn new(catalog: &Catalog, id: EntityId) -> EntityPage {
        let mut lines = build(catalog, id);
        let entity = catalog.entity(id);
        let spec_type = entity.spec_type().unwrap_or("");
        let title = entity.reference.short();
        let api = match entity.definition().filter(|_| entity.is_kind("api")) {
            Some(Definition::Text(text)) => Some(ApiView::new(title, spec_type, text)),
            Some(Definition::Url { placeholder, url }) => {
                Some(ApiView::at_url(title, spec_type, placeholder, url))
            }
            None => None,
        };
        if let Some(view) = &api {
            let (summary, tone) = view.summary();
            let spec_type = entity.spec_type().unwrap_or("definition");
            lines.splice(
                0..0,
                [
                    line(&[("Definition", Tone::Heading)]),
                    line(&[
                        (&format!("  {spec_type:<13}"), Tone::Muted),
                        (&summary, tone),
                        ("  (enter: open)", Tone::Muted),
                    ]),
                    PageLine::default(),
                ],
            );
        }
        // Start on the definition, else on the first line that leads somewhere, so Enter does
        // something at once.
        let cursor = match api {
            Some(_) => DEFINITION_LINE,
            None => lines.iter().position(|l| l.target.is_some()).unwrap_or(0),
        };
        EntityPage {
            id,
            lines,
            list: ListCursor { cursor, offset: 0 },
            api,
            api_open: false,
        }
    }

    pub fn update(&mut self, action: &Action, page: usize) -> Option<Action> {
        if let Some(view) = self.api.as_mut().filter(|_| self.api_open) {
            return view.update(action, page);
        }
        if self.list.apply(action, self.lines.len(), page) {
            return None;
        }
        match action {
            Action::Open if self.api.is_some() && self.list.cursor == DEFINITION_LINE => {
                self.open_definition()
            }
            Action::Open => self
                .lines
                .get(self.list.cursor)
                .and_then(|l| l.target)
                .map(Action::OpenEntity),
            _ => None,
        }
    }

    /// The entity the line under the cursor leads to (none in the definition view).
    pub fn selected_target(&self) -> Option<EntityId> {
        if self.api_open {
            return None;
        }
        self.lines.get(self.list.cursor)?.target
    }

    /// Opens the definition view; a definition at a URL not yet fetched is asked for.
    pub fn open_definition(&mut self) -> Option<Action> {
        self.api_open = self.api.is_some();
        let request = self.api.as_mut()?.fetch_request();
        self.refresh_summary();
        request
    }

    /// Opens the definition view with the cursor on one of its operations.
    pub fn open_operation(&mut self, operation: usize, page: usize) -> Option<Action> {
        let request = self.open_definition();
        if let Some(view) = &mut self.api {
            view.select_operation(operation, page);
        }
        request
    }

    /// The fetched text of a definition at a URL (or why there is none).
    pub fn definition_arrived(&mut self, result: Result<String, String>) {
        if let Some(view) = &mut self.api {
            view.arrived(result);
            self.refresh_summary();
        }
    }

    /// The definition's line on the page, again (a fetch started, ended or failed).
    fn refresh_summary(&mut self) {
        let Some(view) = &self.api else { return };
        let (summary, tone) = view.summary();
        if let Some(line) = self.lines.get_mut(DEFINITION_LINE) {
            if let Some(span) = line.spans.get_mut(1) {
                *span = (summary, tone);
            }
        }
    }

    /// Whether the open definition view's search has the keyboard.
    pub fn typing(&self) -> bool {
        self.api_open && self.api.as_ref().is_some_and(ApiView::typing)
    }

    /// The operation selected in the open definition view.
    pub fn selected_operation(&self) -> Option<&crate::apidef::Operation> {
        self.api
            .as_ref()
            .filter(|_| self.api_open)
            .and_then(ApiView::selected_operation)
    }

    /// After the catalog is read again: the old page's place, and its definition view as it was
    /// (open, on the same operation) when the definition did not change.
    pub fn keep_place(&mut self, old: EntityPage) {
        self.list = old.list;
        self.list.clamp(self.lines.len(), 1);
        if let (Some(new), Some(view)) = (&self.api, old.api) {
            self.api_open = old.api_open;
            if new.same_definition(&view) {
                self.api = Some(view);
            }
        }
    }

    /// Esc: the definition view steps back, then closes; false when the page itself should go.
    pub fn back(&mut self) -> bool {
        match self.api.as_mut().filter(|_| self.api_open) {
            Some(view) => {
                if !view.back() {
                    self.api_open = false;
                }
                true
            }
            None => false,
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, catalog: &Catalog, theme: &Theme) {
        if let Some(view) = self.api.as_ref().filter(|_| self.api_open) {
            view.draw(frame, area, theme);
            return;
        }
        let entity = catalog.entity(self.id);
        let inner = draw_block(
            frame,
            area,
            bordered_with_keys(
                format!(" {} {} ", entity.kind, entity.reference.short()),
                " enter: open · esc: back · 2: dependencies · 7: docs ",
                theme,
            ),
        );
        draw_lines(frame, inner, &self.lines, self.list, theme);
    }
}

fn field(lines: &mut Vec<PageLine>, key: &str, value: Option<&str>) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        lines.push(line(&[
            (&format!("  {key:<13}"), Tone::Muted),
            (value, Tone::Base),
        ]));
    }
}

fn heading(lines: &mut Vec<PageLine>, text: &str) {
    lines.push(PageLine::default());
    lines.push(line(&[(text, Tone::Heading)]));
}

/// A line leading to a relation's target: its reference, its kind, whether it exists.
fn target_line(
    catalog: &Catalog,
    indent: &str,
    arrow: &str,
    target: Target,
    extra: Option<String>,
) -> PageLine {
    let reference = catalog.target_ref(target);
    let mut spans = vec![(format!("{indent}{arrow} "), Tone::Muted)];
    match target {
        Target::Entity(id) => {
            let entity = catalog.entity(id);
            spans.push((reference.key(), Tone::Link));
            spans.push((format!("  {}", entity.kind), Tone::Muted));
            if entity.display_name() != entity.name() {
                spans.push((format!("  {}", entity.display_name()), Tone::Base));
            }
        }
        Target::Missing(_) => {
            spans.push((reference.key(), Tone::Missing));
            spans.push((
                format!("  {}  (missing from the catalog)", reference.kind),
                Tone::Missing,
            ));
        }
    }
    if let Some(extra) = extra {
        spans.push((extra, Tone::Base));
    }
    PageLine {
        spans,
        target: if let Target::Entity(id) = target {
            Some(id)
        } else {
            None
        },
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Null => "~".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => x.to_string(),
        Value::String(s) => s.to_string(),
        other => serde_json::to_string(&other.to_json()).unwrap_or_default(),
    }
}

/// The entity in brief: kind and name, then the fields a person looks for first.
fn summary(catalog: &Catalog, id: EntityId, lines: &mut Vec<PageLine>) {
    let entity = catalog.entity(id);
    lines.push(line(&[
        (&entity.kind, Tone::Accent),
        (" ", Tone::Base),
        (entity.display_name(), Tone::Heading),
    ]));
    field(lines, "ref", Some(&entity.key()));
    field(lines, "title", entity.title());
    field(lines, "description", entity.description());
    field(lines, "type", entity.spec_type());
    field(lines, "lifecycle", entity.lifecycle());
    field(lines, "owner", entity.owner());
    field(lines, "system", entity.system());
    field(lines, "domain", entity.spec_str("domain"));
    field(lines, "email", entity.email());
    let tags: Vec<&str> = entity.tags().collect();
    field(lines, "tags", Some(&tags.join(", ")));
}

fn links(catalog: &Catalog, id: EntityId, lines: &mut Vec<PageLine>) {
    let links = catalog.entity(id).links();
    if !links.is_empty() {
        heading(lines, &format!("Links ({})", links.len()));
        for (url, title) in links {
            lines.push(line(&[
                (&format!("  {}  ", title.unwrap_or(url)), Tone::Base),
                (url, Tone::Link),
            ]));
        }
    }
}

fn problems<'a>(
    lines: &mut Vec<PageLine>,
    title: &str,
    problems: impl ExactSizeIterator<Item = &'a crate::catalog::problem::Problem>,
    show: impl Fn(&crate::catalog::problem::Problem) -> String,
) {
    heading(lines, &format!("{title} ({})", problems.len()));
    if problems.len() == 0 {
        lines.push(line(&[("  none", Tone::Muted)]));
    }
    for problem in problems {
        let tone = if problem.is_error() {
            Tone::Error
        } else {
            Tone::Warning
        };
        lines.push(line(&[(&format!("  {}", show(problem)), tone)]));
    }
}

/// The preview beside a list: the summary, links, how many relations of each type, and the
/// problems of the entity's file (a sibling that failed to load shows there too).
pub fn preview(catalog: &Catalog, id: EntityId) -> Vec<PageLine> {
    let mut lines = Vec::new();
    summary(catalog, id, &mut lines);
    links(catalog, id, &mut lines);
    let relations = catalog.relations(id);
    heading(&mut lines, &format!("Relations ({})", relations.len()));
    for kind in RelationType::ALL {
        let count = catalog.related(id, kind).count();
        if count > 0 {
            lines.push(line(&[
                (&format!("  {:<16}", kind.name()), Tone::Key),
                (&count.to_string(), Tone::Base),
            ]));
        }
    }
    let location = &catalog.entity(id).source.location;
    let in_file: Vec<_> = catalog
        .problems
        .iter()
        .filter(|p| p.location == *location)
        .collect();
    problems(
        &mut lines,
        "Problems in its file",
        in_file.into_iter(),
        |p| format!("{}:{} {}: {}", p.pos.line, p.pos.col, p.severity, p.message),
    );
    lines
}

/// Builds the page's lines.
pub fn build(catalog: &Catalog, id: EntityId) -> Vec<PageLine> {
    let entity = catalog.entity(id);
    let mut lines = Vec::new();
    summary(catalog, id, &mut lines);
    for (key, value) in entity
        .metadata
        .get("labels")
        .map(Value::as_map)
        .unwrap_or_default()
    {
        field(
            &mut lines,
            &format!("label {key}"),
            Some(&value_text(value)),
        );
    }
    if catalog.origins().len() > 1 {
        // Several sources merged: which one this entity came from.
        field(&mut lines, "from", catalog.origin(id));
    }
    field(
        &mut lines,
        "source",
        Some(&format!(
            "{}:{}:{}",
            entity.source.location, entity.source.pos.line, entity.source.pos.col
        )),
    );

    let annotations = entity
        .metadata
        .get("annotations")
        .map(Value::as_map)
        .unwrap_or_default();
    heading(&mut lines, &format!("Annotations ({})", annotations.len()));
    for (key, value) in annotations {
        lines.push(line(&[
            (&format!("  {key}: "), Tone::Muted),
            (&value_text(value), Tone::Base),
        ]));
    }

    links(catalog, id, &mut lines);
    people(catalog, id, &mut lines);

    let relations = catalog.relations(id);
    heading(&mut lines, &format!("Relations ({})", relations.len()));
    if relations.is_empty() {
        lines.push(line(&[("  none", Tone::Muted)]));
    }
    for kind in RelationType::ALL {
        let targets: Vec<Target> = catalog.related(id, kind).collect();
        if targets.is_empty() {
            continue;
        }
        lines.push(line(&[(
            &format!("  {} ({})", kind.name(), targets.len()),
            Tone::Key,
        )]));
        for target in targets {
            lines.push(target_line(catalog, "    ", "→", target, None));
        }
    }

    let own = catalog.problems_of(id);
    problems(&mut lines, "Problems", own.into_iter(), |p| p.to_string());
    lines
}

/// Who: the owner group with its parents, members and emails; for a group its members, parent,
/// children; for a user their groups.
fn people(catalog: &Catalog, id: EntityId, lines: &mut Vec<PageLine>) {
    let entity = catalog.entity(id);
    if entity.is_kind("Group") {
        heading(lines, "Team");
        team(catalog, id, lines);
        let children: Vec<Target> = catalog.related(id, RelationType::ParentOf).collect();
        lines.push(line(&[(
            &format!("  children ({})", children.len()),
            Tone::Key,
        )]));
        for child in children {
            lines.push(target_line(catalog, "    ", "→", child, None));
        }
        let owns: Vec<Target> = catalog.related(id, RelationType::OwnerOf).collect();
        lines.push(line(&[(&format!("  owns ({})", owns.len()), Tone::Key)]));
        for owned in owns {
            lines.push(target_line(catalog, "    ", "→", owned, None));
        }
    } else if entity.is_kind("User") {
        let groups: Vec<Target> = catalog.related(id, RelationType::MemberOf).collect();
        heading(lines, &format!("Groups ({})", groups.len()));
        for group in groups {
            lines.push(target_line(catalog, "  ", "→", group, None));
        }
    } else {
        let owners: Vec<Target> = catalog.related(id, RelationType::OwnedBy).collect();
        heading(lines, "Owner");
        if owners.is_empty() {
            lines.push(line(&[("  no owner declared (spec.owner)", Tone::Warning)]));
        }
        for owner in owners {
            lines.push(target_line(catalog, "  ", "→", owner, None));
            if let Target::Entity(group) = owner {
                if catalog.entity(group).is_kind("Group") {
                    team(catalog, group, lines);
                }
            }
        }
    }
}

/// A group's email, parent chain and members with their emails (as `greenroom who` prints).
fn team(catalog: &Catalog, group: EntityId, lines: &mut Vec<PageLine>) {
    let entity = catalog.entity(group);
    field(lines, "name", Some(entity.display_name()));
    field(lines, "email", entity.email());
    let chain = catalog.parent_chain(group);
    if let Some(parent) = catalog.related(group, RelationType::ChildOf).next() {
        lines.push(target_line(catalog, "  ", "parent", parent, None));
    }
    if chain.len() > 1 {
        field(lines, "part of", Some(&chain.join(" → ")));
    }
    let members: Vec<Target> = catalog.related(group, RelationType::HasMember).collect();
    lines.push(line(&[(
        &format!("  members ({})", members.len()),
        Tone::Key,
    )]));
    for member in members {
        let email = match member {
            Target::Entity(user) => catalog.entity(user).email().map(|e| format!("  <{e}>")),
            Target::Missing(_) => None,
        };
        lines.push(target_line(catalog, "    ", "→", member, email));
    }
}
