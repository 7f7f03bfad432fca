//! Cost: spend per team and service, this period against the previous one. The provider is not
//! built yet, so the pane says what it will need: no fake data.

use super::entity::{PageLine, Tone};
use super::{draw_info, line, ProviderEnv};
use crate::catalog::{Catalog, EntityId};
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::Frame;

#[derive(Default)]
pub struct CostPane {
    pub scroll: usize,
}

impl CostPane {
    pub fn lines(
        &self,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
    ) -> Vec<PageLine> {
        let aws = if env.aws_credentials {
            ("found", Tone::Accent)
        } else {
            ("not found", Tone::Warning)
        };
        let mut lines = vec![
            line(&[("Cost per team and per service: the last 30 days against the 30 before", Tone::Heading)]),
            line(&[("Not connected yet: the cost provider comes with its own issue. It will need one of:", Tone::Base)]),
            line(&[("  • AWS Cost Explorer through the standard credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws) — now: ", Tone::Base), aws]),
            line(&[("  • or a FOCUS CSV export (file or folder): greenroom cost --focus PATH", Tone::Base)]),
            line(&[("  • costs are grouped by the cost-allocation tags team and service, matched to owner groups and entity names", Tone::Base)]),
            PageLine::default(),
        ];
        if let Some(id) = focus {
            let e = catalog.entity(id);
            lines.push(line(&[
                ("Selected entity: ", Tone::Heading),
                (&e.key(), Tone::Link),
            ]));
            lines.push(line(&[(
                &format!("  would match the tag service={}", e.name()),
                Tone::Base,
            )]));
            if let Some(owner) = e.owner() {
                let team = owner.rsplit(['/', ':']).next().unwrap_or(owner);
                lines.push(line(&[(
                    &format!("  and its team the tag team={team}"),
                    Tone::Base,
                )]));
            }
        }
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
            "Cost (not connected)",
            &self.lines(catalog, focus, env),
            self.scroll,
        );
    }
}
