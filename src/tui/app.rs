//! The app: one state struct ([`App`], in `state.rs`), changed only by [`App::update`], read by
//! `ui::draw`. No terminal here, so tests drive it with key events and check the state or a
//! `TestBackend` frame. The App's methods are split by concern over the files below; this one
//! holds its traffic with the live providers (GitHub, PagerDuty): their answers in, the panes'
//! requests out.

mod keys;
mod layout;
mod loading;
mod mouse;
mod navigation;
mod panes;
mod selection;
mod state;
mod update;

pub use state::{App, Status};

use crate::providers::definition::DefinitionText;
use crate::providers::docs_site::SiteFolder;
use crate::providers::{ProviderError, ProviderHandle, ProviderMessage, Request};
use crate::tui::action::{Section, Wanted};
use crate::tui::panes::cicd::Outgoing;

impl App {
    /// Connects the live panes (CI/CD) to a provider handle.
    pub fn connect(&mut self, providers: ProviderHandle) {
        self.providers = Some(providers);
        // Both panes ask yes/no questions and name the keys that answer them.
        let answer_keys = format!(
            "{} yes · {} no",
            self.keymap.keys_of("confirm.yes"),
            self.keymap.keys_of("confirm.no")
        );
        self.incidents.connect(
            &self.env,
            self.env.pagerduty_from_email,
            answer_keys.clone(),
        );
        self.cicd.connected = true;
        self.cicd.answer_keys = Some(answer_keys);
        self.sync();
    }

    /// Asks the providers for what a pane wants at a URL (starting them if none run: a URL needs
    /// no token). The entity it is for: the page on screen's for a definition, the Docs pane's
    /// for a site. Without a configuration the answer is a failure, through the same path.
    fn fetch(&mut self, wanted: Wanted) {
        let Some(data) = &self.data else { return };
        let id = match wanted {
            Wanted::Definition { .. } => self.page.as_ref().map(|page| page.id),
            Wanted::DocsSite { .. } => self.docs.entity,
        };
        let Some(id) = id else { return };
        let request = wanted.request(data.catalog.entity(id).key());
        if self.providers.is_none() {
            match &self.provider_config {
                Some(config) => {
                    self.providers = Some(ProviderHandle::start(
                        config,
                        crate::providers::http::Log::Off,
                    ))
                }
                None => {
                    let refused = ProviderError::NotConfigured {
                        service: "URL reading",
                        hint: "this session has no configuration to fetch it with".into(),
                    };
                    self.on_provider_message(ProviderMessage::new(request, Err(refused)));
                    return;
                }
            }
        }
        if let Some(providers) = &self.providers {
            providers.request(request);
        }
    }

    /// A fetched TechDocs site to the Docs pane, when it still shows the entity that asked.
    fn docs_site_arrived(&mut self, message: &ProviderMessage) -> bool {
        let (Some(data), Some(id), Request::DocsSite { url, .. }) =
            (&self.data, self.docs.entity, &message.request)
        else {
            return false;
        };
        if data.catalog.entity(id).key() != message.entity_key() {
            return false;
        }
        let result = message
            .result::<SiteFolder>()
            .map(|folder| folder.0)
            .map_err(|err| err.to_string());
        self.docs.site_arrived(url, result) && self.section == Section::Docs
    }

    /// A fetched definition to the entity page it was asked for (on screen or in the history).
    fn definition_arrived(&mut self, message: &ProviderMessage) -> bool {
        let result = message
            .result::<DefinitionText>()
            .map(|text| text.0)
            .map_err(|err| err.to_string());
        let Some(data) = &self.data else { return false };
        let pages = self.page.iter_mut().chain(
            self.history
                .iter_mut()
                .chain(self.forward.iter_mut())
                .filter_map(|(_, p)| p.as_mut()),
        );
        let mut shown = false;
        for page in pages {
            if data.catalog.entity(page.id).key() == message.entity_key() {
                page.definition_arrived(result.clone());
                shown = true;
            }
        }
        shown
    }

    /// Takes the provider answers that arrived; true when the screen changed. Never blocks.
    pub fn poll_providers(&mut self) -> bool {
        let mut changed = false;
        while let Some(message) = self.providers.as_ref().and_then(|p| p.try_recv()) {
            changed |= self.on_provider_message(message);
        }
        changed |= self.tick_incidents(std::time::Instant::now());
        if changed {
            self.cicd.rate_limit = self.providers.as_ref().and_then(|p| p.rate_limit());
        }
        changed
    }

    /// Applies one provider answer; true when a pane took it.
    pub fn on_provider_message(&mut self, message: ProviderMessage) -> bool {
        let taken = self.provider_message(message);
        if taken {
            // A run's jobs or an incident arrived: the preview shows them.
            self.sync_preview();
        }
        taken
    }

    fn provider_message(&mut self, message: ProviderMessage) -> bool {
        match message {
            message if matches!(message.request, Request::Definition { .. }) => {
                self.definition_arrived(&message)
            }
            message if matches!(message.request, Request::DocsSite { .. }) => {
                self.docs_site_arrived(&message)
            }
            message if !message.request.is_pagerduty() => {
                self.prepare(Section::CiCd);
                // The incident view and the inbox show runs too.
                let shown = self.incidents_take(&message);
                let taken = self.cicd.on_message(message);
                self.send_cicd_outbox();
                taken || shown
            }
            message => self.incidents_take(&message),
        }
    }

    /// Gives a provider answer to the Incidents pane; true when its screen changed.
    fn incidents_take(&mut self, message: &ProviderMessage) -> bool {
        self.prepare(Section::Incidents);
        let Some(data) = &self.data else { return false };
        let changed = self.incidents.on_message(message, &data.catalog);
        self.send_incidents_outbox();
        changed && self.section == Section::Incidents && self.page.is_none()
    }

    /// While the Incidents pane is on screen: its periodic refresh and countdown.
    pub fn tick_incidents(&mut self, now: std::time::Instant) -> bool {
        if self.section != Section::Incidents || self.page.is_some() {
            return false;
        }
        let Some(data) = &self.data else { return false };
        let changed = self.incidents.tick(&data.catalog, now);
        self.send_incidents_outbox();
        changed
    }

    /// Sends what the Incidents pane asked for.
    fn send_incidents_outbox(&mut self) {
        let outbox = std::mem::take(&mut self.incidents.outbox);
        self.send_outbox(outbox);
    }

    /// Sends what a pane asked for: provider requests and status lines.
    fn send_outbox(&mut self, outbox: Vec<Outgoing>) {
        for out in outbox {
            match out {
                Outgoing::Ask { request, forced } => {
                    if let Some(providers) = &self.providers {
                        if forced {
                            providers.refresh(request);
                        } else {
                            providers.request(request);
                        }
                    }
                }
                Outgoing::Status { text, error } => self.status = Some(Status { text, error }),
            }
        }
    }

    /// Sends what the CI/CD pane asked for.
    fn send_cicd_outbox(&mut self) {
        let outbox = std::mem::take(&mut self.cicd.outbox);
        self.send_outbox(outbox);
    }
}
