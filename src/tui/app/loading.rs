//! What arrives from the loader and the background work: a catalog (the first, or a fresher one
//! replacing it with the view kept), its search index, progress; and the entity asked for at
//! launch, opened once the catalog is there.

use super::state::{App, Status};
use crate::catalog::EntityId;
use crate::tui::action::{Action, LoadResult, Section};
use crate::tui::panes::entity::EntityPage;

impl App {
    /// Anything the loader sends.
    pub fn on_loader(&mut self, message: crate::tui::action::LoaderMsg) {
        use crate::tui::action::LoaderMsg;
        match message {
            LoaderMsg::Catalog(result) => self.on_loaded(result),
            LoaderMsg::Index { catalog, index } => self.on_index(&catalog, index),
            LoaderMsg::Endpoints { catalog, endpoints } => self.on_endpoints(&catalog, endpoints),
            LoaderMsg::Status(status) => self.on_loader_status(status),
        }
    }

    /// A catalog arrived from the loader: the first one, or a fresher one replacing what is on
    /// screen (after a snapshot), in which case the view stays where it was: same filter, kind,
    /// sort, section, and the same entities selected and open (looked up by reference).
    pub fn on_loaded(&mut self, result: LoadResult) {
        let LoadResult {
            data,
            unreadable,
            elapsed,
            snapshot_age,
            warnings,
            updated,
            name_ranks,
        } = result;
        let old = self.data.take();
        let remap = |id: EntityId| -> Option<EntityId> {
            let old = old.as_ref()?;
            data.catalog.get(&old.catalog.entity(id).key())
        };
        let selected = self.catalog.selected().and_then(remap);
        let mut gone_page = None;
        let focus = self.focus.and_then(remap);
        self.catalog.load(&data, self.background_search, name_ranks);
        if old.is_some() {
            if let Some(id) = selected {
                self.catalog.select(id, self.page_rows());
            }
            let rebuild = |page: Option<EntityPage>| -> Option<EntityPage> {
                let page = page?;
                let id = remap(page.id)?;
                let mut new = EntityPage::new(&data.catalog, id);
                new.keep_place(page);
                Some(new)
            };
            if let Some(gone) = self.page.as_ref().filter(|p| remap(p.id).is_none()) {
                let old = old.as_ref().map(|d| d.catalog.entity(gone.id));
                gone_page = old.map(|entity| {
                    format!(
                        "{} is no longer in the catalog ({} changed)",
                        entity.reference.short(),
                        entity.source.location
                    )
                });
            }
            self.page = rebuild(self.page.take());
            let rebuild_all = |views: Vec<(Section, Option<EntityPage>)>| {
                views
                    .into_iter()
                    .filter_map(|(section, page)| match page {
                        None => Some((section, None)),
                        Some(page) => rebuild(Some(page)).map(|p| (section, Some(p))),
                    })
                    .collect()
            };
            self.history = rebuild_all(std::mem::take(&mut self.history));
            self.forward = rebuild_all(std::mem::take(&mut self.forward));
            self.deps.root = None;
            self.docs.entity = None;
            self.templates.detail = None;
        }
        // Loaded when first needed (`prepare`); the one on screen is, by `sync` below.
        self.unprepared = vec![
            Section::Templates,
            Section::CiCd,
            Section::Incidents,
            Section::Cost,
        ];
        self.focus = self
            .page
            .as_ref()
            .map(|p| p.id)
            .or(focus)
            .or_else(|| self.catalog.selected());
        self.refreshing = snapshot_age.is_some();
        self.snapshot_age = snapshot_age;
        if snapshot_age.is_none() {
            self.progress = None;
            self.offline = None;
        }
        if let Some(updated) = updated {
            self.status = Some(Status {
                text: format!(
                    "reloaded {} file{} in {} ms",
                    updated.files,
                    if updated.files == 1 { "" } else { "s" },
                    updated.took.as_millis()
                ),
                error: false,
            });
        } else if old.is_some() && snapshot_age.is_none() {
            let before = old.as_ref().map_or(0, |d| d.catalog.len());
            let now = data.catalog.len();
            let change = if now >= before {
                format!("+{}", now - before)
            } else {
                format!("-{}", before - now)
            };
            self.status = Some(Status {
                text: format!("refreshed from the sources ({change})"),
                error: false,
            });
        }
        self.loaded_in = Some(elapsed);
        if snapshot_age.is_none() {
            self.catalog_read_at = Some(std::time::Instant::now());
        }
        for warning in warnings.into_iter().chain(gone_page) {
            self.warn(warning);
        }
        if !unreadable.is_empty() {
            self.warn(format!("cannot read: {}", unreadable.join("; ")));
        }
        self.data = Some(data);
        self.sync();
        if let Some(old) = old {
            // The catalog shown until now is gone: hand its memory back, off this thread.
            crate::catalog::load::drop_and_release(old);
        }
        self.open_requested_entity();
        self.replay_keys();
    }

    /// News from the loader without a catalog: progress, or the snapshot on screen stays.
    pub fn on_loader_status(&mut self, status: crate::tui::action::LoaderStatus) {
        use crate::tui::action::LoaderStatus;
        match status {
            LoaderStatus::Progress(line) => self.progress = Some(line),
            LoaderStatus::Unchanged => {
                self.progress = None;
                self.refreshing = false;
                self.catalog_read_at = Some(std::time::Instant::now());
                self.status = Some(Status {
                    text: "the sources are unchanged since the snapshot".into(),
                    error: false,
                });
            }
            LoaderStatus::Offline(why) => {
                self.progress = None;
                self.refreshing = false;
                self.warn(format!("offline, showing the snapshot: {why}"));
                self.offline = Some(why);
            }
        }
    }

    /// The search index of the catalog on screen is ready (ignored if the catalog was replaced).
    pub fn on_index(
        &mut self,
        catalog: &std::sync::Arc<crate::catalog::Catalog>,
        index: std::sync::Arc<crate::search::SearchIndex>,
    ) {
        let Some(data) = &mut self.data else { return };
        if !std::sync::Arc::ptr_eq(&data.catalog, catalog) {
            return;
        }
        data.index = Some(index.clone());
        self.catalog
            .set_index(index, self.background_search, &data.catalog);
        if self.page.is_none() && self.section == Section::Catalog {
            self.focus = self.catalog.selected().or(self.focus);
        }
        self.sync_preview();
        self.open_requested_match();
    }

    /// The endpoints of the catalog on screen are read (ignored if the catalog was replaced):
    /// the filter finds them from now on, the one on screen included.
    pub fn on_endpoints(
        &mut self,
        catalog: &std::sync::Arc<crate::catalog::Catalog>,
        endpoints: std::sync::Arc<crate::search::operations::Endpoints>,
    ) {
        let Some(data) = &mut self.data else { return };
        if !std::sync::Arc::ptr_eq(&data.catalog, catalog) {
            return;
        }
        data.endpoints = Some(endpoints.clone());
        self.catalog
            .set_endpoints(endpoints, data, self.background_search);
        if self.page.is_none() && self.section == Section::Catalog {
            self.focus = self.catalog.selected().or(self.focus);
        }
        self.open_requested_match();
    }

    /// Opens the match an Enter pressed before the search index existed was waiting for, then
    /// applies the keys typed after it.
    fn open_requested_match(&mut self) {
        if self.page.is_none() && self.section == Section::Catalog {
            if let Some(open) = self.catalog.take_open_request() {
                self.dispatch(open);
            }
        }
        self.replay_keys();
    }

    /// Takes what background work finished; true when the screen changed.
    pub fn poll_background(&mut self) -> bool {
        if self.cost.loading() {
            self.prepare(Section::Cost);
        }
        let cost = self.cost.poll() | self.templates.poll() | self.insights.poll();
        if cost {
            // Cost or the insights arrived: the cursor and the preview follow.
            self.sync();
        }
        let Some(data) = &self.data else { return cost };
        if !self.catalog.poll(&data.catalog) {
            return cost;
        }
        if self.page.is_none() && self.section == Section::Catalog {
            self.focus = self.catalog.selected().or(self.focus);
        }
        self.sync_preview();
        self.open_requested_match();
        true
    }

    /// Shows `reference` (its `section` tab, if given) as soon as a catalog is loaded; a
    /// reference the catalog does not have is said on the status line.
    pub fn open_on_load(&mut self, reference: String, section: Option<Section>) {
        self.open_on_load = Some((reference, section, false));
        if self.data.is_some() {
            self.open_requested_entity();
        }
    }

    /// Shows `reference`'s API definition view as soon as a catalog is loaded (its page when it
    /// has no definition).
    pub fn open_definition_on_load(&mut self, reference: String) {
        self.open_on_load = Some((reference, None, true));
        if self.data.is_some() {
            self.open_requested_entity();
        }
    }

    fn open_requested_entity(&mut self) {
        let Some((reference, section, definition)) = self.open_on_load.take() else {
            return;
        };
        let Some(data) = &self.data else { return };
        let id = match data.catalog.resolve(&reference) {
            Ok(id) => id,
            Err(_) => {
                self.warn(format!("{reference}: no such entity in the catalog"));
                return;
            }
        };
        self.open_entity(id);
        if definition {
            if let Some(next) = self.page.as_mut().and_then(|p| p.open_definition()) {
                self.dispatch(next);
            }
        }
        match section {
            Some(Section::Incidents) => self.open_incident_view(),
            Some(section) => self.dispatch(Action::GoSection(section)),
            None => {}
        }
    }
}
