//! The FOCUS CSV reader on any bytes (plain or gzip): never panics; an export it accepts keeps
//! at most the row problems it promises.
#![no_main]

use greenroom::insights::cost::focus::read_into;
use greenroom::insights::cost::{Aggregate, Settings, Window, PROBLEMS_KEPT};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    let mut aggregate = Aggregate::new(Window::new(today, 30), "fuzz");
    let settings = Settings::default();
    if read_into("fuzz.csv", bytes, &settings, &mut aggregate, &mut |_| {}).is_ok() {
        assert!(aggregate.problems.len() <= PROBLEMS_KEPT);
    }
});
