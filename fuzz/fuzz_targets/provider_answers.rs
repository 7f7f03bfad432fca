//! Any bytes as an answer from GitHub, PagerDuty (REST and Events) or AWS Cost Explorer, decoded
//! and converted as the clients do: never panics (a server can send anything).
#![no_main]

use greenroom::insights::cost::{aws, Aggregate, Settings, Window};
use greenroom::providers::{github, pagerduty};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    github::decode_all(body);
    pagerduty::decode_all(body);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    let mut aggregate = Aggregate::new(Window::new(today, 30), "fuzz");
    let _ = aws::decode_page(body, &mut aggregate, &Settings::default());
});
