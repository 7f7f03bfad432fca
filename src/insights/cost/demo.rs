//! The DEMO cost data: a FOCUS 1.0 CSV export made in memory from a small bundled seed table
//! (`demo_seed.csv`: team and service tags, the AWS service, a daily amount and its trend), dated
//! back from today so "the last 30 days" always has data. It is read by the same FOCUS reader as a
//! real export. Deterministic for a given day: the day-to-day wobble comes from a hash, not a
//! random number generator.

use chrono::{Datelike, NaiveDate};

const SEED: &str = include_str!("demo_seed.csv");

/// Days of history made: enough for two periods of up to 60 days.
pub const HISTORY_DAYS: u32 = 120;

/// One seed line.
struct Seed<'a> {
    team: &'a str,
    service: &'a str,
    aws_service: &'a str,
    per_day: f64,
    change_per_30_days: f64,
}

fn seeds() -> impl Iterator<Item = Seed<'static>> {
    SEED.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Seed {
                team: f[0],
                service: f[1],
                aws_service: f[2],
                per_day: f[3].parse().expect("the demo seed's amounts are numbers"),
                change_per_30_days: f[4].parse().expect("the demo seed's trends are numbers"),
            }
        })
}

/// The export for the [`HISTORY_DAYS`] days before `today`.
pub fn focus_csv(today: NaiveDate) -> Vec<u8> {
    let mut out = String::from(
        "BilledCost,EffectiveCost,ListCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,\
         ChargeCategory,ProviderName,ServiceName,Tags\n",
    );
    for age in (1..=HISTORY_DAYS).rev() {
        let day = today - chrono::Days::new(age as u64);
        let next = day + chrono::Days::new(1);
        let weekend = day.weekday().number_from_monday() >= 6;
        for seed in seeds() {
            let trend = (1.0 + seed.change_per_30_days / 100.0).powf(-(age as f64 - 1.0) / 30.0);
            let wobble =
                (hash(seed.service, seed.aws_service, day) % 1201) as f64 / 10_000.0 - 0.06;
            let weekly = if weekend { 0.9 } else { 1.0 };
            let billed = (seed.per_day * trend * weekly * (1.0 + wobble) * 100.0).round() / 100.0;
            let mut tags = Vec::new();
            if !seed.team.is_empty() {
                tags.push(format!("\"\"team\"\":\"\"{}\"\"", seed.team));
            }
            if !seed.service.is_empty() {
                tags.push(format!("\"\"service\"\":\"\"{}\"\"", seed.service));
            }
            tags.push("\"\"env\"\":\"\"prod\"\"".to_string());
            out.push_str(&format!(
                "{billed:.2},{effective:.2},{list:.2},USD,{day}T00:00:00Z,{next}T00:00:00Z,Usage,AWS,{},\"{{{}}}\"\n",
                seed.aws_service,
                tags.join(","),
                effective = billed * 0.97,
                list = billed * 1.18,
            ));
        }
    }
    out.into_bytes()
}

/// FNV-1a over the service and the day: the same wobble for the same row every time.
fn hash(service: &str, aws_service: &str, day: NaiveDate) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in service
        .bytes()
        .chain(aws_service.bytes())
        .chain(day.num_days_from_ce().to_le_bytes())
    {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_export_is_the_same_for_the_same_day_and_reads_cleanly() {
        let today: NaiveDate = "2026-03-11".parse().unwrap();
        let csv = focus_csv(today);
        assert_eq!(csv, focus_csv(today));
        let settings = crate::insights::cost::Settings::default();
        let window = crate::insights::cost::Window::new(today, 30);
        let mut aggregate = crate::insights::cost::Aggregate::new(window, "demo");
        super::super::focus::read_into(
            "demo",
            std::io::Cursor::new(csv),
            &settings,
            &mut aggregate,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(aggregate.skipped, 0, "{:?}", aggregate.problems);
        assert_eq!(aggregate.rows, HISTORY_DAYS as u64 * seeds().count() as u64);
        let report = aggregate.report(
            crate::insights::cost::By::Team,
            &crate::insights::cost::CatalogMap::default(),
            None,
        );
        assert!(report
            .rows
            .iter()
            .any(|r| r.name == crate::insights::cost::UNALLOCATED));
    }
}
