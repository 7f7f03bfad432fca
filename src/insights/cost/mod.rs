//! Cost per team and per service: one model for both sources (a FOCUS CSV export, [`focus`], and
//! AWS Cost Explorer, [`aws`]), pure and terminal-free.
//!
//! - **Rows** are (day, team tag value, service tag value, currency, amount). Each source feeds
//!   them one at a time into an [`Aggregate`], which keeps a daily series per (team, service,
//!   currency) for this period and the previous one; nothing else is kept, so a gigabyte export
//!   needs the memory of its distinct tag pairs only.
//! - **Periods:** this period is the `days` days before today (today excluded: its spend is still
//!   coming in), the previous period the `days` days before that ([`Window`]). A charge counts on
//!   the day its charge period starts, as Cost Explorer's DAILY granularity counts it.
//! - **Amounts** are kept in millionths of the currency unit ([`Micros`]), so sums are exact and
//!   the totals in the tests are the ones computed by hand.
//! - **Catalog mapping** ([`CatalogMap`]): a team tag value names a Group, a service tag value a
//!   Component, Resource or System: by entity name first, then by the
//!   `aws.amazon.com/cost-insights-tags` annotation (the convention of AWS's Cost Insights plugin
//!   for Backstage: `team=payments,service=pay-api`), so a team maps the values its resources
//!   really carry. Values naming nothing are listed as not in the catalog; cost without the tag is
//!   "(unallocated)", never dropped.

pub mod demo;

// The readers and what they share with the sums live with the other providers.
use crate::catalog::Catalog;
use crate::config::Config;
pub use crate::providers::cost::{
    aws, focus, parse_amount, CostError, Micros, RowSink, Settings, Window,
};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The name shown for cost that carries no tag of the kind asked about.
pub const UNALLOCATED: &str = "(unallocated)";

/// The annotation a catalog entity sets to claim other tag values (AWS Cost Insights' convention).
pub const TAGS_ANNOTATION: &str = "aws.amazon.com/cost-insights-tags";

/// Parses `"30d"`, `"30"`, `"4w"`: a period in days (1 to 366).
pub fn parse_period(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "d"),
    };
    let n: u32 = number
        .parse()
        .map_err(|_| format!("period {text:?} is not a number of days (e.g. 30d, 4w)"))?;
    let days = match unit {
        "d" => n,
        "w" => n.saturating_mul(7),
        _ => {
            return Err(format!(
                "period {text:?}: the unit is d (days) or w (weeks)"
            ))
        }
    };
    if !(1..=366).contains(&days) {
        return Err(format!("period {text:?} must be 1 to 366 days"));
    }
    Ok(days)
}

/// `1234567.891` → `"1,234,567.89"`.
pub fn format_amount(micros: Micros) -> String {
    let cents = (micros as i128 + if micros < 0 { -5_000 } else { 5_000 }) / 10_000;
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!(
        "{sign}{}.{:02}",
        crate::format::thousands((cents / 100) as u64),
        cents % 100
    )
}

/// A change with its sign: `+134.56`, `-2.00`.
pub fn format_change(micros: Micros) -> String {
    let text = format_amount(micros);
    if micros >= 0 {
        format!("+{text}")
    } else {
        text
    }
}

/// An amount as a JSON number in currency units, rounded to the cent.
pub fn units(micros: Micros) -> f64 {
    ((micros as f64) / 10_000.0).round() / 100.0
}

/// The daily series of one (team, service, currency).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub team: String,
    pub service: String,
    pub currency: String,
    /// One amount per day of [`Window::slots`], previous period first.
    pub daily: Vec<Micros>,
}

/// Everything the sources fed in, by tag values, plus what was left out and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    pub window: Window,
    pub cells: Vec<Cell>,
    /// "team\0service\0currency" → index in `cells`: one reusable key buffer per row, no
    /// allocation for a pair already seen.
    index: FxHashMap<Box<str>, usize>,
    key: String,
    /// Rows read, whatever their date.
    pub rows: u64,
    /// Rows dated outside both periods.
    pub outside: u64,
    /// Rows that could not be read (each described in `problems` until the limit).
    pub skipped: u64,
    pub problems: Vec<String>,
    /// Where the data came from ("FOCUS export.csv", "AWS Cost Explorer (UnblendedCost)").
    pub source: String,
    /// Warnings that are about the source, not a row (a file skipped, a missing Tags column).
    pub warnings: Vec<String>,
}

/// At most this many row problems are kept word for word; the rest are counted.
pub const PROBLEMS_KEPT: usize = 20;

impl Aggregate {
    pub fn new(window: Window, source: impl Into<String>) -> Aggregate {
        Aggregate {
            window,
            cells: Vec::new(),
            index: FxHashMap::default(),
            key: String::new(),
            rows: 0,
            outside: 0,
            skipped: 0,
            problems: Vec::new(),
            source: source.into(),
            warnings: Vec::new(),
        }
    }

    /// The table per team or per service (`within_team`: only the cost of that team's row, for
    /// the drill from a team to its services).
    pub fn report(&self, by: By, map: &CatalogMap, within_team: Option<&str>) -> Report {
        let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
        for cell in &self.cells {
            if let Some(team) = within_team {
                if map.team(&cell.team).name != team {
                    continue;
                }
            }
            let target = match by {
                By::Team => map.team(&cell.team),
                By::Service => map.service(&cell.service),
            };
            let raw = match by {
                By::Team => &cell.team,
                By::Service => &cell.service,
            };
            let row = rows
                .entry((target.name.clone(), cell.currency.clone()))
                .or_insert_with(|| Row {
                    name: target.name.clone(),
                    place: target.place,
                    entity: target.entity.clone(),
                    title: target.title.clone(),
                    owner: target.owner.clone(),
                    tag_values: Vec::new(),
                    currency: cell.currency.clone(),
                    this_period: 0,
                    previous_period: 0,
                    daily: vec![0; self.window.slots()],
                });
            if !raw.is_empty() && !row.tag_values.contains(raw) {
                row.tag_values.push(raw.clone());
            }
            for (sum, day) in row.daily.iter_mut().zip(&cell.daily) {
                *sum += day;
            }
        }
        let days = self.window.days as usize;
        let mut rows: Vec<Row> = rows
            .into_values()
            .map(|mut row| {
                row.previous_period = row.daily[..days].iter().sum();
                row.this_period = row.daily[days..].iter().sum();
                row.tag_values.sort();
                row
            })
            .collect();
        rows.sort_by(|a, b| {
            b.this_period
                .cmp(&a.this_period)
                .then(b.previous_period.cmp(&a.previous_period))
                .then(a.name.cmp(&b.name))
        });
        Report {
            window: self.window,
            by,
            team: within_team.map(str::to_owned),
            rows,
        }
    }
}

impl RowSink for Aggregate {
    fn add(&mut self, day: NaiveDate, team: &str, service: &str, currency: &str, amount: Micros) {
        self.rows += 1;
        let Some(slot) = self.window.slot(day) else {
            self.outside += 1;
            return;
        };
        let (team, service) = (team.trim(), service.trim());
        let currency = match currency.trim() {
            "" => "USD",
            c => c,
        };
        self.key.clear();
        self.key.push_str(team);
        self.key.push('\0');
        self.key.push_str(service);
        self.key.push('\0');
        self.key.push_str(currency);
        let index = match self.index.get(self.key.as_str()) {
            Some(&i) => i,
            None => {
                self.cells.push(Cell {
                    team: team.to_string(),
                    service: service.to_string(),
                    currency: currency.to_string(),
                    daily: vec![0; self.window.slots()],
                });
                self.index
                    .insert(self.key.as_str().into(), self.cells.len() - 1);
                self.cells.len() - 1
            }
        };
        self.cells[index].daily[slot] += amount;
    }

    fn skip(&mut self, problem: impl FnOnce() -> String) {
        self.skipped += 1;
        if self.problems.len() < PROBLEMS_KEPT {
            self.problems.push(problem());
        }
    }

    fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }

    fn taken(&self) -> u64 {
        self.rows + self.skipped
    }
}

/// Per team or per service.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    #[default]
    Team,
    Service,
}

impl By {
    pub fn label(self) -> &'static str {
        match self {
            By::Team => "team",
            By::Service => "service",
        }
    }
}

/// Where a row's name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A catalog entity (by name or by its annotation).
    Catalog,
    /// A tag value no catalog entity names.
    NotInCatalog,
    /// Cost without the tag.
    Unallocated,
}

/// One row of the table: a team or a service, in one currency.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The entity's name, the tag value, or [`UNALLOCATED`].
    pub name: String,
    pub place: Place,
    /// `group:default/payments-team`.
    pub entity: Option<String>,
    pub title: Option<String>,
    /// For a service: its owner in the catalog.
    pub owner: Option<String>,
    /// The tag values counted in this row (several when an annotation maps more than one).
    pub tag_values: Vec<String>,
    pub currency: String,
    pub this_period: Micros,
    pub previous_period: Micros,
    /// Both periods, day by day, previous first.
    pub daily: Vec<Micros>,
}

impl Row {
    pub fn delta(&self) -> Micros {
        self.this_period - self.previous_period
    }

    /// The change in percent of the previous period; `None` when there was nothing before.
    pub fn percent(&self) -> Option<f64> {
        (self.previous_period != 0)
            .then(|| self.delta() as f64 * 100.0 / self.previous_period.abs() as f64)
    }

    /// "+12.3%", "-4.0%", "new".
    pub fn percent_label(&self) -> String {
        match self.percent() {
            Some(p) => format!("{p:+.1}%"),
            None if self.this_period == 0 => "0.0%".into(),
            None => "new".into(),
        }
    }

    /// This period's days only.
    pub fn this_period_daily(&self) -> &[Micros] {
        &self.daily[self.daily.len() / 2..]
    }
}

/// A table of rows, biggest spend this period first.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub window: Window,
    pub by: By,
    /// The team drilled into, if any.
    pub team: Option<String>,
    pub rows: Vec<Row>,
}

impl Report {
    /// (currency, this period, previous period) per currency, largest first.
    pub fn totals(&self) -> Vec<(String, Micros, Micros)> {
        let mut totals: BTreeMap<&str, (Micros, Micros)> = BTreeMap::new();
        for row in &self.rows {
            let t = totals.entry(&row.currency).or_default();
            t.0 += row.this_period;
            t.1 += row.previous_period;
        }
        let mut out: Vec<_> = totals
            .into_iter()
            .map(|(c, (a, b))| (c.to_string(), a, b))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1));
        out
    }

    /// The currencies, comma-separated ("USD").
    pub fn currencies(&self) -> String {
        self.totals()
            .into_iter()
            .map(|(c, _, _)| c)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The rows as JSON: name under "team" or "service", both totals in currency units.
    pub fn to_json(&self) -> serde_json::Value {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|row| {
                let mut object = serde_json::Map::new();
                object.insert(self.by.label().into(), row.name.clone().into());
                object.insert("this_period".into(), units(row.this_period).into());
                object.insert("previous_period".into(), units(row.previous_period).into());
                object.insert("currency".into(), row.currency.clone().into());
                object.insert("delta".into(), units(row.delta()).into());
                object.insert(
                    "percent".into(),
                    row.percent()
                        .map(|p| ((p * 10.0).round() / 10.0).into())
                        .unwrap_or(serde_json::Value::Null),
                );
                object.insert(
                    "catalog".into(),
                    match row.place {
                        Place::Catalog => "found",
                        Place::NotInCatalog => "not in catalog",
                        Place::Unallocated => "unallocated",
                    }
                    .into(),
                );
                object.insert(
                    "entity".into(),
                    row.entity
                        .clone()
                        .map_or(serde_json::Value::Null, Into::into),
                );
                if self.by == By::Service {
                    object.insert(
                        "owner".into(),
                        row.owner
                            .clone()
                            .map_or(serde_json::Value::Null, Into::into),
                    );
                }
                object.insert("tag_values".into(), row.tag_values.clone().into());
                serde_json::Value::Object(object)
            })
            .collect();
        serde_json::Value::Array(rows)
    }
}

/// What a tag value maps to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub place: Place,
    pub entity: Option<String>,
    pub title: Option<String>,
    pub owner: Option<String>,
}

/// Tag values to catalog entities: by name, then by [`TAGS_ANNOTATION`]. Case-insensitive, as
/// Backstage compares names.
#[derive(Clone, Debug, Default)]
pub struct CatalogMap {
    teams: FxHashMap<String, Target>,
    services: FxHashMap<String, Target>,
}

impl CatalogMap {
    pub fn new(catalog: &Catalog, team_tag: &str, service_tag: &str) -> CatalogMap {
        let mut map = CatalogMap::default();
        let target = |e: &crate::catalog::Entity| Target {
            name: e.name().to_string(),
            place: Place::Catalog,
            entity: Some(e.key()),
            title: e.title().map(str::to_owned),
            owner: e.owner().map(str::to_owned),
        };
        let is_service = |e: &crate::catalog::Entity| {
            e.is_kind("Component") || e.is_kind("Resource") || e.is_kind("System")
        };
        // Names first, the default namespace before others, Components before other kinds.
        let mut order: Vec<&crate::catalog::Entity> =
            catalog.entities.iter().map(|e| &**e).collect();
        order.sort_by_key(|e| (e.namespace() != "default", !e.is_kind("Component")));
        for e in &order {
            let key = e.name().to_lowercase();
            if e.is_kind("Group") {
                map.teams.entry(key).or_insert_with(|| target(e));
            } else if is_service(e) {
                map.services.entry(key).or_insert_with(|| target(e));
            }
        }
        for e in &order {
            let Some(annotation) = e.annotation(TAGS_ANNOTATION) else {
                continue;
            };
            for (key, value) in annotation_pairs(annotation) {
                let value = value.to_lowercase();
                if key == team_tag && e.is_kind("Group") {
                    map.teams.entry(value).or_insert_with(|| target(e));
                } else if key == service_tag && is_service(e) {
                    map.services.entry(value).or_insert_with(|| target(e));
                }
            }
        }
        map
    }

    pub fn team(&self, value: &str) -> Target {
        lookup(&self.teams, value)
    }

    pub fn service(&self, value: &str) -> Target {
        lookup(&self.services, value)
    }
}

fn lookup(map: &FxHashMap<String, Target>, value: &str) -> Target {
    if value.is_empty() {
        return Target {
            name: UNALLOCATED.into(),
            place: Place::Unallocated,
            entity: None,
            title: None,
            owner: None,
        };
    }
    map.get(&value.to_lowercase())
        .cloned()
        .unwrap_or_else(|| Target {
            name: value.to_string(),
            place: Place::NotInCatalog,
            entity: None,
            title: None,
            owner: None,
        })
}

/// `team=payments, service=pay-api` → pairs (also `;`-separated; blanks ignored).
pub fn annotation_pairs(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split([',', ';']).filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        let (k, v) = (k.trim(), v.trim());
        (!k.is_empty() && !v.is_empty()).then_some((k, v))
    })
}

/// Where cost comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A FOCUS CSV export: a file or a folder of them.
    Focus(PathBuf),
    /// The bundled demo export, made for the window asked about.
    Demo,
    /// AWS Cost Explorer with the standard credential chain.
    Aws,
}

impl Source {
    /// `--focus`, else the demo export with `--demo`, else `[cost] source`/`focus`, else the demo
    /// export when the catalog is the bundled demo (`demo_catalog`), else Cost Explorer (which
    /// says what to set when the credential chain finds nothing).
    pub fn choose(
        focus: Option<PathBuf>,
        demo_flag: bool,
        demo_catalog: bool,
        config: &Config,
    ) -> Result<Source, String> {
        if let Some(path) = focus {
            return Ok(Source::Focus(path));
        }
        let configured = config.cost.source.is_some() || config.cost.focus.is_some();
        if demo_flag || (demo_catalog && !configured) {
            return Ok(Source::Demo);
        }
        match config.cost.source.as_deref() {
            Some("focus") => {
                config.cost.focus.clone().map(Source::Focus).ok_or_else(|| {
                    "[cost] source = \"focus\" needs [cost] focus = PATH".to_string()
                })
            }
            Some("aws") => Ok(Source::Aws),
            Some(other) => Err(format!(
                "[cost] source {other:?} is not \"aws\" or \"focus\""
            )),
            None => Ok(config.cost.focus.clone().map_or(Source::Aws, Source::Focus)),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Source::Focus(path) => format!("FOCUS {}", path.display()),
            Source::Demo => "DEMO FOCUS export (generated, not your data)".into(),
            Source::Aws => "AWS Cost Explorer".into(),
        }
    }
}

/// Reads cost from a source for a window (blocking: call it from a thread or `spawn_blocking`
/// for FOCUS; Cost Explorer runs on a tokio runtime of its own here). `progress` is told the
/// rows read so far, now and then.
pub fn load(
    source: &Source,
    settings: &Settings,
    window: Window,
    log: crate::providers::http::Log,
    progress: &mut dyn FnMut(u64),
) -> Result<Aggregate, CostError> {
    let label = match source {
        Source::Aws => aws::source_label(settings),
        _ => source.label(),
    };
    let mut aggregate = Aggregate::new(window, label);
    match source {
        Source::Focus(path) => focus::read_path(path, settings, &mut aggregate, progress)?,
        Source::Demo => focus::read_into(
            "demo-focus.csv",
            std::io::Cursor::new(demo::focus_csv(window.today)),
            settings,
            &mut aggregate,
            progress,
        )
        .map_err(CostError::Focus)?,
        Source::Aws => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| CostError::NotConfigured(format!("cannot start a runtime: {e}")))?;
            runtime.block_on(aws::fetch(settings, window, log, &mut aggregate))?
        }
    }
    Ok(aggregate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn amounts_are_exact_and_rounded_half_away_from_zero() {
        assert_eq!(parse_amount("12.345"), Some(12_345_000));
        assert_eq!(parse_amount("-0.0000015"), Some(-2));
        assert_eq!(parse_amount("0.0000004"), Some(0));
        assert_eq!(parse_amount(".5"), Some(500_000));
        assert_eq!(parse_amount("7"), Some(7_000_000));
        assert_eq!(parse_amount("1.5E-3"), Some(1_500));
        assert_eq!(parse_amount(""), None);
        assert_eq!(parse_amount("abc"), None);
        assert_eq!(parse_amount("1.2.3"), None);
        assert_eq!(format_amount(1_234_567_891_000), "1,234,567.89");
        assert_eq!(format_amount(-5_000), "-0.01");
        assert_eq!(format_amount(0), "0.00");
        assert_eq!(format_amount(999_995_000), "1,000.00");
    }

    #[test]
    fn periods_end_yesterday_and_the_previous_one_comes_before() {
        let w = Window::new(day("2026-03-11"), 10);
        assert_eq!(w.start(), day("2026-03-01"));
        assert_eq!(w.previous_start(), day("2026-02-19"));
        assert_eq!(w.last_day(), day("2026-03-10"));
        assert_eq!(w.slot(day("2026-02-18")), None);
        assert_eq!(w.slot(day("2026-02-19")), Some(0));
        assert_eq!(w.slot(day("2026-03-10")), Some(19));
        assert_eq!(w.slot(day("2026-03-11")), None, "today is not over");
        assert_eq!(parse_period("30d"), Ok(30));
        assert_eq!(parse_period("2w"), Ok(14));
        assert_eq!(parse_period("7"), Ok(7));
        assert!(parse_period("0d").is_err());
        assert!(parse_period("3m").is_err());
    }

    #[test]
    fn untagged_cost_is_unallocated_and_unknown_names_are_kept() {
        let w = Window::new(day("2026-03-11"), 10);
        let mut agg = Aggregate::new(w, "test");
        agg.add(day("2026-03-01"), "payments", "api", "USD", 10_000_000);
        agg.add(day("2026-02-20"), "payments", "api", "USD", 4_000_000);
        agg.add(day("2026-03-02"), "", "api", "USD", 1_000_000);
        agg.add(day("2026-03-02"), "ghost", "", "USD", 2_000_000);
        agg.add(day("2025-01-01"), "payments", "api", "USD", 99_000_000);
        let report = agg.report(By::Team, &CatalogMap::default(), None);
        let names: Vec<_> = report
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.place, r.this_period, r.previous_period))
            .collect();
        assert_eq!(
            names,
            vec![
                ("payments", Place::NotInCatalog, 10_000_000, 4_000_000),
                ("ghost", Place::NotInCatalog, 2_000_000, 0),
                (UNALLOCATED, Place::Unallocated, 1_000_000, 0),
            ]
        );
        assert_eq!(report.rows[0].percent_label(), "+150.0%");
        assert_eq!(report.rows[1].percent_label(), "new");
        assert_eq!(agg.outside, 1);
        let services = agg.report(By::Service, &CatalogMap::default(), Some("payments"));
        assert_eq!(services.rows.len(), 1);
        assert_eq!(services.rows[0].this_period, 10_000_000);
    }

    #[test]
    fn annotation_pairs_are_read_leniently() {
        let pairs: Vec<_> = annotation_pairs("team=payments, service = pay-api;x=;=y").collect();
        assert_eq!(pairs, vec![("team", "payments"), ("service", "pay-api")]);
    }
}
