//! CI/CD: GitHub Actions runs per service. The provider is not built yet, so the pane says what it
//! will need (a token, the repo annotation) and what the selected entity has: no fake data.

use super::entity::{PageLine, Tone};
use super::{annotation_lines, count_annotated, draw_info, line, ProviderEnv};
use crate::catalog::{Catalog, EntityId};
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::Frame;

pub const ANNOTATIONS: [&str; 1] = ["github.com/project-slug"];

#[derive(Default)]
pub struct CiCdPane {
    pub annotated: usize,
    pub scroll: usize,
}

impl CiCdPane {
    pub fn load(&mut self, catalog: &Catalog) {
        self.annotated = count_annotated(catalog, &ANNOTATIONS);
    }

    pub fn lines(
        &self,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
    ) -> Vec<PageLine> {
        let token = if env.github_token {
            ("found", Tone::Accent)
        } else {
            ("not set", Tone::Warning)
        };
        let mut lines = vec![
            line(&[("GitHub Actions: the latest workflow runs of each service's repository", Tone::Heading)]),
            line(&[("Not connected yet: the GitHub provider comes with its own issue. It will need:", Tone::Base)]),
            line(&[("  • a token: set GITHUB_TOKEN (or GH_TOKEN, or [github] token in config.toml; else `gh auth token`) — now: ", Tone::Base), token]),
            line(&[("  • repos come from the github.com/project-slug annotation (OWNER/REPO) of each entity", Tone::Base)]),
            line(&[(&format!("  • GitHub Enterprise: GITHUB_API_URL or [github] api_url — now: {}", if env.github_api_url.is_empty() { "https://api.github.com" } else { &env.github_api_url }), Tone::Base)]),
            line(&[(&format!("{} of {} entities have github.com/project-slug.", self.annotated, catalog.len()), Tone::Muted)]),
            PageLine::default(),
        ];
        lines.extend(annotation_lines(
            catalog,
            focus,
            &ANNOTATIONS,
            "add metadata.annotations github.com/project-slug: OWNER/REPO",
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
            "CI/CD (not connected)",
            &self.lines(catalog, focus, env),
            self.scroll,
        );
    }
}
