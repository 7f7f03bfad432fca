//! The incident view: one screen for one entity when something burns. Its owner team and members,
//! who is on call now for each of its PagerDuty services (by level, with contact methods), its
//! open incidents with their timelines, the latest CI runs of its repository, what depends on it
//! (the reverse dependency tree: the blast radius) and its links (runbooks, dashboards).
//!
//! Reached from the Incidents list (`Enter`) or from an entity page (`i`), so from launch:
//! `/`, a few letters, `Enter`, `i`. `j`/`k` select an incident (its timeline is shown; `a`, `R`,
//! `o` act on it), the page keys scroll.

use super::incidents::live::Live;
use crate::catalog::graph::{self, Direction, Mark};
use crate::catalog::{Catalog, EntityId, RelationType, Target};
use crate::providers::github::{self, short_duration, RunState};
use crate::providers::pagerduty::{self, Incident, ServiceRef};
use crate::providers::{ProviderError, Request};
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor::scroll;
use crate::tui::widgets::detail::{draw_detail, line, PageLine, Tone};
use crate::tui::widgets::panel::bordered;
use crate::tui::widgets::tree::indent;
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::Frame;
use std::time::SystemTime;

/// Dependents listed at most (the count says how many there are).
const DEPENDENTS_SHOWN: usize = 12;
/// CI runs listed.
const RUNS_SHOWN: usize = 5;

pub struct IncidentView {
    pub id: EntityId,
    pub key: String,
    /// Opened from the Incidents list (Esc goes back to it) rather than from elsewhere.
    pub from_list: bool,
    /// The entity's PagerDuty services, or why it has none.
    pub refs: Result<Vec<ServiceRef>, ProviderError>,
    /// Its GitHub repository, or why it has none.
    pub slug: Result<String, ProviderError>,
    /// The blast radius: (depth, reference, relation, mark), root excluded.
    pub dependents: Vec<(usize, String, Option<RelationType>, Mark)>,
    /// `metadata.links`: (title, url).
    pub links: Vec<(String, String)>,
    /// The selected open incident.
    pub cursor: usize,
    pub scroll: usize,
}

impl IncidentView {
    pub fn new(catalog: &Catalog, id: EntityId, from_list: bool) -> IncidentView {
        let entity = catalog.entity(id);
        let tree = graph::tree(catalog, id, Direction::Dependents.relations(), None);
        let dependents = tree
            .flatten()
            .into_iter()
            .skip(1)
            .map(|(depth, node)| {
                (
                    depth,
                    catalog.target_ref(node.target).short(),
                    node.via,
                    node.mark,
                )
            })
            .collect();
        let links = entity
            .metadata
            .get("links")
            .map(|l| l.as_seq())
            .unwrap_or_default()
            .iter()
            .filter_map(|link| {
                let url = link.str_at("url")?.to_string();
                let title = link
                    .str_at("title")
                    .map(str::to_owned)
                    .unwrap_or_else(|| url.clone());
                Some((title, url))
            })
            .collect();
        IncidentView {
            id,
            key: entity.key(),
            from_list,
            refs: pagerduty::service_refs(entity),
            slug: github::repo_of(entity).map(|s| s.to_string()),
            dependents,
            links,
            cursor: 0,
            scroll: 0,
        }
    }

    /// What the view asks for first; on-call chains, people and timelines follow the answers.
    pub fn requests(&self, pagerduty: bool, github: bool) -> Vec<Request> {
        let mut out = Vec::new();
        if let (true, Ok(refs)) = (pagerduty, &self.refs) {
            out.push(Request::PdServices {
                entity_key: self.key.clone(),
                refs: refs.clone(),
            });
            out.push(Request::PdIncidents {
                entity_key: self.key.clone(),
                refs: refs.clone(),
            });
        }
        if let (true, Ok(slug)) = (github, &self.slug) {
            out.push(Request::CiRuns {
                entity_key: self.key.clone(),
                slug: slug.clone(),
            });
        }
        out
    }

    fn incidents<'a>(&self, live: &'a Live) -> &'a [Incident] {
        live.entity_incidents
            .get(&self.key)
            .and_then(|f| f.value.as_ref())
            .map_or(&[], |o| o.incidents.as_slice())
    }

    pub fn selected_incident<'a>(&self, live: &'a Live) -> Option<&'a Incident> {
        self.incidents(live).get(self.cursor)
    }

    pub fn update(
        &mut self,
        action: &Action,
        _catalog: &Catalog,
        live: &Live,
        page: usize,
    ) -> Option<Action> {
        let count = self.incidents(live).len();
        match action {
            Action::Down => self.cursor = (self.cursor + 1).min(count.saturating_sub(1)),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            // The page keys scroll the screen; its length is only known when drawn, so draw
            // clamps.
            other => self.scroll = scroll(self.scroll, other, usize::MAX / 2, page),
        }
        None
    }

    /// The screen as lines.
    /// `pagerduty`: whether PagerDuty is configured (else on call and incidents say so).
    pub fn lines(
        &self,
        catalog: &Catalog,
        live: &Live,
        pagerduty: bool,
        clock: SystemTime,
    ) -> Vec<PageLine> {
        let now: DateTime<Utc> = clock.into();
        let age = |at: DateTime<Utc>| short_duration((now - at).to_std().unwrap_or_default());
        let mut out = Vec::new();
        let text = |spans: &[(&str, Tone)]| line(spans);
        let heading = |out: &mut Vec<PageLine>, title: &str, note: (String, Tone)| {
            out.push(PageLine::default());
            let mut spans = vec![(title, Tone::Heading)];
            let note_text = if note.0.is_empty() {
                String::new()
            } else {
                format!("  {}", note.0)
            };
            spans.push((&note_text, note.1));
            out.push(text(&spans));
        };
        let entity = catalog.entity(self.id);

        // Owner and members.
        let owners: Vec<EntityId> = catalog
            .related(self.id, RelationType::OwnedBy)
            .filter_map(|t| match t {
                Target::Entity(id) => Some(id),
                Target::Missing(_) => None,
            })
            .collect();
        match owners.first() {
            None => out.push(text(&[
                ("Owner  ", Tone::Heading),
                (
                    entity.owner().unwrap_or("none declared (spec.owner)"),
                    Tone::Warning,
                ),
            ])),
            Some(&team) => {
                let group = catalog.entity(team);
                let email = group.email().map(|e| format!(" <{e}>")).unwrap_or_default();
                out.push(text(&[
                    ("Owner  ", Tone::Heading),
                    (&group.reference.short(), Tone::Link),
                    (&format!(" ({}){email}", group.display_name()), Tone::Base),
                ]));
                let members: Vec<String> = catalog
                    .related(team, RelationType::HasMember)
                    .map(|t| match t {
                        Target::Entity(m) => {
                            let member = catalog.entity(m);
                            match member.email() {
                                Some(e) => format!("{} <{e}>", member.display_name()),
                                None => member.display_name().to_string(),
                            }
                        }
                        Target::Missing(_) => catalog.target_ref(t).short(),
                    })
                    .collect();
                out.push(text(&[
                    ("       members: ", Tone::Muted),
                    (
                        &if members.is_empty() {
                            "none listed".to_string()
                        } else {
                            members.join(" · ")
                        },
                        Tone::Base,
                    ),
                ]));
            }
        }

        // On call, per service.
        let services = live.services.get(&self.key);
        heading(
            &mut out,
            "On call now",
            services.map_or_else(no_note, |f| f.note(clock)),
        );
        match (&self.refs, services.and_then(|f| f.value.as_ref())) {
            (Err(err), _) => out.push(text(&[(&format!("  {err}"), Tone::Warning)])),
            (Ok(_), _) if !pagerduty => out.push(text(&[(
                &format!("  {}", pagerduty::not_configured()),
                Tone::Warning,
            )])),
            (Ok(_), None) => out.push(text(&[("  asking PagerDuty…", Tone::Muted)])),
            (Ok(_), Some(resolved)) => {
                for service in resolved {
                    let service = match &service.service {
                        Ok(service) => service,
                        Err(err) => {
                            out.push(text(&[(
                                &format!("  {}: {err}", service.reference),
                                Tone::Error,
                            )]));
                            continue;
                        }
                    };
                    let Some(policy) = &service.escalation_policy else {
                        out.push(text(&[(
                            &format!("  {} has no escalation policy", service.name),
                            Tone::Warning,
                        )]));
                        continue;
                    };
                    out.push(text(&[
                        ("  ", Tone::Base),
                        (&service.name, Tone::Key),
                        (
                            &format!(" ({}) · escalation policy {}", service.id, policy.summary),
                            Tone::Muted,
                        ),
                    ]));
                    let chain = live.oncall.get(&policy.id);
                    match chain.and_then(|f| f.value.as_ref()) {
                        None => {
                            let (note, tone) = chain.map_or_else(no_note, |f| f.note(clock));
                            let note = if note.is_empty() {
                                "asking who is on call…".to_string()
                            } else {
                                note
                            };
                            out.push(text(&[(&format!("    {note}"), tone)]));
                        }
                        Some(chain) if chain.oncalls.is_empty() => {
                            out.push(text(&[("    nobody is on call", Tone::Warning)]))
                        }
                        Some(chain) => {
                            for oncall in &chain.oncalls {
                                let until = oncall
                                    .end
                                    .map(|end| {
                                        format!(
                                            " until {}",
                                            end.with_timezone(&chrono::Local).format("%a %H:%M")
                                        )
                                    })
                                    .unwrap_or_default();
                                let schedule = oncall
                                    .schedule
                                    .as_ref()
                                    .map(|s| format!(" · {}", s.summary))
                                    .unwrap_or_default();
                                out.push(text(&[
                                    (&format!("    L{} ", oncall.escalation_level), Tone::Accent),
                                    (&oncall.user.name, Tone::Base),
                                    (&format!("{schedule}{until}"), Tone::Muted),
                                ]));
                                let contacts = match live
                                    .users
                                    .get(&oncall.user.id)
                                    .and_then(|f| f.value.as_ref())
                                {
                                    Some(user) if !user.contact_methods.is_empty() => user
                                        .contact_methods
                                        .iter()
                                        .map(|c| {
                                            format!("{} {}", c.short_kind(), c.display_address())
                                        })
                                        .collect::<Vec<_>>()
                                        .join(" · "),
                                    _ => oncall.user.email.clone().unwrap_or_default(),
                                };
                                if !contacts.is_empty() {
                                    out.push(text(&[(&format!("       {contacts}"), Tone::Muted)]));
                                }
                            }
                        }
                    }
                }
            }
        }

        // Open incidents with the selected one's timeline.
        let feed = live.entity_incidents.get(&self.key);
        let incidents = self.incidents(live);
        heading(
            &mut out,
            &format!("Open incidents ({})", incidents.len()),
            feed.map_or_else(no_note, |f| f.note(clock)),
        );
        if pagerduty && self.refs.is_ok() && incidents.is_empty() {
            let loaded = feed.is_some_and(|f| f.value.is_some());
            out.push(text(&[(
                if loaded {
                    "  none: nothing triggered or acknowledged"
                } else {
                    "  asking PagerDuty…"
                },
                Tone::Muted,
            )]));
        }
        for (n, incident) in incidents.iter().enumerate() {
            let selected = n == self.cursor;
            let urgency_tone = if incident.urgency.as_str() == "high" {
                Tone::Error
            } else {
                Tone::Base
            };
            let assignees: Vec<&str> = incident.assignees().collect();
            out.push(text(&[
                (if selected { "▶ " } else { "  " }, Tone::Accent),
                (
                    &format!(
                        "{:<5}{:<13}",
                        incident.urgency.as_str(),
                        incident.status.as_str()
                    ),
                    urgency_tone,
                ),
                (&format!("{:>7} ", age(incident.created_at)), Tone::Muted),
                (&format!("#{} ", incident.incident_number), Tone::Key),
                (
                    &incident.title,
                    if selected { Tone::Accent } else { Tone::Base },
                ),
                (
                    &if assignees.is_empty() {
                        String::new()
                    } else {
                        format!("  → {}", assignees.join(", "))
                    },
                    Tone::Muted,
                ),
            ]));
            if selected {
                match live.timelines.get(&incident.id) {
                    Some(feed) => match &feed.value {
                        Some(entries) => {
                            for entry in entries {
                                let agent = entry
                                    .agent
                                    .as_ref()
                                    .map(|a| format!(" ({})", a.summary))
                                    .unwrap_or_default();
                                out.push(text(&[
                                    (
                                        &format!("      {:>7} ago ", age(entry.created_at)),
                                        Tone::Muted,
                                    ),
                                    (&format!("{:<12}", entry.short_kind()), Tone::Key),
                                    (&entry.summary, Tone::Base),
                                    (&agent, Tone::Muted),
                                ]));
                            }
                        }
                        None => {
                            let (note, tone) = feed.note(clock);
                            out.push(text(&[(&format!("      timeline: {note}"), tone)]));
                        }
                    },
                    None if n < super::incidents::live::TIMELINES_PER_VIEW => {
                        out.push(text(&[("      timeline: asking…", Tone::Muted)]))
                    }
                    None => out.push(text(&[(
                        "      timeline: not fetched (only the first incidents' are)",
                        Tone::Muted,
                    )])),
                }
            }
        }

        // Latest CI runs.
        let runs = self
            .slug
            .as_ref()
            .ok()
            .and_then(|slug| live.runs.get(&slug.to_ascii_lowercase()));
        heading(
            &mut out,
            &match &self.slug {
                Ok(slug) => format!("Latest CI runs ({slug})"),
                Err(_) => "Latest CI runs".into(),
            },
            runs.map_or_else(no_note, |f| f.note(clock)),
        );
        match (&self.slug, runs.and_then(|f| f.value.as_ref())) {
            (Err(err), _) => out.push(text(&[(&format!("  {err}"), Tone::Muted)])),
            (Ok(_), None) if runs.is_none() => out.push(text(&[(
                "  GitHub is not configured (GITHUB_TOKEN): no runs",
                Tone::Muted,
            )])),
            (Ok(_), None) => {}
            (Ok(_), Some(ci)) if ci.runs.is_empty() => {
                out.push(text(&[("  no runs", Tone::Muted)]))
            }
            (Ok(_), Some(ci)) => {
                for run in ci.runs.iter().take(RUNS_SHOWN) {
                    let (mark, tone) = match run.state() {
                        RunState::Success => ("✓", Tone::Accent),
                        RunState::Failure => ("✗", Tone::Error),
                        RunState::Running | RunState::Queued => ("●", Tone::Warning),
                        _ => ("-", Tone::Muted),
                    };
                    out.push(text(&[
                        (&format!("  {mark} "), tone),
                        (&format!("{:<12}", run.status_label()), tone),
                        (&format!("{:>7} ", age(run.created_at)), Tone::Muted),
                        (
                            &format!(
                                "{} #{} on {} ",
                                run.name,
                                run.run_number,
                                run.head_branch.as_deref().unwrap_or("-")
                            ),
                            Tone::Base,
                        ),
                        (run.title().lines().next().unwrap_or(""), Tone::Muted),
                    ]));
                }
            }
        }

        // Blast radius.
        heading(
            &mut out,
            &format!(
                "Dependents: the blast radius ({})",
                self.dependents
                    .iter()
                    .filter(|d| d.3 == Mark::None || d.3 == Mark::DepthLimit)
                    .count()
            ),
            (String::new(), Tone::Muted),
        );
        if self.dependents.is_empty() {
            out.push(text(&[("  nothing depends on it", Tone::Muted)]));
        }
        for (depth, reference, via, mark) in self.dependents.iter().take(DEPENDENTS_SHOWN) {
            let via = via.map(|v| format!("{} ", v.name())).unwrap_or_default();
            let mark = match mark {
                Mark::Cycle => " (cycle)",
                Mark::Seen => " (see above)",
                _ => "",
            };
            out.push(text(&[
                (&indent(*depth), Tone::Muted),
                (&via, Tone::Muted),
                (reference, Tone::Link),
                (mark, Tone::Muted),
            ]));
        }
        if self.dependents.len() > DEPENDENTS_SHOWN {
            out.push(text(&[(
                &format!(
                    "  … {} more (2, then r: the whole tree)",
                    self.dependents.len() - DEPENDENTS_SHOWN
                ),
                Tone::Muted,
            )]));
        }

        // Links.
        heading(
            &mut out,
            &format!("Links ({})", self.links.len()),
            (String::new(), Tone::Muted),
        );
        if self.links.is_empty() {
            out.push(text(&[(
                "  none (metadata.links: runbooks, dashboards)",
                Tone::Muted,
            )]));
        }
        for (title, url) in &self.links {
            out.push(text(&[
                (&format!("  {title}: "), Tone::Base),
                (url, Tone::Link),
            ]));
        }
        out
    }

    /// The view's lines (from [`IncidentView::lines`]) in a block titled with the entity.
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        lines: &[PageLine],
        refresh: &str,
        theme: &Theme,
    ) {
        let block = bordered(format!(" Incident view: {} · {refresh} ", self.key), theme);
        // Scrolled no further than the last line at the bottom.
        let max = lines
            .len()
            .saturating_sub(block.inner(area).height as usize);
        draw_detail(
            frame,
            area,
            block,
            lines,
            self.scroll.min(max),
            false,
            theme,
        );
    }
}

fn no_note() -> (String, Tone) {
    (String::new(), Tone::Muted)
}
