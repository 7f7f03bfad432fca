//! Incidents: open PagerDuty incidents and who is on call. The provider is not built yet, so the
//! pane says what it will need and what the selected entity has: no fake data.

use super::entity::{PageLine, Tone};
use super::{annotation_lines, count_annotated, draw_info, line, ProviderEnv};
use crate::catalog::{Catalog, EntityId};
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::Frame;

pub const ANNOTATIONS: [&str; 2] = ["pagerduty.com/service-id", "pagerduty.com/integration-key"];

#[derive(Default)]
pub struct IncidentsPane {
    pub annotated: usize,
    pub scroll: usize,
}

impl IncidentsPane {
    pub fn load(&mut self, catalog: &Catalog) {
        self.annotated = count_annotated(catalog, &ANNOTATIONS);
    }

    pub fn lines(
        &self,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
    ) -> Vec<PageLine> {
        let token = if env.pagerduty_token {
            ("found", Tone::Accent)
        } else {
            ("not set", Tone::Warning)
        };
        let mut lines = vec![
            line(&[("PagerDuty: open incidents of the catalog's services, and who is on call", Tone::Heading)]),
            line(&[("Not in this pane yet (greenroom incidents shows them from the command line). PagerDuty needs:", Tone::Base)]),
            line(&[("  • a REST API token: set PAGERDUTY_TOKEN (or [pagerduty] token in config.toml) — now: ", Tone::Base), token]),
            line(&[("  • services come from the pagerduty.com/service-id (or pagerduty.com/integration-key) annotation", Tone::Base)]),
            line(&[("  • EU accounts: PAGERDUTY_API_URL or [pagerduty] api_url = \"https://api.eu.pagerduty.com\"", Tone::Base)]),
            line(&[("  • to acknowledge or resolve: [pagerduty] from_email, your PagerDuty login", Tone::Base)]),
            line(&[(&format!("{} of {} entities have a PagerDuty annotation.", self.annotated, catalog.len()), Tone::Muted)]),
            PageLine::default(),
        ];
        lines.extend(annotation_lines(
            catalog,
            focus,
            &ANNOTATIONS,
            "add metadata.annotations pagerduty.com/service-id: PABC123",
        ));
        lines
    }

    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
        theme: &Theme,
    ) {
        draw_info(
            frame,
            area,
            theme,
            "Incidents (not connected)",
            &self.lines(catalog, focus, env),
            self.scroll,
        );
    }
}
