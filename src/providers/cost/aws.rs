//! AWS Cost Explorer `GetCostAndUsage` (JSON 1.1 protocol: a POST with
//! `X-Amz-Target: AWSInsightsIndexService.GetCostAndUsage`), DAILY, grouped by the two
//! cost-allocation tag keys, every `NextPageToken` followed, into a [`RowSink`].
//!
//! - **Credentials:** the standard chain from AWS's own `aws-config`: environment variables
//!   (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), then `AWS_PROFILE` (or
//!   `default`) in the shared config and credentials files (`AWS_CONFIG_FILE`,
//!   `AWS_SHARED_CREDENTIALS_FILE`), static keys or `credential_process`.
//! - **Signing:** SigV4 by AWS's own `aws-sigv4`, service `ce`, region `us-east-1` (Cost
//!   Explorer's one endpoint; `[cost] region` for another partition).
//! - **Endpoint:** `AWS_ENDPOINT_URL_COST_EXPLORER`, else `AWS_ENDPOINT_URL`, else
//!   `https://ce.{region}.amazonaws.com`, as the AWS SDKs resolve it.
//! - **Sending** goes through `providers/http` (timeouts, throttling waits, redaction,
//!   `--verbose`); the session token and the keys are masked in anything a server says.
//! - **Cache:** each page is stored in the disk cache for [`FRESH_FOR`] (every request costs
//!   USD 0.01), under a key of the query and a hash of the access key ID: never a key itself.
//!   When Cost Explorer cannot be reached, an older stored answer is used, with a warning.

use super::{parse_amount, CostError, RowSink, Settings, Window};
use crate::config::Secret;
use crate::providers::cache::{Cache, Entry};
use crate::providers::github::short_duration;
use crate::providers::http::{Call, Client, Log, Options, Service};
use crate::providers::ProviderError;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::Credentials;
use serde::Deserialize;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

pub const SERVICE: &str = "AWS Cost Explorer";
pub const TARGET: &str = "AWSInsightsIndexService.GetCostAndUsage";
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A stored page is used without asking within this long.
pub const FRESH_FOR: Duration = Duration::from_secs(3 * 3600);

/// At most this many pages (a runaway `NextPageToken` must end).
const MAX_PAGES: usize = 500;

/// The endpoint for `region`, with the SDKs' environment overrides.
pub fn endpoint(region: &str) -> String {
    ["AWS_ENDPOINT_URL_COST_EXPLORER", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| {
            let domain = if region.starts_with("cn-") {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            };
            format!("https://ce.{region}.{domain}")
        })
}

/// The credentials the standard chain finds, or what to set.
pub async fn credentials() -> Result<Credentials, CostError> {
    use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
    use aws_config::meta::credentials::CredentialsProviderChain;
    use aws_config::profile::ProfileFileCredentialsProvider;
    use aws_credential_types::provider::error::CredentialsError;
    if let Some(problem) = unsupported_profile().await {
        return Err(CostError::NotConfigured(problem));
    }
    // The instance and container providers a profile may name need aws-config's own HTTP client,
    // which greenroom does not build in (see Cargo.toml): they are said to be unavailable.
    let profile = ProfileFileCredentialsProvider::builder()
        .with_custom_provider("Ec2InstanceMetadata", Unavailable("Ec2InstanceMetadata"))
        .with_custom_provider("EcsContainer", Unavailable("EcsContainer"))
        .build();
    let chain = CredentialsProviderChain::first_try(
        "Environment",
        EnvironmentVariableCredentialsProvider::new(),
    )
    .or_else("Profile", profile);
    match chain.provide_credentials().await {
        Ok(credentials) => Ok(credentials),
        Err(CredentialsError::CredentialsNotLoaded(_)) => Err(CostError::NotConfigured(
            "no AWS credentials found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE \
             in ~/.aws/config and ~/.aws/credentials); or read a FOCUS export with --focus PATH \
             or [cost] focus"
                .into(),
        )),
        Err(err) => Err(CostError::Credentials(format!(
            "the AWS credential chain failed: {}",
            describe(&err)
        ))),
    }
}

/// A profile that needs a call to AWS to become credentials (AssumeRole, SSO, web identity):
/// greenroom reads static keys and `credential_process` only, and says so rather than fail deep in
/// the SDK. `None` when the environment's keys are used or the profile is fine.
async fn unsupported_profile() -> Option<String> {
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        return None;
    }
    let profiles = aws_config::profile::load(
        &Default::default(),
        &Default::default(),
        &Default::default(),
        None,
    )
    .await
    .ok()?;
    let name = profiles.selected_profile().to_string();
    let profile = profiles.get_profile(&name)?;
    let needs = [
        "role_arn",
        "sso_session",
        "sso_start_url",
        "web_identity_token_file",
    ]
    .into_iter()
    .find(|key| profile.get(key).is_some())?;
    Some(format!(
        "the AWS profile {name:?} uses {needs}, which greenroom cannot turn into credentials; \
         give it credential_process = aws configure export-credentials --profile {name} \
         --format process (after aws sso login), or export AWS_ACCESS_KEY_ID, \
         AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
    ))
}

/// A credential source greenroom does not offer.
#[derive(Debug)]
struct Unavailable(&'static str);

impl ProvideCredentials for Unavailable {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err(
            aws_credential_types::provider::error::CredentialsError::not_loaded(format!(
                "{} credentials are not available in greenroom",
                self.0
            )),
        ))
    }
}

/// An error and its causes on one line (the SDK's errors nest).
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = inner.source();
    }
    text
}

/// What the rows read from Cost Explorer are said to come from.
pub fn source_label(settings: &Settings) -> String {
    format!("{SERVICE} ({})", settings.metric)
}

/// Reads the window's cost with the credential chain's credentials.
pub async fn fetch(
    settings: &Settings,
    window: Window,
    log: Log,
    sink: &mut impl RowSink,
) -> Result<(), CostError> {
    let credentials = credentials().await?;
    let client = Client::new(Options::from_env(), None, log);
    let cache = settings.cache_dir.as_deref().map(Cache::under);
    fetch_with(
        &client,
        cache.as_ref(),
        &credentials,
        settings,
        window,
        sink,
    )
    .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    #[serde(default)]
    results_by_time: Vec<ByTime>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ByTime {
    time_period: Period,
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Period {
    start: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Group {
    keys: Vec<String>,
    metrics: HashMap<String, Metric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Metric {
    amount: String,
    #[serde(default)]
    unit: String,
}

/// The request body for one page.
pub fn request_body(settings: &Settings, window: Window, page: Option<&str>) -> serde_json::Value {
    let mut body = serde_json::json!({
        "TimePeriod": {
            "Start": window.previous_start().to_string(),
            "End": window.today.to_string(),
        },
        "Granularity": "DAILY",
        "Metrics": [settings.metric],
        "GroupBy": [
            {"Type": "TAG", "Key": settings.team_tag},
            {"Type": "TAG", "Key": settings.service_tag},
        ],
    });
    if let Some(token) = page {
        body["NextPageToken"] = token.into();
    }
    body
}

/// Every page of the window, from the cache when fresh, into `sink`.
pub async fn fetch_with(
    client: &Client,
    cache: Option<&Cache>,
    credentials: &Credentials,
    settings: &Settings,
    window: Window,
    sink: &mut impl RowSink,
) -> Result<(), CostError> {
    let base = endpoint(&settings.region);
    let plain = Service::new(
        SERVICE,
        &base,
        "check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)",
    )?;
    let url = plain.url("/");
    let identity = fnv(credentials.access_key_id().as_bytes());
    let mut page: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let call = Call::post_json(
            url.clone(),
            &request_body(settings, window, page.as_deref()),
        );
        let body = call.body.clone().unwrap_or_default();
        let key = format!(
            "{url}#{TARGET} identity={identity:016x} {}",
            String::from_utf8_lossy(&body)
        );
        let stored = cache.and_then(|c| c.get(&key));
        let answer = match stored.filter(|entry| entry.age() < FRESH_FOR) {
            Some(entry) => entry.body,
            None => {
                let service = signed(&plain, &url, &body, credentials, &settings.region)?;
                match client.send(&service, call).await {
                    Ok(response) => {
                        if let Some(cache) = cache {
                            let _ = cache.put(
                                &key,
                                &Entry {
                                    url: key.clone(),
                                    etag: None,
                                    fetched_at: SystemTime::now(),
                                    body: response.body.clone(),
                                },
                            );
                        }
                        response.body
                    }
                    Err(err) => {
                        let err = explain(err);
                        match (cache.and_then(|c| c.get(&key)), &err) {
                            (Some(old), CostError::Provider(e)) if e.is_transient() => {
                                sink.warn(format!(
                                    "{e}; using the answer stored {} ago",
                                    short_duration(old.age())
                                ));
                                old.body
                            }
                            _ => return Err(err),
                        }
                    }
                }
            }
        };
        let next = decode_page(&answer, sink, settings).map_err(|detail| {
            CostError::Provider(ProviderError::BadResponse {
                service: SERVICE,
                target: format!("POST {}", plain.display_url(&url)),
                detail,
            })
        })?;
        match next {
            Some(next) => page = Some(next),
            None => return Ok(()),
        }
    }
    Err(CostError::Provider(ProviderError::BadResponse {
        service: SERVICE,
        target: format!("POST {}", plain.display_url(&url)),
        detail: format!("more than {MAX_PAGES} pages; stopped"),
    }))
}

/// Decodes one Cost Explorer answer page and adds it to `sink`; the next page's token, if
/// any. Errors name the field. (The fuzz target `provider_answers` feeds it any bytes.)
pub fn decode_page(
    body: &[u8],
    sink: &mut impl RowSink,
    settings: &Settings,
) -> Result<Option<String>, String> {
    let answer: Answer =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(body))
            .map_err(|e| e.to_string())?;
    add_answer(sink, &answer, settings);
    Ok(answer.next_page_token.filter(|t| !t.is_empty()))
}

fn add_answer(sink: &mut impl RowSink, answer: &Answer, settings: &Settings) {
    // Keys come as `team$payments` in GroupBy order; `team$` is untagged.
    let value = |key: Option<&String>| -> String {
        key.map(|k| k.split_once('$').map_or(k.as_str(), |(_, v)| v))
            .unwrap_or_default()
            .to_string()
    };
    for by_time in &answer.results_by_time {
        let Ok(day) = by_time.time_period.start.parse() else {
            let start = by_time.time_period.start.clone();
            sink.skip(|| format!("{SERVICE}: TimePeriod.Start {start:?} is not a date"));
            continue;
        };
        for group in &by_time.groups {
            let Some(metric) = group.metrics.get(&settings.metric) else {
                continue;
            };
            let Some(amount) = parse_amount(&metric.amount) else {
                let amount = metric.amount.clone();
                sink.skip(|| format!("{SERVICE}: {day}: Amount {amount:?} is not a number"));
                continue;
            };
            let team = value(group.keys.first());
            let service = value(group.keys.get(1));
            sink.add(day, &team, &service, &metric.unit, amount);
        }
    }
}

/// The service with this request's SigV4 headers: `Authorization`, `X-Amz-Date` and, with a
/// session, `X-Amz-Security-Token`; the keys are hidden from anything shown.
fn signed(
    plain: &Service,
    url: &url::Url,
    body: &[u8],
    credentials: &Credentials,
    region: &str,
) -> Result<Service, CostError> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    use aws_sigv4::sign::v4;
    let failed = |what: &dyn std::fmt::Display| {
        CostError::Credentials(format!("cannot sign the {SERVICE} request: {what}"))
    };
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("ce")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| failed(&e))?
        .into();
    let headers = [("content-type", CONTENT_TYPE), ("x-amz-target", TARGET)];
    let request = SignableRequest::new(
        "POST",
        url.as_str(),
        headers.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| failed(&e))?;
    let (instructions, _) = sign(request, &params).map_err(|e| failed(&e))?.into_parts();
    let mut service = plain
        .clone()
        .header("content-type", CONTENT_TYPE)
        .header("x-amz-target", TARGET)
        .hide(Secret::new(credentials.secret_access_key()))
        .hide(Secret::new(credentials.access_key_id()));
    for (name, value) in instructions.headers() {
        match name {
            "authorization" => {
                let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
                if scheme != "AWS4-HMAC-SHA256" {
                    return Err(failed(&"an unexpected signing scheme"));
                }
                service = service.auth("AWS4-HMAC-SHA256", Secret::new(rest));
            }
            "x-amz-date" => service = service.header("x-amz-date", value),
            "x-amz-security-token" => {
                service = service.secret_header("x-amz-security-token", Secret::new(value))
            }
            _ => {}
        }
    }
    Ok(service)
}

/// Cost Explorer's refusals in words a user can act on.
fn explain(err: ProviderError) -> CostError {
    let (status, message, target) = match &err {
        ProviderError::Status {
            status,
            message,
            target,
            ..
        } => (*status, message.as_str(), target.as_str()),
        ProviderError::Forbidden {
            message, target, ..
        } => (403, message.as_str(), target.as_str()),
        _ => return CostError::Provider(err),
    };
    let kind = message.split(':').next().unwrap_or_default();
    let hint = match kind {
        "ExpiredTokenException" | "ExpiredToken" | "RequestExpired" => {
            "the AWS credentials have expired: renew the session (aws sso login, or a new \
             AWS_SESSION_TOKEN) and try again"
        }
        "UnrecognizedClientException" | "InvalidClientTokenId" => {
            "AWS does not know these credentials (the access key ID or session token): check \
             AWS_PROFILE or the AWS_* variables"
        }
        "InvalidSignatureException" | "SignatureDoesNotMatch" | "IncompleteSignature" => {
            "AWS rejected the request signature: the secret access key does not match the access \
             key ID"
        }
        "AccessDeniedException" | "AccessDenied" => {
            "these credentials may not read Cost Explorer: they need ce:GetCostAndUsage"
        }
        "DataUnavailableException" => {
            "Cost Explorer has no data for this period yet (is Cost Explorer enabled for the account?)"
        }
        _ if status == 403 => "AWS refused the request",
        _ => return CostError::Provider(err),
    };
    CostError::Credentials(format!(
        "{SERVICE} refused {target} ({status} {message}): {hint}"
    ))
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_what_to_do() {
        let status = |message: &str| ProviderError::Status {
            service: SERVICE,
            target: "POST https://ce.us-east-1.amazonaws.com/".into(),
            status: 400,
            message: message.into(),
        };
        let expired = explain(status(
            "ExpiredTokenException: The security token included in the request is expired",
        ));
        assert!(expired.to_string().contains("have expired"), "{expired}");
        let unknown = explain(status(
            "UnrecognizedClientException: The security token included in the request is invalid",
        ));
        assert!(unknown.to_string().contains("does not know"), "{unknown}");
        let other = explain(status("ValidationException: bad"));
        assert!(matches!(other, CostError::Provider(_)));
    }

    #[test]
    fn the_request_groups_by_both_tags_daily_over_both_periods() {
        let settings = Settings::default();
        let window = Window::new("2026-03-11".parse().unwrap(), 30);
        let body = request_body(&settings, window, Some("tok"));
        assert_eq!(body["TimePeriod"]["Start"], "2026-01-10");
        assert_eq!(body["TimePeriod"]["End"], "2026-03-11");
        assert_eq!(body["Granularity"], "DAILY");
        assert_eq!(body["Metrics"][0], "UnblendedCost");
        assert_eq!(body["GroupBy"][1]["Key"], "service");
        assert_eq!(body["NextPageToken"], "tok");
    }
}
