//! The docs pane: the selected entity's TechDocs site (the nav as a tree beside the page) or its
//! README, rendered by `techdocs::render`. Tab/Shift-Tab select the page's links, Enter follows
//! one (pages of the site open here, Esc comes back), `p` moves to the nav, `o` shows the page's
//! headings. Files are read when the entity or page changes (in update), never while drawing.

mod draw;

use super::remote::{Fetch, Remote};
use crate::catalog::{Catalog, EntityId};
use crate::techdocs::links::{self, Target};
use crate::techdocs::render::{render_with, Folds};
use crate::techdocs::{self, Doc, Docs, NavItem, NavTarget, Site};
use crate::tui::action::{Action, Wanted};
use crate::tui::markdown;
use crate::tui::widgets::cursor::{scroll, ListCursor};
use std::path::PathBuf;

pub struct DocsPane {
    pub entity: Option<EntityId>,
    /// The entity's site or README; `None` with `message` saying why.
    pub docs: Option<Docs>,
    /// The site's nav, flattened for the tree.
    pub nav: Vec<NavRow>,
    pub nav_cursor: ListCursor,
    /// The page shown: its path under `docs_dir` (`None` for a README).
    pub page: Option<String>,
    /// The file shown.
    pub path: Option<PathBuf>,
    /// The page rendered, or why it cannot be (naming the file).
    pub doc: Result<Doc, String>,
    /// The page's markdown, rendered again when a folding admonition opens or closes.
    source: String,
    /// The folding admonitions (`???`) the reader flipped from how the site shows them.
    pub flipped: Vec<usize>,
    /// Why there is nothing to show at all (no docs, a broken mkdocs.yml).
    pub message: Option<String>,
    /// The file at fault behind `message`, and its line, for `e`.
    pub broken: Option<(PathBuf, u32)>,
    pub scroll: usize,
    /// The link Tab selected (an index into the page's links).
    pub link: Option<usize>,
    pub focus: Focus,
    /// The side column shows the page's headings instead of the nav.
    pub outline: bool,
    pub outline_cursor: ListCursor,
    /// Where Esc goes back to: pages (and places in them) left by following links.
    pub history: Vec<Place>,
    /// A site at a URL (`techdocs-ref: url:`), until it has been fetched (`panes/remote.rs`).
    pub remote: Option<Remote>,
}

impl Default for DocsPane {
    fn default() -> Self {
        DocsPane {
            entity: None,
            docs: None,
            nav: Vec::new(),
            nav_cursor: ListCursor::default(),
            page: None,
            path: None,
            doc: Ok(Doc::default()),
            source: String::new(),
            flipped: Vec::new(),
            message: None,
            broken: None,
            scroll: 0,
            link: None,
            focus: Focus::Page,
            outline: false,
            outline_cursor: ListCursor::default(),
            history: Vec::new(),
            remote: None,
        }
    }
}

/// Which part of the pane the keys move.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    Page,
    Nav,
    Outline,
}

/// A row of the nav tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NavRow {
    pub depth: usize,
    pub title: String,
    pub target: RowTarget,
    /// A page of `docs_dir` that the nav leaves out.
    pub in_nav: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowTarget {
    Page(String),
    Section,
    Link(String),
}

/// A place in the docs to come back to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub page: Option<String>,
    pub scroll: usize,
    pub link: Option<usize>,
}

fn flatten(items: &[NavItem], depth: usize, out: &mut Vec<NavRow>) {
    for item in items {
        // The pages the nav leaves out come after it, under a label saying so.
        if !item.in_nav && out.last().is_none_or(|row| row.in_nav) {
            out.push(NavRow {
                depth,
                title: "(not in nav)".to_string(),
                target: RowTarget::Section,
                in_nav: false,
            });
        }
        let target = match &item.target {
            NavTarget::Page(page) => RowTarget::Page(page.clone()),
            NavTarget::Link(url) => RowTarget::Link(url.clone()),
            NavTarget::Section(_) => RowTarget::Section,
        };
        out.push(NavRow {
            depth: depth + usize::from(!item.in_nav),
            title: item.title.clone(),
            target,
            in_nav: item.in_nav,
        });
        if let NavTarget::Section(children) = &item.target {
            flatten(children, depth + 1, out);
        }
    }
}

impl DocsPane {
    /// Shows the docs of `id`, reading them when the entity changed (or `force`, which keeps the
    /// page shown when the site still has it).
    pub fn show(&mut self, catalog: &Catalog, id: EntityId, force: bool) {
        if self.entity == Some(id) && !force {
            return;
        }
        let keep = match self.entity == Some(id) {
            true => Some(self.place()),
            false => None,
        };
        *self = DocsPane {
            entity: Some(id),
            ..DocsPane::default()
        };
        self.fill(techdocs::locate(catalog.entity(id)), keep);
    }

    /// Shows located docs (or why there are none); `keep`: the place to go back to in them.
    fn fill(&mut self, located: Result<Docs, techdocs::Missing>, keep: Option<Place>) {
        match located {
            Ok(docs) => self.docs = Some(docs),
            Err(techdocs::Missing::Url { url, .. }) => {
                // Fetched by the providers; the pane says so meanwhile.
                self.remote = Some(Remote::new(Wanted::DocsSite { url }));
                return;
            }
            Err(missing) => {
                if let techdocs::Missing::Site(err) = &missing {
                    let line = err.line.and_then(|l| u32::try_from(l).ok());
                    self.broken = Some((err.path.clone(), line.unwrap_or(1)));
                }
                self.message = Some(missing.to_string());
                return;
            }
        }
        if let Some(Docs::Site(site)) = &self.docs {
            flatten(&site.nav, 0, &mut self.nav);
        }
        let first = match &self.docs {
            Some(Docs::Site(site)) => site.first_page().map(str::to_string),
            _ => None,
        };
        match keep {
            Some(place) => {
                self.open(place.page.clone());
                self.restore(place);
            }
            None => self.open(first),
        }
    }

    /// The request for a site at a URL, the first time it is shown.
    pub fn fetch_request(&mut self) -> Option<Action> {
        self.remote
            .as_mut()
            .filter(|r| r.state == Fetch::NotAsked)?
            .ask()
    }

    /// The providers' answer for the site at `url` (the folder it was fetched to, or why not);
    /// true when the pane was waiting for it. The site opens with its nav, as a local one.
    pub fn site_arrived(&mut self, url: &str, result: Result<PathBuf, String>) -> bool {
        let Some(remote) = self.remote.as_mut().filter(|r| r.wanted.url() == url) else {
            return false;
        };
        if let Some(folder) = remote.arrived(result) {
            let located = Site::open(&folder)
                .map(Docs::Site)
                .map_err(techdocs::Missing::Site);
            self.fill(located, None);
        }
        true
    }

    /// Where the pane is, for Esc and reload.
    fn place(&self) -> Place {
        Place {
            page: self.page.clone(),
            scroll: self.scroll,
            link: self.link,
        }
    }

    fn restore(&mut self, place: Place) {
        if place.page != self.page {
            self.open(place.page);
        }
        self.scroll = place.scroll.min(self.len().saturating_sub(1));
        self.link = place.link.filter(|l| self.links() > *l);
    }

    /// Reads and renders a page of the site (`None`: the README, or a site with no pages).
    fn open(&mut self, page: Option<String>) {
        self.scroll = 0;
        self.link = None;
        self.outline_cursor = ListCursor::default();
        let read = match (&self.docs, &page) {
            (Some(Docs::Site(site)), Some(page)) => {
                self.path = Some(site.path_of(page));
                site.read(page).map_err(|err| err.to_string())
            }
            (Some(Docs::Site(site)), None) => Err(format!(
                "{}: the site has no pages (none in its nav, no .md files in {})",
                site.config.display(),
                site.docs_dir.display()
            )),
            (Some(Docs::File(path)), _) => {
                self.path = Some(path.clone());
                techdocs::read_file(path).map_err(|err| err.to_string())
            }
            (None, _) => return,
        };
        self.flipped.clear();
        self.source = read.as_ref().cloned().unwrap_or_default();
        self.doc = read.map(|text| render_with(&text, Folds::Toggled(&[])));
        if let Some(at) = self
            .nav
            .iter()
            .position(|row| matches!(&row.target, RowTarget::Page(p) if Some(p) == page.as_ref()))
        {
            self.nav_cursor.cursor = at;
        }
        self.page = page;
    }

    fn len(&self) -> usize {
        self.doc.as_ref().map_or(0, |doc| doc.lines.len())
    }

    fn links(&self) -> usize {
        self.doc.as_ref().map_or(0, |doc| doc.links.len())
    }

    /// The file `e` opens: the page shown, or the broken mkdocs.yml at its line.
    pub fn edit_target(&self) -> Option<(PathBuf, u32)> {
        self.broken
            .clone()
            .or_else(|| self.path.clone().map(|path| (path, 1)))
    }

    /// Whether the side column is drawn: a site's nav, or the outline.
    pub fn has_side(&self) -> bool {
        self.outline || !self.nav.is_empty()
    }

    /// An action on the pane; `page` rows fit on screen, which is `width` columns wide.
    pub fn update(&mut self, action: &Action, page: usize, width: u16) -> Option<Action> {
        if let Some(remote) = self.remote.as_mut().filter(|r| r.pending()) {
            // Nothing to show yet but the fetch: Enter asks again after a failure.
            return match action {
                Action::Open => remote.ask(),
                _ => None,
            };
        }
        match (self.focus, action) {
            (_, Action::TogglePages) => {
                self.focus = match self.focus {
                    Focus::Nav => Focus::Page,
                    _ if self.nav.is_empty() => return self.no_nav(),
                    _ => {
                        self.outline = false;
                        Focus::Nav
                    }
                };
                None
            }
            (_, Action::ToggleOutline) => {
                self.outline = !self.outline;
                self.focus = match self.outline {
                    true => Focus::Outline,
                    false => Focus::Page,
                };
                // The cursor starts on the heading of the part of the page on screen.
                let at = self.doc.as_ref().map_or(0, |doc| {
                    doc.headings
                        .iter()
                        .rposition(|h| h.line <= self.scroll)
                        .unwrap_or(0)
                });
                self.outline_cursor = ListCursor {
                    cursor: at,
                    offset: 0,
                };
                // The side column's first row is its title.
                self.outline_cursor.clamp(at + 1, page.saturating_sub(1));
                None
            }
            (Focus::Nav, Action::Open) => {
                let target = self
                    .nav
                    .get(self.nav_cursor.cursor)
                    .map(|r| r.target.clone());
                match target {
                    // A section's title opens nothing: the keys stay in the nav.
                    Some(RowTarget::Section) | None => None,
                    Some(RowTarget::Link(url)) => Some(Action::OpenUrl(url)),
                    Some(RowTarget::Page(p)) => {
                        self.focus = Focus::Page;
                        match self.page.as_ref() == Some(&p) {
                            true => None,
                            false => self.go(Some(p), None),
                        }
                    }
                }
            }
            (Focus::Nav, _) => {
                self.nav_cursor.apply(action, self.nav.len(), page);
                None
            }
            (Focus::Outline, Action::Open) => {
                let line =
                    self.doc.as_ref().ok().and_then(|doc| {
                        doc.headings.get(self.outline_cursor.cursor).map(|h| h.line)
                    });
                if let Some(line) = line {
                    self.history.push(self.place());
                    self.scroll = line;
                    self.link = None;
                }
                self.focus = Focus::Page;
                None
            }
            (Focus::Outline, _) => {
                let headings = self.doc.as_ref().map_or(0, |doc| doc.headings.len());
                self.outline_cursor.apply(action, headings, page);
                None
            }
            (Focus::Page, Action::NextLink | Action::PrevLink) => {
                self.select_link(*action == Action::NextLink, page, width);
                None
            }
            (Focus::Page, Action::Open) => self.follow(),
            (Focus::Page, _) => {
                self.scroll = scroll(self.scroll, action, self.len(), page);
                None
            }
        }
    }

    fn no_nav(&self) -> Option<Action> {
        Some(Action::Error(match &self.path {
            Some(path) => format!("{} is a single page: no TechDocs nav", path.display()),
            None => "no TechDocs site here".to_string(),
        }))
    }

    /// Tab: the next link after the selected one (or the first from the top of the screen),
    /// scrolled into view; Shift-Tab the one before. Both wrap round.
    fn select_link(&mut self, forward: bool, page: usize, width: u16) {
        let Ok(doc) = &self.doc else { return };
        let count = doc.links.len();
        if count == 0 {
            return;
        }
        let next = match (self.link, forward) {
            (Some(l), true) => (l + 1) % count,
            (Some(l), false) => (l + count - 1) % count,
            (None, true) => doc
                .links
                .iter()
                .position(|l| l.line >= self.scroll)
                .unwrap_or(0),
            (None, false) => doc
                .links
                .iter()
                .rposition(|l| l.line < self.scroll + page.max(1))
                .unwrap_or(count - 1),
        };
        let line = doc.links[next].line;
        // Down far enough that the rows from the top of the screen to the link's line, wrapped
        // as draw wraps them, fit on it.
        let width = self.page_width(width);
        let mut top = self.scroll.min(line);
        while top < line
            && doc.lines[top..=line]
                .iter()
                .map(|l| markdown::rows(l, width))
                .sum::<usize>()
                > page.max(1)
        {
            top += 1;
        }
        self.scroll = top;
        self.link = Some(next);
    }

    /// Enter on the selected link: a page of the site opens here, an anchor scrolls to its
    /// heading, a web address goes to the browser.
    /// The address of the link `Enter` would follow on the page, if one is selected there.
    pub fn selected_href(&self) -> Option<&str> {
        if self.focus != Focus::Page {
            return None;
        }
        let doc = self.doc.as_ref().ok()?;
        let link = doc.links.get(self.link?)?;
        link.fold.is_none().then_some(link.href.as_str())
    }

    fn follow(&mut self) -> Option<Action> {
        let Ok(doc) = &self.doc else { return None };
        let link = doc.links.get(self.link?)?;
        if let Some(fold) = link.fold {
            // The title of a folding admonition: flip it, the selection and place kept.
            match self.flipped.iter().position(|f| *f == fold) {
                Some(at) => _ = self.flipped.swap_remove(at),
                None => self.flipped.push(fold),
            }
            self.doc = Ok(render_with(&self.source, Folds::Toggled(&self.flipped)));
            return None;
        }
        let from = self.page.as_deref().unwrap_or("index.md");
        match links::resolve(from, &link.href) {
            Target::External(url) => Some(Action::OpenUrl(url)),
            Target::Anchor(anchor) => self.go(self.page.clone(), Some(anchor)),
            Target::Page { path, anchor } => match &self.docs {
                Some(Docs::Site(_)) => self.go(Some(path), anchor),
                _ => Some(Action::Error(format!(
                    "{}: {path} is another file, and only a TechDocs site's pages open here",
                    link.href
                ))),
            },
            Target::File(path) => Some(Action::Error(format!(
                "{path} is not a page (only markdown pages open here)"
            ))),
        }
    }

    /// Opens `page` (or stays on it) at `anchor`, remembering where the pane was for Esc.
    fn go(&mut self, page: Option<String>, anchor: Option<String>) -> Option<Action> {
        let before = self.place();
        if page != self.page {
            self.open(page);
        }
        self.history.push(before);
        let anchor = anchor?;
        let line = self
            .doc
            .as_ref()
            .ok()
            .and_then(|doc| doc.anchor_line(&anchor));
        match line {
            Some(line) => {
                // The heading at the top, as a browser puts it.
                self.scroll = line;
                self.link = None;
                None
            }
            None => Some(Action::Error(format!(
                "no heading #{anchor} in {}",
                self.page.as_deref().unwrap_or("this page")
            ))),
        }
    }

    /// Esc: the nav or outline gives the keys back to the page, then the page before comes
    /// back. False when there is nothing to go back to here.
    pub fn back(&mut self) -> bool {
        if self.focus != Focus::Page {
            self.focus = Focus::Page;
            return true;
        }
        if self.outline {
            self.outline = false;
            return true;
        }
        match self.history.pop() {
            Some(place) => {
                self.restore(place);
                true
            }
            None => false,
        }
    }
}

/// The entity a link to Backstage's entity page names (`/catalog/NAMESPACE/KIND/NAME`, maybe
/// with a tab after it, on any host or relative), if the catalog has it.
pub fn entity_of_link(catalog: &Catalog, href: &str) -> Option<EntityId> {
    let path = href.split(['?', '#']).next()?;
    let (_, rest) = path.split_once("/catalog/")?;
    let mut parts = rest.trim_end_matches('/').split('/');
    let (namespace, kind, name) = (parts.next()?, parts.next()?, parts.next()?);
    catalog.get(&format!("{kind}:{namespace}/{name}"))
}
