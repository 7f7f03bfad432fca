//! [`Request`]: what a pane can ask the providers for, and the [`Key`] that makes two requests one.

use super::pagerduty::{IncidentAction, IncidentRef, ServiceRef, TriggerEvent};

/// What the TUI can ask for. `entity_key` is echoed in the answer (the pane's own key, e.g.
/// `component:default/payment-service`); `slug` is the repository, `OWNER/REPO`
/// (`github::repo_of`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// The latest runs (`ProviderOptions::runs_per_repo` of them).
    CiRuns { entity_key: String, slug: String },
    /// A run's jobs and steps.
    CiJobs {
        entity_key: String,
        slug: String,
        run_id: u64,
    },
    /// The end of a job's log (`ProviderOptions::log_lines` lines).
    CiLogTail {
        entity_key: String,
        slug: String,
        job_id: u64,
    },
    /// Reruns a run's failed jobs (ask the user first). Never cached; refresh the runs after it.
    CiRerunFailed {
        entity_key: String,
        slug: String,
        run_id: u64,
    },
    /// The repository's default branch (to say whether main is green).
    DefaultBranch { entity_key: String, slug: String },
    /// PagerDuty: the services these references name (`pagerduty::service_refs`), each with its
    /// escalation policy and integrations; integration keys resolved to their service.
    PdServices {
        entity_key: String,
        refs: Vec<ServiceRef>,
    },
    /// PagerDuty: open (triggered, acknowledged) incidents of these services, high urgency and
    /// triggered first, newest first. The pane's catalog-wide list sends every reference of
    /// `pagerduty::ServiceMap::refs`; the incident view sends the entity's own.
    PdIncidents {
        entity_key: String,
        refs: Vec<ServiceRef>,
    },
    /// PagerDuty: who is on call now for an escalation policy, by level.
    PdOnCall {
        entity_key: String,
        escalation_policy_id: String,
    },
    /// PagerDuty: a user and their contact methods.
    PdUser { entity_key: String, user_id: String },
    /// PagerDuty: an incident's timeline (log entries, oldest first).
    PdLogEntries {
        entity_key: String,
        incident_id: String,
    },
    /// PagerDuty: one incident by number or ID (the search's reverse lookup: its service leads to
    /// the entity through `pagerduty::ServiceMap::entities_of_incident`).
    PdIncident {
        entity_key: String,
        incident: IncidentRef,
    },
    /// PagerDuty: acknowledge or resolve an incident (ask the user first). Never cached; refresh
    /// the incidents after it. Needs `[pagerduty] from_email`.
    PdUpdateIncident {
        entity_key: String,
        incident_id: String,
        action: IncidentAction,
    },
    /// PagerDuty Events API v2: trigger a new incident on the service of an integration key (ask
    /// the user first). Needs no REST token.
    PdTrigger {
        entity_key: String,
        event: TriggerEvent,
    },
    /// An API's definition at a URL (`providers::definition`): `placeholder` is the resolver
    /// (`$text`, `$openapi`, ...) that says what to make of the text.
    Definition {
        entity_key: String,
        placeholder: String,
        url: String,
    },
    /// A TechDocs site at a URL (`providers::docs_site`), read as definitions are.
    DocsSite { entity_key: String, url: String },
}

/// The `entity_key` field of a request, whichever its kind (by reference or mutably, as the
/// request is given).
macro_rules! entity_key_of {
    ($request:expr) => {
        match $request {
            Request::CiRuns { entity_key, .. }
            | Request::CiJobs { entity_key, .. }
            | Request::CiLogTail { entity_key, .. }
            | Request::CiRerunFailed { entity_key, .. }
            | Request::DefaultBranch { entity_key, .. }
            | Request::PdServices { entity_key, .. }
            | Request::PdIncidents { entity_key, .. }
            | Request::PdOnCall { entity_key, .. }
            | Request::PdUser { entity_key, .. }
            | Request::PdLogEntries { entity_key, .. }
            | Request::PdIncident { entity_key, .. }
            | Request::PdUpdateIncident { entity_key, .. }
            | Request::PdTrigger { entity_key, .. }
            | Request::Definition { entity_key, .. }
            | Request::DocsSite { entity_key, .. } => entity_key,
        }
    };
}

impl Request {
    /// The entity that asked (echoed in the answer).
    pub fn entity_key(&self) -> &str {
        entity_key_of!(self)
    }

    /// The same request as asked by another entity (one answer goes to every entity waiting).
    pub(super) fn for_entity(&self, entity: &str) -> Request {
        let mut request = self.clone();
        entity.clone_into(entity_key_of!(&mut request));
        request
    }

    /// The repository of a GitHub request (`OWNER/REPO` as asked); empty for PagerDuty's.
    pub(super) fn slug(&self) -> &str {
        match self {
            Request::CiRuns { slug, .. }
            | Request::CiJobs { slug, .. }
            | Request::CiLogTail { slug, .. }
            | Request::CiRerunFailed { slug, .. }
            | Request::DefaultBranch { slug, .. } => slug,
            _ => "",
        }
    }

    /// Whether PagerDuty answers it.
    pub fn is_pagerduty(&self) -> bool {
        matches!(
            self,
            Request::PdServices { .. }
                | Request::PdIncidents { .. }
                | Request::PdOnCall { .. }
                | Request::PdUser { .. }
                | Request::PdLogEntries { .. }
                | Request::PdIncident { .. }
                | Request::PdUpdateIncident { .. }
                | Request::PdTrigger { .. }
        )
    }

    /// What makes two requests the same request (the entity is not part of it: two entities with
    /// one repository share the answer).
    pub(super) fn key(&self) -> Key {
        let repo = |slug: &str| slug.trim().to_ascii_lowercase();
        match self {
            Request::CiRuns { slug, .. } => Key::Runs(repo(slug)),
            Request::CiJobs { slug, run_id, .. } => Key::Jobs(repo(slug), *run_id),
            Request::CiLogTail { slug, job_id, .. } => Key::Log(repo(slug), *job_id),
            Request::CiRerunFailed { slug, run_id, .. } => Key::Rerun(repo(slug), *run_id),
            Request::DefaultBranch { slug, .. } => Key::Branch(repo(slug)),
            Request::PdServices { refs, .. } => Key::PdServices(sorted(refs)),
            Request::PdIncidents { refs, .. } => Key::PdIncidents(sorted(refs)),
            Request::PdOnCall {
                escalation_policy_id,
                ..
            } => Key::PdOnCall(escalation_policy_id.clone()),
            Request::PdUser { user_id, .. } => Key::PdUser(user_id.clone()),
            Request::PdLogEntries { incident_id, .. } => Key::PdLog(incident_id.clone()),
            Request::PdIncident { incident, .. } => Key::PdIncident(incident.path_segment()),
            Request::PdUpdateIncident {
                incident_id,
                action,
                ..
            } => Key::PdUpdate(incident_id.clone(), *action),
            Request::PdTrigger { event, .. } => Key::PdTrigger(event.clone()),
            Request::Definition {
                placeholder, url, ..
            } => Key::Definition(placeholder.clone(), url.clone()),
            Request::DocsSite { url, .. } => Key::DocsSite(url.clone()),
        }
    }
}

fn sorted(refs: &[ServiceRef]) -> Vec<ServiceRef> {
    let mut refs = refs.to_vec();
    refs.sort();
    refs.dedup();
    refs
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Runs(String),
    Jobs(String, u64),
    Log(String, u64),
    Rerun(String, u64),
    Branch(String),
    PdServices(Vec<ServiceRef>),
    PdIncidents(Vec<ServiceRef>),
    PdOnCall(String),
    PdUser(String),
    PdLog(String),
    PdIncident(String),
    PdUpdate(String, IncidentAction),
    PdTrigger(TriggerEvent),
    Definition(String, String),
    DocsSite(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_repo_same_request() {
        let a = Request::CiRuns {
            entity_key: "component:default/a".into(),
            slug: "MyOrg/Repo".into(),
        };
        let b = Request::CiRuns {
            entity_key: "component:default/b".into(),
            slug: "myorg/repo".into(),
        };
        assert_eq!(a.key(), b.key());
        assert_ne!(
            a.key(),
            Request::DefaultBranch {
                entity_key: "x".into(),
                slug: "myorg/repo".into()
            }
            .key()
        );
    }
}
