//! `greenroom incidents [REF] [--format text|json]`: open PagerDuty incidents (triggered and
//! acknowledged) of every service in the catalog, or of one entity's services (a group: the
//! services of what it owns), urgency and age first, each tied to its entities and their owners;
//! then who is on call now, by level, with contact methods: for one entity, every service of it;
//! for the whole catalog, the services that have open incidents.
//!
//! Exit 1 when PagerDuty is not configured (no token: says what to set), when the entity names no
//! PagerDuty service, or when PagerDuty could not be asked (printing the last known incidents with
//! their age when the disk cache has them).
//!
//! The on-call part is shared with `greenroom who` ([`on_call_now`], [`print_on_call`]).

use super::context::{resolve_or_explain, Context};
use super::output::{print_json, print_table, Format};
use crate::catalog::{Catalog, EntityId, RelationType, Target};
use crate::providers::github::short_duration;
use crate::providers::http::{CachePolicy, Client, Log};
use crate::providers::pagerduty::{
    self, Incident, OnCall, OpenIncidents, PagerDuty, PagerDutySettings, Reference, ServiceMap,
    ServiceRef, User,
};
use crate::providers::{Fetched, ProviderError};
use chrono::Utc;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Services and users' contact methods change rarely: trusted from the cache this long.
const SLOW: CachePolicy = CachePolicy::FreshFor(Duration::from_secs(3600));

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entity reference: [kind:][namespace/]name (a group: the services it owns). Without it:
    /// every service in the catalog.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::entity_refs))]
    reference: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

fn fail(err: &ProviderError) -> ExitCode {
    eprintln!("greenroom: {err}");
    ExitCode::from(1)
}

/// The PagerDuty connection for a command, or `None` without a token.
pub(super) fn connect(
    context: &Context,
    verbose: bool,
) -> Option<Result<PagerDuty, ProviderError>> {
    let settings = PagerDutySettings::from_config(&context.config);
    if !settings.is_configured() {
        return None;
    }
    let client = Arc::new(Client::from_config(&context.config, Log::verbose(verbose)));
    Some(PagerDuty::new(&settings, client))
}

/// What a reference is asked about: the entities, or (for a group) what it owns.
pub(super) fn scope(catalog: &Catalog, id: EntityId) -> Vec<EntityId> {
    let entity = catalog.entity(id);
    if !entity.is_kind("Group") {
        return vec![id];
    }
    let mut owned: Vec<EntityId> = catalog
        .related(id, RelationType::OwnerOf)
        .filter_map(|t| match t {
            Target::Entity(owned) => Some(owned),
            Target::Missing(_) => None,
        })
        .collect();
    owned.push(id);
    owned.sort_by_key(|&id| catalog.entity(id).key());
    owned.dedup();
    owned
}

pub fn run(context: &Context, args: &Args, verbose: bool) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let chosen = match &args.reference {
        Some(text) => Some(resolve_or_explain(&catalog, text)?),
        None => None,
    };
    let pd = match connect(context, verbose) {
        None => return Err(fail(&pagerduty::not_configured())),
        Some(result) => result.map_err(|e| fail(&e))?,
    };
    let ids: Vec<EntityId> = match chosen {
        Some(id) => scope(&catalog, id),
        None => (0..catalog.len() as EntityId).collect(),
    };
    let mut map = ServiceMap::of(&catalog, ids.iter().copied());
    // One entity that names no service says so, and that is all there is to say.
    if let Some(id) = chosen.filter(|&id| !catalog.entity(id).is_kind("Group")) {
        if let Err(err) = pagerduty::service_refs(catalog.entity(id)) {
            return Err(fail(&err));
        }
    }
    // Trouble with PagerDuty as a whole fails the command; trouble with one service (an
    // annotation naming nothing) is a warning, so one bad annotation in a big catalog does not
    // turn every run red.
    let mut failed = false;
    let report = |err: &ProviderError| {
        if pagerduty::is_global(err) {
            eprintln!("greenroom: {err}");
            true
        } else {
            eprintln!("greenroom: warning: {err}");
            false
        }
    };
    for (_, err) in &map.unusable {
        failed |= report(err);
    }
    let unannotated: Vec<EntityId> = match chosen {
        Some(_) => ids
            .iter()
            .copied()
            .filter(|&id| {
                catalog.entity(id).is_kind("Component")
                    && !pagerduty::is_annotated(catalog.entity(id))
            })
            .collect(),
        None => Vec::new(),
    };
    let refs = map.refs();
    let runtime = super::context::runtime()?;

    let mut stale = None;
    let open = if refs.is_empty() {
        OpenIncidents {
            incidents: Vec::new(),
            services: Vec::new(),
        }
    } else {
        match runtime.block_on(pd.incidents_for(&refs, CachePolicy::Revalidate)) {
            Ok(fetched) => fetched.value,
            Err(err) => {
                fail(&err);
                let transient = err.is_transient();
                match runtime
                    .block_on(pd.cached_incidents_for(&refs))
                    .filter(|_| transient)
                {
                    Some(stored) => {
                        eprintln!(
                            "greenroom: showing the last known incidents, fetched {} ago",
                            short_duration(stored.age())
                        );
                        stale = Some(stored.age());
                        stored.value
                    }
                    None => return Err(ExitCode::from(1)),
                }
            }
        }
    };
    open.teach(&mut map);
    for (_, result) in &open.services {
        if let Err(err) = result {
            failed |= report(err);
        }
    }

    // On call: every service of one entity; for the whole catalog, the services that are burning.
    let on_call = if stale.is_some() {
        OnCallReport::default()
    } else if chosen.is_some() {
        runtime.block_on(on_call_now(&pd, &map, &refs))
    } else {
        let mut targets: BTreeMap<String, ServiceTarget> = BTreeMap::new();
        for incident in &open.incidents {
            targets
                .entry(incident.service.id.clone())
                .or_insert_with(|| ServiceTarget {
                    label: incident.service.summary.clone(),
                    service: Ok(ServiceHead {
                        id: incident.service.id.clone(),
                        name: incident.service.summary.clone(),
                        policy: incident.escalation_policy.clone(),
                    }),
                    entities: map.entities_of_service(&incident.service.id),
                });
        }
        runtime.block_on(gather(&pd, targets.into_values().collect()))
    };
    for err in on_call.errors() {
        failed |= report(&err);
    }

    let scope_key = chosen.map(|id| catalog.entity(id).key());
    if args.format == Format::Json {
        print_json(&report_json(
            &catalog,
            &map,
            scope_key.as_deref(),
            &open,
            &on_call,
            &unannotated,
        ));
    } else {
        print_incidents(
            &catalog,
            &map,
            scope_key.as_deref(),
            &refs,
            &open.incidents,
            &unannotated,
        );
        if !on_call.services.is_empty() {
            println!();
            println!("On call now");
            print_on_call(&catalog, &on_call, "");
        }
    }
    Ok(if failed || stale.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

// ---------------------------------------------------------------------------------------------
// On call, shared with `who`
// ---------------------------------------------------------------------------------------------

/// A service's name and escalation policy.
#[derive(Clone, Debug)]
pub(super) struct ServiceHead {
    pub id: String,
    pub name: String,
    pub policy: Option<Reference>,
}

/// A service to say who is on call for.
#[derive(Clone, Debug)]
pub(super) struct ServiceTarget {
    /// What the service is called when it could not be found (the reference).
    pub label: String,
    pub service: Result<ServiceHead, ProviderError>,
    pub entities: Vec<EntityId>,
}

/// One service's on-call chain.
#[derive(Clone, Debug)]
pub(super) struct ServiceOnCall {
    pub target: ServiceTarget,
    pub oncalls: Result<Vec<OnCall>, ProviderError>,
}

/// Who is on call for some services, with everyone's contact methods.
#[derive(Clone, Debug, Default)]
pub(super) struct OnCallReport {
    pub services: Vec<ServiceOnCall>,
    pub users: BTreeMap<String, Result<User, ProviderError>>,
}

impl OnCallReport {
    /// Every distinct failure, each once (a rejected token is reported once, not per service).
    pub fn errors(&self) -> Vec<ProviderError> {
        let mut errors: Vec<ProviderError> = Vec::new();
        let mut push = |err: &ProviderError| {
            if !errors.contains(err) {
                errors.push(err.clone());
            }
        };
        for service in &self.services {
            if let Err(err) = &service.target.service {
                push(err);
            }
            if let Err(err) = &service.oncalls {
                push(err);
            }
        }
        for user in self.users.values() {
            if let Err(err) = user {
                push(err);
            }
        }
        errors
    }
}

/// The on-call chains of these references' services: each service looked up (name and escalation
/// policy), then one `/oncalls` for all the policies, then each on-call person's contact methods.
pub(super) async fn on_call_now(
    pd: &PagerDuty,
    map: &ServiceMap,
    refs: &[ServiceRef],
) -> OnCallReport {
    let mut targets = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for reference in refs {
        let service = pd.resolve(reference, SLOW).await;
        let target = match service {
            Ok(fetched) => {
                let Fetched { value: s, .. } = fetched;
                if !seen.insert(s.id.clone()) {
                    continue;
                }
                ServiceTarget {
                    label: s.name.clone(),
                    entities: map.entities_of_service(&s.id),
                    service: Ok(ServiceHead {
                        id: s.id,
                        name: s.name,
                        policy: s.escalation_policy,
                    }),
                }
            }
            Err(err) => ServiceTarget {
                label: reference.to_string(),
                entities: map.entities_of_ref(reference),
                service: Err(err),
            },
        };
        let global = target
            .service
            .as_ref()
            .err()
            .is_some_and(pagerduty::is_global);
        targets.push(target);
        if global {
            // The next service would fail the same way: say it once.
            break;
        }
    }
    gather(pd, targets).await
}

/// On-call chains for services whose policies are known.
pub(super) async fn gather(pd: &PagerDuty, targets: Vec<ServiceTarget>) -> OnCallReport {
    let policies: Vec<String> = targets
        .iter()
        .filter_map(|t| {
            t.service
                .as_ref()
                .ok()?
                .policy
                .as_ref()
                .map(|p| p.id.clone())
        })
        .collect();
    let oncalls = if policies.is_empty() {
        Ok(Vec::new())
    } else {
        pd.oncalls(&policies, CachePolicy::Revalidate)
            .await
            .map(|f| f.value)
    };
    let services: Vec<ServiceOnCall> = targets
        .into_iter()
        .map(|target| {
            let chain = match (&target.service, &oncalls) {
                (Err(_), _) => Ok(Vec::new()),
                (Ok(head), Ok(all)) => Ok(all
                    .iter()
                    .filter(|o| {
                        head.policy
                            .as_ref()
                            .is_some_and(|p| p.id == o.escalation_policy.id)
                    })
                    .cloned()
                    .collect()),
                (Ok(_), Err(err)) => Err(err.clone()),
            };
            ServiceOnCall {
                target,
                oncalls: chain,
            }
        })
        .collect();
    let mut user_ids: Vec<String> = services
        .iter()
        .filter_map(|s| s.oncalls.as_ref().ok())
        .flatten()
        .map(|o| o.user.id.clone())
        .collect();
    user_ids.sort();
    user_ids.dedup();
    let mut tasks = tokio::task::JoinSet::new();
    for id in user_ids {
        let pd = pd.clone();
        tasks.spawn(async move {
            let user = pd.user(&id, SLOW).await.map(|f| f.value);
            (id, user)
        });
    }
    let mut users = BTreeMap::new();
    for (id, user) in tasks.join_all().await {
        users.insert(id, user);
    }
    OnCallReport { services, users }
}

fn when(time: Option<chrono::DateTime<Utc>>) -> Option<String> {
    time.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

fn contacts_line(user: Option<&Result<User, ProviderError>>) -> Option<String> {
    let user = user?.as_ref().ok()?;
    let methods: Vec<String> = user
        .contact_methods
        .iter()
        .map(|c| {
            if c.label.is_empty() {
                format!("{} {}", c.short_kind(), c.display_address())
            } else {
                format!("{} {} ({})", c.short_kind(), c.display_address(), c.label)
            }
        })
        .collect();
    (!methods.is_empty()).then(|| methods.join(" · "))
}

/// The on-call chains as text, each line after `indent`.
pub(super) fn print_on_call(catalog: &Catalog, report: &OnCallReport, indent: &str) {
    for service in &report.services {
        let target = &service.target;
        let entities: Vec<String> = target
            .entities
            .iter()
            .map(|&id| catalog.entity(id).key())
            .collect();
        let tied = if entities.is_empty() {
            String::new()
        } else {
            format!("  [{}]", entities.join(", "))
        };
        match &target.service {
            Err(err) => {
                println!(
                    "{indent}{}: unavailable ({}){tied}",
                    target.label,
                    short_error(err)
                );
                continue;
            }
            Ok(head) => {
                let policy = head
                    .policy
                    .as_ref()
                    .map(|p| format!(" · escalation policy {} ({})", p.summary, p.id))
                    .unwrap_or_else(|| " · no escalation policy".into());
                println!("{indent}{} ({}){policy}{tied}", head.name, head.id);
            }
        }
        match &service.oncalls {
            Err(err) => println!("{indent}  on call: unavailable ({})", short_error(err)),
            Ok(oncalls) if oncalls.is_empty() => println!("{indent}  nobody is on call"),
            Ok(oncalls) => {
                for oncall in oncalls {
                    let user = report.users.get(&oncall.user.id);
                    let email = oncall.user.email.clone().or_else(|| {
                        user.and_then(|u| u.as_ref().ok())
                            .and_then(|u| u.email.clone())
                    });
                    let email = email.map(|e| format!(" <{e}>")).unwrap_or_default();
                    let mut notes = Vec::new();
                    if let Some(schedule) = &oncall.schedule {
                        notes.push(schedule.summary.clone());
                    }
                    if let Some(end) = when(oncall.end) {
                        notes.push(format!("until {end}"));
                    }
                    let notes = if notes.is_empty() {
                        String::new()
                    } else {
                        format!("  ({})", notes.join(", "))
                    };
                    println!(
                        "{indent}  level {}  {}{email}{notes}",
                        oncall.escalation_level, oncall.user.name
                    );
                    if let Some(contacts) = contacts_line(user) {
                        println!("{indent}           {contacts}");
                    }
                }
            }
        }
    }
}

/// An error's text without the request it was about (the full text went to stderr).
fn short_error(err: &ProviderError) -> String {
    match err {
        ProviderError::Unauthorized { .. } => "token rejected".into(),
        ProviderError::Timeout { .. } => "timed out".into(),
        ProviderError::NotFound { .. } => "not found".into(),
        ProviderError::RateLimited { .. } => "rate limited".into(),
        ProviderError::Server { status, .. } => format!("server error {status}"),
        ProviderError::Network { .. } => "unreachable".into(),
        ProviderError::BadResponse { .. } => "unexpected answer".into(),
        other => other.to_string(),
    }
}

pub(super) fn on_call_json(catalog: &Catalog, report: &OnCallReport) -> serde_json::Value {
    let services: Vec<serde_json::Value> = report
        .services
        .iter()
        .map(|service| {
            let target = &service.target;
            let entities: Vec<String> = target.entities.iter().map(|&id| catalog.entity(id).key()).collect();
            let levels: Vec<serde_json::Value> = service
                .oncalls
                .as_ref()
                .map(|list| {
                    list.iter()
                        .map(|o| {
                            let user = report.users.get(&o.user.id).and_then(|u| u.as_ref().ok());
                            serde_json::json!({
                                "escalation_level": o.escalation_level,
                                "user": {
                                    "id": o.user.id,
                                    "name": o.user.name,
                                    "email": o.user.email.clone().or_else(|| user.and_then(|u| u.email.clone())),
                                    "html_url": o.user.html_url,
                                },
                                "contact_methods": user.map(|u| u.contact_methods.clone()).unwrap_or_default(),
                                "schedule": o.schedule,
                                "start": o.start,
                                "end": o.end,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let error = target.service.as_ref().err().or(service.oncalls.as_ref().err()).map(|e| e.to_string());
            match &target.service {
                Ok(head) => serde_json::json!({ "service": { "id": head.id, "name": head.name }, "escalation_policy": head.policy, "entities": entities, "on_call": levels, "error": error }),
                Err(_) => serde_json::json!({ "service": { "id": null, "name": target.label }, "escalation_policy": null, "entities": entities, "on_call": levels, "error": error }),
            }
        })
        .collect();
    serde_json::Value::Array(services)
}

// ---------------------------------------------------------------------------------------------
// Incidents
// ---------------------------------------------------------------------------------------------

/// The owners of these entities, as references, no repeats.
fn owners(catalog: &Catalog, entities: &[EntityId]) -> Vec<String> {
    let mut owners: Vec<String> = entities
        .iter()
        .flat_map(|&id| {
            catalog
                .related(id, RelationType::OwnedBy)
                .map(|t| catalog.target_ref(t).key())
        })
        .collect();
    owners.sort();
    owners.dedup();
    owners
}

fn incident_json(catalog: &Catalog, map: &ServiceMap, incident: &Incident) -> serde_json::Value {
    let now = Utc::now();
    let entities = map.entities_of_incident(incident);
    serde_json::json!({
        "id": incident.id,
        "number": incident.incident_number,
        "title": incident.title,
        "status": incident.status,
        "urgency": incident.urgency,
        "priority": incident.priority,
        "created_at": incident.created_at,
        "age_seconds": incident.age(now).as_secs(),
        "service": { "id": incident.service.id, "name": incident.service.summary },
        "escalation_policy": incident.escalation_policy,
        "assignees": incident.assignees().collect::<Vec<_>>(),
        "html_url": incident.html_url,
        "entities": entities.iter().map(|&id| catalog.entity(id).key()).collect::<Vec<_>>(),
        "owners": owners(catalog, &entities),
    })
}

fn report_json(
    catalog: &Catalog,
    map: &ServiceMap,
    scope: Option<&str>,
    open: &OpenIncidents,
    on_call: &OnCallReport,
    unannotated: &[EntityId],
) -> serde_json::Value {
    let services: Vec<serde_json::Value> = open
        .services
        .iter()
        .map(|(reference, result)| {
            serde_json::json!({
                "ref": reference,
                "service_id": result.as_ref().ok(),
                "entities": map.entities_of_ref(reference).iter().map(|&id| catalog.entity(id).key()).collect::<Vec<_>>(),
                "error": result.as_ref().err().map(|e| e.to_string()),
            })
        })
        .collect();
    serde_json::json!({
        "ref": scope,
        "incidents": open.incidents.iter().map(|i| incident_json(catalog, map, i)).collect::<Vec<_>>(),
        "services": services,
        "on_call": on_call_json(catalog, on_call),
        "without_pagerduty": unannotated.iter().map(|&id| catalog.entity(id).key()).collect::<Vec<_>>(),
    })
}

fn one_line(text: &str, width: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > width {
        format!("{}…", line.chars().take(width - 1).collect::<String>())
    } else {
        line.to_string()
    }
}

fn print_incidents(
    catalog: &Catalog,
    map: &ServiceMap,
    scope: Option<&str>,
    refs: &[ServiceRef],
    incidents: &[Incident],
    unannotated: &[EntityId],
) {
    let whose = scope.map(|s| format!(" of {s}")).unwrap_or_default();
    let services = match refs.len() {
        1 => "1 service".to_string(),
        n => format!("{n} services"),
    };
    if refs.is_empty() {
        match scope {
            Some(_) => println!("No PagerDuty services{whose}: no pagerduty.com/service-id or pagerduty.com/integration-key annotation"),
            None => println!("No entity in the catalog has a pagerduty.com/service-id or pagerduty.com/integration-key annotation"),
        }
    } else if incidents.is_empty() {
        println!("No open incidents{whose} (PagerDuty, {services})");
    } else {
        let triggered = incidents
            .iter()
            .filter(|i| i.status == pagerduty::IncidentStatus::Triggered)
            .count();
        println!("Open incidents{whose} (PagerDuty, {services}): {} — {triggered} triggered, {} acknowledged", incidents.len(), incidents.len() - triggered);
        let now = Utc::now();
        let rows: Vec<Vec<String>> = incidents
            .iter()
            .map(|incident| {
                let entities = map.entities_of_incident(incident);
                let entity_keys: Vec<String> = entities
                    .iter()
                    .map(|&id| catalog.entity(id).key())
                    .collect();
                let owner_keys = owners(catalog, &entities);
                vec![
                    incident.urgency.as_str().to_string(),
                    short_duration(incident.age(now)),
                    incident.status.as_str().to_string(),
                    format!("#{}", incident.incident_number),
                    if entity_keys.is_empty() {
                        "-".into()
                    } else {
                        entity_keys.join(", ")
                    },
                    if owner_keys.is_empty() {
                        "-".into()
                    } else {
                        owner_keys.join(", ")
                    },
                    one_line(&incident.service.summary, 40),
                    one_line(&incident.title, 80),
                ]
            })
            .collect();
        print_table(
            &[
                "URGENCY", "AGE", "STATUS", "NUMBER", "ENTITY", "OWNER", "SERVICE", "TITLE",
            ],
            &rows,
        );
    }
    for &id in unannotated {
        println!("{}: no PagerDuty service (no pagerduty.com/service-id or pagerduty.com/integration-key annotation)", catalog.entity(id).key());
    }
}
