//! The preview of the incident under the list's cursor: its details from the last answer in
//! memory (never a request).

use super::model::IncidentsPane;
use crate::catalog::Catalog;
use crate::providers::github::short_duration;
use crate::tui::widgets::detail::{line, PageLine, Tone};
use chrono::{DateTime, Utc};

impl IncidentsPane {
    /// The incident under the cursor of the list or the inbox (none in the incident view):
    /// title, urgency, status, the service and its entity, assignees, when it was created.
    pub fn preview(&self, catalog: &Catalog) -> Option<(String, Vec<PageLine>)> {
        if self.view.is_some() {
            return None;
        }
        let (incident, _) = self.selected_incident(catalog)?;
        let now: DateTime<Utc> = self.now().into();
        let field = |name: &str, value: &str, tone: Tone| {
            line(&[(&format!("{name:<12}"), Tone::Muted), (value, tone)])
        };
        let urgency = match incident.urgency.as_str() {
            "high" => Tone::Error,
            _ => Tone::Warning,
        };
        let mut lines = vec![
            line(&[(&incident.title, Tone::Heading)]),
            PageLine::default(),
            field("urgency", incident.urgency.as_str(), urgency),
            field("status", incident.status.as_str(), Tone::Base),
            field("service", &incident.service.summary, Tone::Base),
        ];
        if let Some(id) = self.selected_entity(catalog) {
            let mut entity = field("entity", &catalog.entity(id).key(), Tone::Link);
            entity.target = Some(id);
            lines.push(entity);
        }
        let assignees: Vec<&str> = incident.assignees().collect();
        lines.push(field(
            "assignees",
            &match assignees.is_empty() {
                true => "nobody".to_string(),
                false => assignees.join(", "),
            },
            Tone::Base,
        ));
        lines.push(field(
            "created",
            &format!(
                "{} ({} ago)",
                incident.created_at.format("%Y-%m-%d %H:%M UTC"),
                short_duration(incident.age(now))
            ),
            Tone::Base,
        ));
        if let Some(policy) = &incident.escalation_policy {
            lines.push(field("escalation", &policy.summary, Tone::Base));
        }
        if let Some(priority) = &incident.priority {
            lines.push(field("priority", priority, Tone::Base));
        }
        if !incident.html_url.is_empty() {
            lines.push(field("link", &incident.html_url, Tone::Link));
        }
        Some((format!("#{}", incident.incident_number), lines))
    }
}
