//! What an answer's headers and body say beyond the status: the rate limit, when a limited
//! request may be retried, and the server's error message.

use super::RateLimit;
use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

pub(super) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

pub(super) fn rate_limit(headers: &HeaderMap) -> RateLimit {
    let number = |name| header_str(headers, name).and_then(|v| v.parse::<u64>().ok());
    RateLimit {
        remaining: number("x-ratelimit-remaining"),
        reset: number("x-ratelimit-reset")
            .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs)),
    }
}

/// When a rate-limited answer may be retried, or `None` when the answer is not about rate limits:
/// `retry-after` (seconds or an HTTP date), else an exhausted `x-ratelimit-remaining` with its
/// `x-ratelimit-reset`, else a 429 or a 403 saying "rate limit" (GitHub's secondary limits: wait a
/// minute).
pub fn rate_limited(
    status: u16,
    headers: &HeaderMap,
    message: Option<&str>,
    now: SystemTime,
) -> Option<SystemTime> {
    // AWS JSON APIs answer 400 with a ThrottlingException (Cost Explorer: LimitExceededException);
    // `error_message` puts the type first.
    let throttled = status == 400
        && message.is_some_and(|m| {
            [
                "ThrottlingException",
                "TooManyRequestsException",
                "LimitExceededException",
            ]
            .iter()
            .any(|t| m.starts_with(t))
        });
    if status != 429 && status != 403 && !throttled {
        return None;
    }
    if let Some(value) = header_str(headers, "retry-after") {
        if let Ok(secs) = value.parse::<u64>() {
            return Some(now + Duration::from_secs(secs));
        }
        if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value) {
            return Some(SystemTime::from(date).max(now));
        }
    }
    // PagerDuty: `ratelimit-reset`, seconds until the limit resets.
    if let Some(secs) = header_str(headers, "ratelimit-reset").and_then(|v| v.parse::<u64>().ok()) {
        return Some(now + Duration::from_secs(secs));
    }
    let rate = rate_limit(headers);
    if rate.remaining == Some(0) {
        // GitHub's reset is a whole second; one more second avoids asking a moment too early.
        return Some(rate.reset.map_or(now + Duration::from_secs(60), |reset| {
            (reset + Duration::from_secs(1)).max(now)
        }));
    }
    if throttled {
        // AWS says nothing of when: a short pause, as its SDKs back off.
        return Some(now + Duration::from_secs(2));
    }
    if status == 429 || message.is_some_and(|m| m.to_ascii_lowercase().contains("rate limit")) {
        return Some(now + Duration::from_secs(60));
    }
    None
}

/// The `message` of a JSON error body (GitHub, PagerDuty and most APIs have one), short and on one
/// line; AWS JSON errors lead with their `__type` (`ExpiredTokenException: The security token…`).
pub(super) fn error_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
    let said = text(value.get("message"))
        .or_else(|| text(value.get("Message")))
        .or_else(|| text(value.get("error").and_then(|e| e.get("message"))));
    let aws_type = text(value.get("__type")).map(|t| {
        // `namespace#Type` or `namespace#Type:http://…` (older services).
        let t = t.rsplit('#').next().unwrap_or_default();
        t.split(':').next().unwrap_or_default().to_string()
    });
    let message = match (aws_type, said) {
        (Some(kind), Some(said)) => format!("{kind}: {said}"),
        (Some(kind), None) => kind,
        (None, Some(said)) => said,
        (None, None) => return None,
    };
    let clean: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    Some(clean.trim().to_string()).filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn rate_limits_from_retry_after_and_reset() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let after = rate_limited(429, &headers(&[("retry-after", "3")]), None, now).unwrap();
        assert_eq!(after.duration_since(now).unwrap(), Duration::from_secs(3));
        let date = rate_limited(
            429,
            &headers(&[("retry-after", "Tue, 14 Nov 2023 22:14:00 GMT")]),
            None,
            now,
        )
        .unwrap();
        assert_eq!(
            date.duration_since(now).unwrap(),
            Duration::from_secs(1_700_000_040 - 1_700_000_000)
        );
        let reset = rate_limited(
            403,
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1700000600"),
            ]),
            Some("API rate limit exceeded"),
            now,
        )
        .unwrap();
        assert_eq!(reset.duration_since(now).unwrap(), Duration::from_secs(601));
        let pagerduty =
            rate_limited(429, &headers(&[("ratelimit-reset", "7")]), None, now).unwrap();
        assert_eq!(
            pagerduty.duration_since(now).unwrap(),
            Duration::from_secs(7)
        );
        // A 403 with quota left and no rate-limit words is a permission problem.
        assert_eq!(
            rate_limited(
                403,
                &headers(&[("x-ratelimit-remaining", "10")]),
                Some("Resource not accessible"),
                now
            ),
            None
        );
        assert!(rate_limited(
            403,
            &HeaderMap::new(),
            Some("You have exceeded a secondary rate limit"),
            now
        )
        .is_some());
        assert_eq!(
            rate_limited(500, &headers(&[("retry-after", "3")]), None, now),
            None
        );
    }

    #[test]
    fn error_messages_are_short_single_lines() {
        assert_eq!(
            error_message(br#"{"message":"Bad\ncredentials","documentation_url":"x"}"#).as_deref(),
            Some("Bad credentials")
        );
        assert_eq!(error_message(b"<html>"), None);
        assert_eq!(
            error_message(br#"{"__type":"com.amazon.coral.service#ExpiredTokenException","Message":"expired"}"#).as_deref(),
            Some("ExpiredTokenException: expired")
        );
        assert_eq!(
            error_message(&format!(r#"{{"message":"{}"}}"#, "x".repeat(500)).into_bytes())
                .unwrap()
                .len(),
            200
        );
    }
}
