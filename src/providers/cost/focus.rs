//! FOCUS 1.0 CSV exports (the FinOps Open Cost and Usage Specification): a file or a folder of
//! files (`.csv`, `.csv.gz`; gzip is recognised by its magic bytes, whatever the name), read
//! record by record into a [`RowSink`]. Nothing is collected: one record buffer is reused, so
//! a gigabyte export takes the memory of its distinct tag pairs and no more.
//!
//! Columns used: `ChargePeriodStart` (the day), the cost column (`BilledCost` by default,
//! `EffectiveCost` for amortized cost), `BillingCurrency`, and `Tags` (a JSON object of tag keys
//! to values; a provider prefix such as AWS's `user:` is accepted). A missing required column
//! fails that file with its name; a bad row is skipped with `FILE:LINE: column: problem` and
//! counted, and the rest of the file is kept.

use super::{parse_amount, CostError, RowSink, Settings};
use chrono::NaiveDate;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Rows between two progress reports.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Reads a file or every `.csv`/`.csv.gz` file under a folder (sorted, hidden files skipped).
/// Files that cannot be read at all become warnings, unless none could be read.
pub fn read_path(
    path: &Path,
    settings: &Settings,
    sink: &mut impl RowSink,
    progress: &mut dyn FnMut(u64),
) -> Result<(), CostError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CostError::Focus(format!("{}: cannot read: {e}", path.display())))?;
    let files = if meta.is_dir() {
        let mut files = Vec::new();
        let mut warnings = Vec::new();
        walk(path, &mut files, &mut warnings);
        warnings.into_iter().for_each(|w| sink.warn(w));
        files.sort();
        if files.is_empty() {
            return Err(CostError::Focus(format!(
                "{}: no FOCUS CSV files (.csv, .csv.gz) in this folder",
                path.display()
            )));
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut failures = Vec::new();
    for file in &files {
        let name = file.display().to_string();
        let opened = std::fs::File::open(file).map_err(|e| format!("{name}: cannot read: {e}"));
        let result = opened.and_then(|f| read_into(&name, f, settings, sink, progress));
        if let Err(message) = result {
            failures.push(message);
        }
    }
    if failures.len() == files.len() {
        return Err(CostError::Focus(failures.join("\n")));
    }
    failures.into_iter().for_each(|f| sink.warn(f));
    Ok(())
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, warnings: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        warnings.push(format!("{}: cannot list this folder", dir.display()));
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_lowercase();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, files, warnings);
        } else if name.ends_with(".csv") || name.ends_with(".csv.gz") {
            files.push(path);
        } else if name.ends_with(".parquet") {
            warnings.push(format!(
                "{}: Parquet is not read; export FOCUS as CSV (gzip is fine)",
                path.display()
            ));
        }
    }
}

/// Column positions of one file.
struct Columns {
    start: usize,
    cost: usize,
    currency: Option<usize>,
    tags: Option<usize>,
}

/// Reads one export (plain or gzip) into `sink`. `Err` when the file cannot be read as a
/// FOCUS CSV at all (no header, a required column missing, a broken gzip stream); row problems are
/// recorded in the sink instead.
pub fn read_into(
    name: &str,
    input: impl Read,
    settings: &Settings,
    sink: &mut impl RowSink,
    progress: &mut dyn FnMut(u64),
) -> Result<(), String> {
    let mut buffered = BufReader::with_capacity(256 * 1024, input);
    let gzip = buffered
        .fill_buf()
        .map_err(|e| format!("{name}: cannot read: {e}"))?
        .starts_with(&[0x1f, 0x8b]);
    let input: Box<dyn Read> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(input);
    let headers = reader
        .byte_headers()
        .map_err(|e| format!("{name}: cannot read the header: {}", csv_problem(&e)))?
        .clone();
    let find = |column: &str| {
        headers.iter().position(|h| {
            // A byte-order mark before the first column name.
            let h = h.strip_prefix(b"\xef\xbb\xbf").unwrap_or(h);
            h.eq_ignore_ascii_case(column.as_bytes())
        })
    };
    let require = |column: &str| {
        find(column).ok_or_else(|| {
            format!("{name}: line 1: no {column} column; is this a FOCUS 1.0 CSV export?")
        })
    };
    let columns = Columns {
        start: require("ChargePeriodStart")?,
        cost: require(&settings.focus_column)?,
        currency: find("BillingCurrency"),
        tags: find("Tags"),
    };
    if columns.tags.is_none() {
        sink.warn(format!(
            "{name}: no Tags column: all of its cost is unallocated"
        ));
    }
    let tag_keys = TagKeys::new(&settings.team_tag, &settings.service_tag);
    let mut record = csv::ByteRecord::new();
    let mut since_progress = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                match err.kind() {
                    // A row the CSV reader cannot split (bad UTF-8 is not checked on bytes):
                    // skipped; an I/O error (a cut gzip stream) ends the file.
                    csv::ErrorKind::Io(_) => {
                        return Err(format!(
                            "{name}: line {line}: cannot read on: {}",
                            csv_problem(&err)
                        ))
                    }
                    _ => {
                        sink.skip(|| format!("{name}:{line}: {}", csv_problem(&err)));
                        continue;
                    }
                }
            }
        }
        since_progress += 1;
        if since_progress == PROGRESS_EVERY {
            since_progress = 0;
            progress(sink.taken());
        }
        let line = record.position().map_or(0, |p| p.line());
        match row(&record, &columns, &tag_keys, &settings.focus_column) {
            Ok((day, team, service, currency, amount)) => {
                sink.add(day, &team, &service, currency, amount)
            }
            Err(problem) => sink.skip(|| format!("{name}:{line}: {problem}")),
        }
    }
    progress(sink.taken());
    Ok(())
}

fn csv_problem(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Io(e) => e.to_string(),
        other => format!("{other:?}"),
    }
}

type Parsed<'r> = (NaiveDate, Cow<'r, str>, Cow<'r, str>, &'r str, i64);

fn row<'r>(
    record: &'r csv::ByteRecord,
    columns: &Columns,
    tag_keys: &TagKeys,
    cost_column: &str,
) -> Result<Parsed<'r>, String> {
    let field = |i: usize| record.get(i).unwrap_or_default();
    let text = |i: usize, column: &str| {
        std::str::from_utf8(field(i)).map_err(|_| format!("{column}: not UTF-8"))
    };
    let start = text(columns.start, "ChargePeriodStart")?;
    let day = parse_day(start)
        .ok_or_else(|| format!("ChargePeriodStart {start:?} is not a date and time"))?;
    let cost = text(columns.cost, cost_column)?;
    let amount =
        parse_amount(cost).ok_or_else(|| format!("{cost_column} {cost:?} is not a number"))?;
    let currency = match columns.currency {
        Some(i) => text(i, "BillingCurrency")?,
        None => "",
    };
    let (team, service) = match columns.tags {
        Some(i) => {
            let tags = text(i, "Tags")?;
            tag_keys
                .pick(tags)
                .map_err(|e| format!("Tags is not a JSON object: {e}"))?
        }
        None => (Cow::Borrowed(""), Cow::Borrowed("")),
    };
    Ok((day, team, service, currency, amount))
}

/// The UTC day of a FOCUS date-time: `2026-03-01T00:00:00Z`, `2026-03-01 00:00:00`,
/// `2026-03-01`, or with an offset (converted to UTC).
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let b = text.as_bytes();
    let date_only = b.len() >= 10 && b[4] == b'-' && b[7] == b'-';
    if !date_only {
        return None;
    }
    let rest = &text[10..];
    let utc = rest.is_empty()
        || rest.ends_with('Z')
        || rest.ends_with("+00:00")
        || rest.ends_with("UTC")
        || !rest.contains(['+', '-']);
    if utc {
        let number = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32)
            })
        };
        return NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?);
    }
    chrono::DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1))
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc).date_naive())
}

/// The tag keys looked for in `Tags`: exactly, else with a provider prefix (`user:team`), else
/// ignoring case.
struct TagKeys {
    team: String,
    service: String,
}

impl TagKeys {
    fn new(team: &str, service: &str) -> TagKeys {
        TagKeys {
            team: team.to_string(),
            service: service.to_string(),
        }
    }

    /// How well `key` names `wanted`: 3 exact, 2 prefixed (`user:team`), 1 in another case, 0 not.
    fn score(key: &str, wanted: &str) -> u8 {
        let unprefixed = key.rsplit_once(':').map_or(key, |(_, k)| k);
        if key == wanted {
            3
        } else if unprefixed == wanted {
            2
        } else if unprefixed.eq_ignore_ascii_case(wanted) {
            1
        } else {
            0
        }
    }

    /// (team, service) of a Tags object; empty for a missing tag. Reads the JSON once, keeping
    /// only the two values (borrowed when they hold no escapes).
    fn pick<'a>(&self, tags: &'a str) -> Result<(Cow<'a, str>, Cow<'a, str>), String> {
        let tags = tags.trim();
        if tags.is_empty() || tags == "{}" {
            return Ok((Cow::Borrowed(""), Cow::Borrowed("")));
        }
        let mut de = serde_json::Deserializer::from_str(tags);
        let found = serde::Deserializer::deserialize_map(&mut de, Picker { keys: self })
            .map_err(|e| e.to_string())?;
        de.end().map_err(|e| e.to_string())?;
        Ok(found)
    }
}

struct Picker<'k> {
    keys: &'k TagKeys,
}

impl<'de> Visitor<'de> for Picker<'_> {
    type Value = (Cow<'de, str>, Cow<'de, str>);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of tag keys to values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut team, mut service) = ((0u8, Cow::Borrowed("")), (0u8, Cow::Borrowed("")));
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let t = TagKeys::score(&key, &self.keys.team);
            let s = TagKeys::score(&key, &self.keys.service);
            if t > team.0 || s > service.0 {
                let value = map.next_value_seed(TagValue)?;
                if t > team.0 {
                    team = (t, value.clone());
                }
                if s > service.0 {
                    service = (s, value);
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok((team.1, service.1))
    }
}

/// A tag value: a string (borrowed when it can be), or a number or boolean as text; null is no
/// value.
struct TagValue;

impl<'de> DeserializeSeed<'de> for TagValue {
    type Value = Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TagValue {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a tag value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(""))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc() {
        let d = |s: &str| parse_day(s).map(|d| d.to_string());
        assert_eq!(d("2026-03-01T00:00:00Z").as_deref(), Some("2026-03-01"));
        assert_eq!(d("2026-03-01 23:00:00").as_deref(), Some("2026-03-01"));
        assert_eq!(d("2026-03-01").as_deref(), Some("2026-03-01"));
        assert_eq!(
            d("2026-03-01T23:30:00-02:00").as_deref(),
            Some("2026-03-02")
        );
        assert_eq!(d("2026-13-01T00:00:00Z"), None);
        assert_eq!(d("March 1"), None);
    }

    #[test]
    fn tags_pick_the_two_keys_exactly_then_prefixed_then_any_case() {
        let keys = TagKeys::new("team", "service");
        let pick = |s: &str| keys.pick(s).map(|(a, b)| (a.into_owned(), b.into_owned()));
        assert_eq!(
            pick(r#"{"env":"prod","team":"payments","service":"api"}"#),
            Ok(("payments".into(), "api".into()))
        );
        assert_eq!(
            pick(r#"{"user:Team":"x","user:team":"orders","Service":"web"}"#),
            Ok(("orders".into(), "web".into()))
        );
        assert_eq!(
            pick(r#"{"team":"a\"b","n":{"deep":[1]},"service":7}"#),
            Ok(("a\"b".into(), "7".into()))
        );
        assert_eq!(pick(""), Ok((String::new(), String::new())));
        assert_eq!(pick(r#"{"team":null}"#), Ok((String::new(), String::new())));
        assert!(pick("{team: x}").is_err());
        assert!(pick(r#"{"team":"x"} trailing"#).is_err());
    }
}
