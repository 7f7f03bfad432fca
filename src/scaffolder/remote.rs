//! Runs a template on a Backstage backend instead of here (for templates with actions only a
//! backend has): `POST /api/scaffolder/v2/tasks`, then the task's event log followed through
//! `GET /api/scaffolder/v2/tasks/{id}/events?after=N` until its completion event.

use super::run::{Masker, RenderedOutput, RunEvent};
use crate::config::Secret;
use crate::providers::http::{Call, Client, Service};
use serde_json::{json, Map, Value};
use std::time::Duration;

pub struct Backend<'a> {
    pub url: &'a str,
    pub token: Option<Secret>,
    pub client: &'a Client,
    /// Pause between two reads of the event log.
    pub poll_interval: Duration,
    /// Reads of the event log before giving up following (the task goes on on the backend).
    pub max_polls: u64,
}

/// What the backend's task gave.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteTask {
    pub id: String,
    pub output: RenderedOutput,
}

pub async fn run_on_backend(
    backend: &Backend<'_>,
    template_ref: &str,
    values: &Value,
    secrets: &Map<String, Value>,
    mut events: impl FnMut(RunEvent) + Send,
) -> Result<RemoteTask, String> {
    let masker = Masker::new(secrets);
    let mut service = Service::new("Backstage", backend.url, "check BACKSTAGE_TOKEN")
        .map_err(|e| e.to_string())?;
    if let Some(token) = &backend.token {
        service = service.auth("Bearer", token.clone());
    }
    let body = json!({ "templateRef": template_ref, "values": values, "secrets": secrets });
    let created = backend
        .client
        .send(
            &service,
            Call::post_json(service.url("/api/scaffolder/v2/tasks"), &body),
        )
        .await
        .map_err(|e| masker.mask(&e.to_string()))?;
    let id = serde_json::from_slice::<Value>(&created.body)
        .ok()
        .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
        .ok_or("the Backstage backend did not answer with a task id")?;
    events(RunEvent::Log {
        step: None,
        line: format!("Task {id} started on {}", backend.url),
    });

    let mut after: Option<i64> = None;
    for poll in 0..backend.max_polls {
        if poll > 0 {
            tokio::time::sleep(backend.poll_interval).await;
        }
        let mut url = service.url(&format!("/api/scaffolder/v2/tasks/{id}/events"));
        if let Some(after) = after {
            url.query_pairs_mut()
                .append_pair("after", &after.to_string());
        }
        let response = backend
            .client
            .send(&service, Call::get(url))
            .await
            .map_err(|e| masker.mask(&e.to_string()))?;
        let list: Vec<Value> = serde_json::from_slice(&response.body)
            .map_err(|e| format!("the task's events are not a JSON list: {e}"))?;
        for event in list {
            if let Some(n) = event.get("id").and_then(Value::as_i64) {
                after = Some(after.map_or(n, |a| a.max(n)));
            }
            let body = event.get("body").cloned().unwrap_or(Value::Null);
            let step = body
                .get("stepId")
                .and_then(Value::as_str)
                .map(str::to_string);
            let message = body
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            match event.get("type").and_then(Value::as_str) {
                Some("completion") => {
                    let failed = body.get("error").is_some()
                        || body.get("status").and_then(Value::as_str) == Some("failed");
                    if failed {
                        let reason = body
                            .pointer("/error/message")
                            .and_then(Value::as_str)
                            .unwrap_or(&message);
                        let message = masker.mask(&format!("task {id} failed: {reason}"));
                        events(RunEvent::Failed {
                            step: None,
                            message: message.clone(),
                        });
                        return Err(message);
                    }
                    let output = body.get("output").cloned().unwrap_or(json!({}));
                    let list = |k: &str| {
                        output
                            .get(k)
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default()
                    };
                    events(RunEvent::Log {
                        step: None,
                        line: masker.mask(&message),
                    });
                    events(RunEvent::Finished);
                    return Ok(RemoteTask {
                        id,
                        output: RenderedOutput {
                            links: list("links"),
                            text: list("text"),
                            other: Map::new(),
                        },
                    });
                }
                Some("cancelled") => {
                    let message = format!("task {id} was cancelled");
                    events(RunEvent::Failed {
                        step: None,
                        message: message.clone(),
                    });
                    return Err(message);
                }
                _ => events(RunEvent::Log {
                    step,
                    line: masker.mask(&message),
                }),
            }
        }
    }
    Err(format!(
        "task {id} has not completed after {} reads of its log; it goes on on the backend",
        backend.max_polls
    ))
}
