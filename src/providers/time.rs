//! Times and durations as messages and panes say them: "until 14:05:09", "3m 20s".

use std::time::{Duration, SystemTime};

/// A time as the local HH:MM:SS, for "rate limited until …".
pub fn clock(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(time)
        .format("%H:%M:%S")
        .to_string()
}

/// "3m", "2h", "5d": how long ago, for ages.
pub fn ago(since: SystemTime) -> String {
    short_duration(SystemTime::now().duration_since(since).unwrap_or_default())
}

/// "45s", "3m", "1h 5m", "2d".
pub fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60)
            .trim_end_matches(" 0s")
            .to_string(),
        3600..=86_399 => format!("{}h {}m", s / 3600, (s % 3600) / 60)
            .trim_end_matches(" 0m")
            .to_string(),
        _ => format!("{}d", s / 86_400),
    }
}
