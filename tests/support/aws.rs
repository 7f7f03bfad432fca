//! A fake AWS Cost Explorer on [`TestServer`]: `GetCostAndUsage` over the JSON 1.1 protocol.
//!
//! Like AWS it **verifies each request's SigV4 signature** against the test's key pair, rebuilt
//! here from the rules (canonical request → string to sign → HMAC chain), with `hmac`/`sha2`
//! rather than the signer's own code, and refuses anything else (`IncompleteSignatureException`,
//! `UnrecognizedClientException`, `InvalidSignatureException`, `ValidationException`). It answers
//! from its own rows by `TimePeriod` (End exclusive), `Granularity` (DAILY only), `GroupBy` (the
//! tag keys asked, `key$value` as AWS writes them, `key$` untagged) and `NextPageToken`
//! ([`CostExplorer::days_per_page`] days per page), so a client that ignores any of them gets a
//! wrong total. [`Mode`] makes it answer as AWS does with expired credentials, throttling or a
//! 500.

use super::http_server::{Recorded, Reply, TestServer};
use chrono::NaiveDate;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The key pair and session token tests plant, then look for everywhere they must not be.
pub const ACCESS_KEY_ID: &str = "AKIAPLANTEDKEY7EXAMPLE";
pub const SECRET_KEY: &str = "plantedSECRETkey/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const SESSION_TOKEN: &str = "PLANTEDsessionTOKEN//////////wEaCXVzLWVhc3QtMSJHMEUCIQD";

/// How the server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// 400 ExpiredTokenException, as AWS says of an expired session.
    Expired,
    /// 400 ThrottlingException.
    Throttled,
    /// 500 with an internal error.
    Broken,
}

/// One row of the server's data: a day's cost of a (team, service) pair ("" untagged).
#[derive(Clone, Debug)]
pub struct CostRow {
    pub day: NaiveDate,
    pub team: &'static str,
    pub service: &'static str,
    pub amount: &'static str,
}

pub struct CostExplorer {
    pub server: TestServer,
    state: Arc<Mutex<State>>,
}

struct State {
    rows: Vec<CostRow>,
    mode: Mode,
    days_per_page: usize,
    session: bool,
    /// Every request's verdict: Ok, or why it was refused.
    verdicts: Vec<Result<(), String>>,
}

impl CostExplorer {
    /// `session`: the credentials carry [`SESSION_TOKEN`], which each request must then sign.
    pub fn start(rows: Vec<CostRow>, session: bool) -> CostExplorer {
        let state = Arc::new(Mutex::new(State {
            rows,
            mode: Mode::Normal,
            days_per_page: 5,
            session,
            verdicts: Vec::new(),
        }));
        let shared = state.clone();
        let server = TestServer::start(move |request| {
            let mut state = shared.lock().unwrap();
            let reply = answer(&mut state, request);
            reply
        });
        CostExplorer { server, state }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = mode;
    }

    pub fn days_per_page(&self, days: usize) {
        self.state.lock().unwrap().days_per_page = days.max(1);
    }

    /// Each request's signature check, in order.
    pub fn verdicts(&self) -> Vec<Result<(), String>> {
        self.state.lock().unwrap().verdicts.clone()
    }
}

fn error(status: u16, kind: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "__type": format!("com.amazonaws.awsinsightsindexservice#{kind}"), "message": message }),
    )
}

fn answer(state: &mut State, request: &Recorded) -> Reply {
    let verdict = verify(request, state.session, chrono::Utc::now());
    state.verdicts.push(verdict.clone());
    if let Err(why) = verdict {
        let kind = if why.starts_with("unknown key") {
            "UnrecognizedClientException"
        } else if why.starts_with("signature") {
            "InvalidSignatureException"
        } else {
            "IncompleteSignatureException"
        };
        return error(400, kind, &why);
    }
    match state.mode {
        Mode::Expired => {
            return error(
                400,
                "ExpiredTokenException",
                "The security token included in the request is expired",
            )
        }
        Mode::Throttled => return error(400, "ThrottlingException", "Rate exceeded"),
        Mode::Broken => return Reply::text(500, "internal error"),
        Mode::Normal => {}
    }
    if request.header("x-amz-target") != Some("AWSInsightsIndexService.GetCostAndUsage")
        || request.header("content-type") != Some("application/x-amz-json-1.1")
    {
        return error(
            400,
            "UnknownOperationException",
            "not GetCostAndUsage over JSON 1.1",
        );
    }
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(_) => return error(400, "SerializationException", "not JSON"),
    };
    let day = |pointer: &str| {
        body.pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<NaiveDate>().ok())
    };
    let (Some(start), Some(end)) = (day("/TimePeriod/Start"), day("/TimePeriod/End")) else {
        return error(
            400,
            "ValidationException",
            "TimePeriod Start and End are dates",
        );
    };
    if body["Granularity"] != "DAILY" {
        return error(400, "ValidationException", "this server answers DAILY only");
    }
    let Some(metric) = body["Metrics"][0].as_str() else {
        return error(400, "ValidationException", "Metrics is required");
    };
    let keys: Vec<String> = body["GroupBy"]
        .as_array()
        .map(|groups| {
            groups
                .iter()
                .filter(|g| g["Type"] == "TAG")
                .filter_map(|g| g["Key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if keys.len() != 2 {
        return error(400, "ValidationException", "group by two TAG keys");
    }
    let first: usize = match body.get("NextPageToken").and_then(Value::as_str) {
        None => 0,
        Some(token) => match token
            .strip_prefix("page-at-day-")
            .and_then(|n| n.parse().ok())
        {
            Some(n) => n,
            None => return error(400, "InvalidNextTokenException", "bad token"),
        },
    };
    let days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d < end).collect();
    let page: Vec<NaiveDate> = days
        .iter()
        .skip(first)
        .take(state.days_per_page)
        .copied()
        .collect();
    let results: Vec<Value> = page
        .iter()
        .map(|&day| {
            let mut groups: BTreeMap<(String, String), f64> = BTreeMap::new();
            for row in state.rows.iter().filter(|r| r.day == day) {
                *groups
                    .entry((
                        format!("{}${}", keys[0], row.team),
                        format!("{}${}", keys[1], row.service),
                    ))
                    .or_default() += row.amount.parse::<f64>().unwrap();
            }
            json!({
                "TimePeriod": { "Start": day.to_string(), "End": (day + chrono::Days::new(1)).to_string() },
                "Total": {},
                "Groups": groups.into_iter().map(|((t, s), amount)| json!({
                    "Keys": [t, s],
                    "Metrics": { metric: { "Amount": format!("{amount:.10}"), "Unit": "USD" } }
                })).collect::<Vec<_>>(),
                "Estimated": false,
            })
        })
        .collect();
    let mut answer = json!({
        "GroupDefinitions": keys.iter().map(|k| json!({"Type": "TAG", "Key": k})).collect::<Vec<_>>(),
        "ResultsByTime": results,
        "DimensionValueAttributes": [],
    });
    if first + page.len() < days.len() {
        answer["NextPageToken"] = format!("page-at-day-{}", first + page.len()).into();
    }
    Reply::json(200, &answer)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a request's SigV4 signature as AWS does for `ce` in us-east-1 with the planted keys.
pub fn verify(
    request: &Recorded,
    session: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    let authorization = request
        .header("authorization")
        .ok_or("no Authorization header")?;
    let rest = authorization
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or("not AWS4-HMAC-SHA256")?;
    let mut parts = BTreeMap::new();
    for part in rest.split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or("a malformed Authorization part")?;
        parts.insert(k, v);
    }
    let credential = parts.get("Credential").ok_or("no Credential")?;
    let signed_headers = parts.get("SignedHeaders").ok_or("no SignedHeaders")?;
    let signature = parts.get("Signature").ok_or("no Signature")?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [key_id, date, region, service, terminal] = scope[..] else {
        return Err("a malformed credential scope".into());
    };
    if key_id != ACCESS_KEY_ID {
        return Err(format!("unknown key ID {key_id:?}"));
    }
    if (region, service, terminal) != ("us-east-1", "ce", "aws4_request") {
        return Err(format!("wrong scope {region}/{service}/{terminal}"));
    }
    let amz_date = request.header("x-amz-date").ok_or("no X-Amz-Date")?;
    if !amz_date.starts_with(date) {
        return Err("X-Amz-Date is not the scope's date".into());
    }
    let when = chrono::NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ")
        .map_err(|_| "X-Amz-Date is not a basic ISO 8601 time")?
        .and_utc();
    if (now - when).num_minutes().abs() > 15 {
        return Err("X-Amz-Date is more than 15 minutes off".into());
    }
    let signed: Vec<&str> = signed_headers.split(';').collect();
    for required in ["host", "x-amz-date", "x-amz-target", "content-type"] {
        if !signed.contains(&required) {
            return Err(format!("{required} is not signed"));
        }
    }
    match (session, request.header("x-amz-security-token")) {
        (true, Some(token))
            if token == SESSION_TOKEN && signed.contains(&"x-amz-security-token") => {}
        (true, _) => return Err("the session token is missing, wrong or unsigned".into()),
        (false, Some(_)) => return Err("a session token with long-term keys".into()),
        (false, None) => {}
    }
    let mut canonical_headers = String::new();
    for name in &signed {
        let values: Vec<String> = request
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return Err(format!("signed header {name} was not sent"));
        }
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let mut query: Vec<&str> = query.split('&').filter(|q| !q.is_empty()).collect();
    query.sort();
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        if path.is_empty() { "/" } else { path },
        query.join("&"),
        canonical_headers,
        signed_headers,
        sha256_hex(&request.body)
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let k_date = hmac(format!("AWS4{SECRET_KEY}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    let expected = hex(&hmac(&k_signing, string_to_sign.as_bytes()));
    if *signature != expected {
        return Err("signature does not match".into());
    }
    Ok(())
}
