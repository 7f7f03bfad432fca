//! Drawing the Incidents pane: the setup text, every open incident, and the inbox.

use super::model::{InboxItem, IncidentsPane, ANNOTATIONS, REFRESH_EVERY};
use crate::catalog::{Catalog, EntityId, RelationType};
use crate::providers::github::short_duration;
use crate::providers::pagerduty::Urgency;
use crate::tui::panes::{ProviderEnv, Setup};
use crate::tui::theme::Theme;
use crate::tui::widgets::detail::{draw_info, PageLine, Tone};
use crate::tui::widgets::panel::{bordered, draw_block};
use crate::tui::widgets::table::{draw_table, shown, FitTable};
use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row};
use ratatui::Frame;
use std::time::{Instant, SystemTime};

impl IncidentsPane {
    /// The text shown without PagerDuty: what to set, and what the selected entity has.
    pub fn setup_lines(
        &self,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
    ) -> Vec<PageLine> {
        Setup {
            heading: "PagerDuty: open incidents of the catalog's services, and who is on call",
            intro: "PagerDuty is not configured. It needs:",
            token: "  • a REST API token: set PAGERDUTY_TOKEN (or [pagerduty] token in config.toml) — now: ",
            token_set: env.pagerduty_token,
            needs: &[
                "  • services come from the pagerduty.com/service-id (or pagerduty.com/integration-key) annotation",
                "  • EU accounts: PAGERDUTY_API_URL or [pagerduty] api_url = \"https://api.eu.pagerduty.com\"",
                "  • to acknowledge or resolve: [pagerduty] from_email, your PagerDuty login",
                "  • greenroom --demo shows all of it on the demo's data",
            ],
            annotated: self.annotated,
            have: "a PagerDuty annotation",
            annotations: &ANNOTATIONS,
            missing_hint: "add metadata.annotations pagerduty.com/service-id: PABC123",
        }
        .lines(catalog, focus)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
        theme: &Theme,
        now: Instant,
    ) {
        if !self.connected && self.view.is_none() {
            draw_info(
                frame,
                area,
                theme,
                "Incidents (PagerDuty not configured)",
                &self.setup_lines(catalog, focus, env),
                self.scroll,
            );
            return;
        }
        let clock = self.now();
        let refresh = match self.next_in(now) {
            Some(secs) => format!(
                "auto-refresh every {}s, next in {secs}s",
                REFRESH_EVERY.as_secs()
            ),
            None => format!("auto-refresh every {}s", REFRESH_EVERY.as_secs()),
        };
        match &self.view {
            Some(view) => {
                let lines = view.lines(catalog, &self.live, self.connected, clock);
                view.draw(frame, area, &lines, &refresh, theme);
            }
            None => {
                let screen = Screen {
                    catalog,
                    clock,
                    refresh: &refresh,
                    theme,
                };
                if self.inbox {
                    self.draw_inbox(frame, area, screen);
                } else {
                    self.draw_list(frame, area, screen);
                }
            }
        }
        if let Some(confirm) = &self.confirm {
            confirm.draw(frame, area, &self.answer_keys, theme);
        }
    }

    fn frame_block<'a>(&self, title: String, note: (String, Tone), theme: &Theme) -> Block<'a> {
        let mut block = bordered(title, theme);
        if !note.0.is_empty() {
            block = block.title_bottom(Span::styled(format!(" {} ", note.0), note.1.style(theme)));
        }
        block
    }

    fn draw_list(&self, frame: &mut Frame, area: Rect, screen: Screen) {
        let rows = self.rows();
        let triggered = rows
            .iter()
            .filter(|(i, _)| i.status.as_str() == "triggered")
            .count();
        let title = format!(
            " Incidents: open in PagerDuty ({}: {triggered} triggered, {} acknowledged) · {} ",
            rows.len(),
            rows.len() - triggered,
            screen.refresh
        );
        let inner = draw_block(
            frame,
            area,
            self.frame_block(title, self.live.all.note(screen.clock), screen.theme),
        );
        if rows.is_empty() {
            let text = if self.map.is_empty() {
                "No entity of the catalog names a PagerDuty service (pagerduty.com/service-id or pagerduty.com/integration-key)."
            } else if self.live.all.value.is_some() {
                "Nothing open: no triggered or acknowledged incident on the catalog's services."
            } else {
                "Asking PagerDuty…"
            };
            frame.render_widget(
                Paragraph::new(Span::styled(text, screen.theme.muted)),
                inner,
            );
            return;
        }
        let now: DateTime<Utc> = screen.clock.into();
        // Columns as wide as their content on screen; the title takes what is left, and gives
        // way first (then the owner, at the edge) when the pane is narrow: the preview beside
        // has them whole.
        let body_rows = shown(&rows, &self.list, inner)
            .map(|(n, (incident, entities))| {
                let (entity, owner) = entity_and_owner(screen.catalog, entities);
                let style = screen.theme.row_style(
                    n == self.list.cursor,
                    urgency_style(incident.urgency, screen.theme),
                );
                let cells = [
                    incident.urgency.as_str().to_string(),
                    short_duration(incident.age(now)),
                    incident.status.as_str().to_string(),
                    format!("#{}", incident.incident_number),
                    incident.title.clone(),
                    entity,
                    owner,
                ];
                (cells.into_iter().map(Line::from).collect(), style)
            })
            .collect();
        let titles = [
            "URGENCY", "AGE", "STATUS", "NUMBER", "TITLE", "ENTITY", "OWNER",
        ];
        FitTable {
            titles: titles.map(String::from).to_vec(),
            flex: 4,
            cap: 30,
            rows: body_rows,
        }
        .draw(frame, inner, screen.theme.heading, 0);
    }

    fn draw_inbox(&self, frame: &mut Frame, area: Rect, screen: Screen) {
        let who = match self.mine.user {
            Some(id) => screen.catalog.entity(id).reference.short(),
            None => self.identity.clone().unwrap_or_else(|| "you".into()),
        };
        let items = self.inbox_items(screen.catalog);
        let title = format!(
            " My inbox: {who} · {} need you now · {} ",
            items.len(),
            screen.refresh
        );
        let inner = draw_block(
            frame,
            area,
            self.frame_block(title, self.live.all.note(screen.clock), screen.theme),
        );
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        let teams = if let Some(problem) = &self.mine.problem {
            Line::from(Span::styled(problem.clone(), screen.theme.warning))
        } else {
            let names: Vec<String> = self
                .mine
                .teams
                .iter()
                .map(|&t| screen.catalog.entity(t).reference.short())
                .collect();
            Line::from(vec![
                Span::styled("teams ", screen.theme.muted),
                Span::styled(names.join(", "), screen.theme.base),
                Span::styled(
                    format!(
                        " · {} services and other entities owned{}",
                        self.mine.owned.len(),
                        if self.github {
                            ""
                        } else {
                            " · CI not shown: GitHub is not configured"
                        }
                    ),
                    screen.theme.muted,
                ),
            ])
        };
        frame.render_widget(Paragraph::new(teams), head);
        if items.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    "Nothing needs you now: no open incident and no failing default branch on your teams' services.",
                    screen.theme.muted,
                )),
                body,
            );
            return;
        }
        let now: DateTime<Utc> = screen.clock.into();
        let rows = shown(&items, &self.list, body).map(|(n, item)| {
            let cells = match item {
                InboxItem::Incident(incident, entities) => {
                    let (entity, _) = entity_and_owner(screen.catalog, entities);
                    vec![
                        format!("incident {}", incident.urgency.as_str()),
                        short_duration(incident.age(now)),
                        entity,
                        format!(
                            "#{} {} ({})",
                            incident.incident_number,
                            incident.title,
                            incident.status.as_str()
                        ),
                    ]
                }
                InboxItem::Ci { entity, slug, run } => vec![
                    "CI failing".into(),
                    short_duration((now - run.created_at).to_std().unwrap_or_default()),
                    screen.catalog.entity(*entity).reference.short(),
                    format!(
                        "{} #{} on {} failed ({slug})",
                        run.name,
                        run.run_number,
                        run.head_branch.as_deref().unwrap_or("-")
                    ),
                ],
            };
            let style = match item {
                InboxItem::Incident(i, _) => urgency_style(i.urgency, screen.theme),
                InboxItem::Ci { .. } => screen.theme.error,
            };
            Row::new(cells).style(screen.theme.row_style(n == self.list.cursor, style))
        });
        draw_table(
            frame,
            body,
            Row::new(["WHAT", "AGE", "ENTITY", "DETAIL"]).style(screen.theme.heading),
            rows,
            [
                Constraint::Length(13),
                Constraint::Length(7),
                Constraint::Percentage(28),
                Constraint::Fill(1),
            ],
        );
    }
}

fn urgency_style(urgency: Urgency, theme: &Theme) -> ratatui::style::Style {
    match urgency {
        Urgency::High => theme.error,
        _ => theme.base,
    }
}

/// The first entity of an incident's service and its owner, by name (a table column is narrow;
/// the incident view shows the full references).
pub fn entity_and_owner(catalog: &Catalog, entities: &[EntityId]) -> (String, String) {
    let Some(&id) = entities.first() else {
        return ("(no entity)".into(), "-".into());
    };
    let mut entity = catalog.entity(id).name().to_string();
    if entities.len() > 1 {
        entity.push_str(&format!(" +{}", entities.len() - 1));
    }
    let owner = catalog
        .related(id, RelationType::OwnedBy)
        .next()
        .map_or_else(|| "-".into(), |t| catalog.target_ref(t).name.to_string());
    (entity, owner)
}

/// What the list and the inbox are drawn with.
#[derive(Clone, Copy)]
struct Screen<'a> {
    catalog: &'a Catalog,
    /// The clock for ages.
    clock: SystemTime,
    /// "auto-refresh every 30s, next in 12s", for the title.
    refresh: &'a str,
    theme: &'a Theme,
}
