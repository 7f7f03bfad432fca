//! What the cost readers and the insights that sum their rows share: the [`Window`] asked about,
//! amounts in [`Micros`], the [`Settings`] (tag keys, metric, column), [`CostError`], and the
//! [`RowSink`] a reader hands its rows to.

use crate::config::Config;
use crate::providers::ProviderError;
use chrono::NaiveDate;
use std::path::PathBuf;

/// Millionths of a currency unit.
pub type Micros = i64;

/// This period and the previous one, each `days` long, ending yesterday.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub today: NaiveDate,
    pub days: u32,
}

impl Window {
    pub fn new(today: NaiveDate, days: u32) -> Window {
        Window {
            today,
            days: days.max(1),
        }
    }

    /// Today in UTC (cost data is dated in UTC).
    pub fn ending_today(days: u32) -> Window {
        Window::new(chrono::Utc::now().date_naive(), days)
    }

    /// The first day of this period.
    pub fn start(&self) -> NaiveDate {
        self.today - chrono::Days::new(self.days as u64)
    }

    /// The first day of the previous period.
    pub fn previous_start(&self) -> NaiveDate {
        self.today - chrono::Days::new(2 * self.days as u64)
    }

    /// The last day of this period (yesterday).
    pub fn last_day(&self) -> NaiveDate {
        self.today - chrono::Days::new(1)
    }

    /// Days in both periods: the length of every daily series.
    pub fn slots(&self) -> usize {
        2 * self.days as usize
    }

    /// The index of a day in the series (previous period first), or `None` outside both periods.
    pub fn slot(&self, day: NaiveDate) -> Option<usize> {
        let offset = (day - self.previous_start()).num_days();
        (0..self.slots() as i64)
            .contains(&offset)
            .then_some(offset as usize)
    }

    /// The day of a series index.
    pub fn day(&self, slot: usize) -> NaiveDate {
        self.previous_start() + chrono::Days::new(slot as u64)
    }

    /// "2026-10-26 – 2026-11-24".
    pub fn label(&self) -> String {
        format!("{} – {}", self.start(), self.last_day())
    }
}

/// A decimal amount (`"12.345"`, `"-0.000001"`, `"1.5E-7"`) in millionths, rounded half away from
/// zero; `None` when it is not a number.
pub fn parse_amount(text: &str) -> Option<Micros> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !plain(whole) || !plain(fraction) {
        // Exponent forms are rare in exports: the float path is exact enough for them.
        let value: f64 = text.parse().ok().filter(|v: &f64| v.is_finite())?;
        return Some((value * 1e6).round() as Micros);
    }
    let mut micros: i128 = 0;
    for b in whole.bytes() {
        micros = micros * 10 + (b - b'0') as i128;
        if micros > i64::MAX as i128 {
            return None;
        }
    }
    let fraction = fraction.as_bytes();
    for i in 0..6 {
        micros = micros * 10 + fraction.get(i).map_or(0, |b| (b - b'0') as i128);
    }
    if fraction.get(6).is_some_and(|&b| b >= b'5') {
        micros += 1;
    }
    let micros = i64::try_from(micros).ok()?;
    Some(if negative { -micros } else { micros })
}

/// How to read cost: `[cost]` of the config with the environment applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub team_tag: String,
    pub service_tag: String,
    /// Cost Explorer's metric: UnblendedCost, AmortizedCost, NetUnblendedCost, ...
    pub metric: String,
    /// The FOCUS column summed: BilledCost, EffectiveCost, ListCost, ContractedCost.
    pub focus_column: String,
    pub period_days: u32,
    pub region: String,
    pub cache_dir: Option<PathBuf>,
}

impl Settings {
    pub fn from_config(config: &Config) -> Settings {
        let cost = &config.cost;
        Settings {
            team_tag: cost.team_tag.clone().unwrap_or_else(|| "team".into()),
            service_tag: cost.service_tag.clone().unwrap_or_else(|| "service".into()),
            metric: cost
                .metric
                .clone()
                .unwrap_or_else(|| "UnblendedCost".into()),
            focus_column: cost
                .focus_column
                .clone()
                .unwrap_or_else(|| "BilledCost".into()),
            period_days: cost.period_days.unwrap_or(30),
            region: cost.region.clone().unwrap_or_else(|| "us-east-1".into()),
            cache_dir: Some(config.cache_dir()),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::from_config(&Config::default())
    }
}

/// Why cost could not be had.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    /// Nothing to read from: says what to set.
    #[error("cost is not configured: {0}")]
    NotConfigured(String),
    /// The credentials were found but refused (expired, unknown, not allowed).
    #[error("{0}")]
    Credentials(String),
    /// An export that cannot be read at all.
    #[error("{0}")]
    Focus(String),
    #[error("{0}")]
    Provider(#[from] ProviderError),
}

/// Where a reader puts what it reads (the insights' aggregate), one row at a time: nothing is
/// collected on the way.
pub trait RowSink {
    /// One row. An empty team or service is untagged.
    fn add(&mut self, day: NaiveDate, team: &str, service: &str, currency: &str, amount: Micros);
    /// A row that could not be read, described only when the description is kept.
    fn skip(&mut self, problem: impl FnOnce() -> String);
    /// A warning about the source, not a row (a file skipped, a missing Tags column).
    fn warn(&mut self, warning: String);
    /// Rows taken so far, read or skipped: for progress reports.
    fn taken(&self) -> u64;
}
