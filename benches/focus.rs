//! Streaming a large FOCUS export: `cargo bench --bench focus [-- SIZE_MB [OUT.csv] | PATH]`.
//!
//! Writes a FOCUS 1.0 CSV of SIZE_MB (default 1024) into a temp folder (or reads PATH), then in
//! the same run: reads its bytes once (the floor: the disk and page cache), and streams it through
//! greenroom's FOCUS reader into the per-team/per-service aggregation. Prints rows per second, MB
//! per second, the reader's time against the floor's, and the process's peak resident memory
//! before and after reading (constant memory: the peak must not grow with the file).

use greenroom::insights::cost::{focus, Aggregate, Settings, Window};
use std::io::{BufWriter, Read, Write};
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A row as a real export has it: 20 of FOCUS 1.0's columns, five tags.
fn generate(path: &std::path::Path, bytes: u64, today: chrono::NaiveDate) -> u64 {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(out, "BilledCost,EffectiveCost,ListCost,ContractedCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,ChargeDescription,ChargePeriodStart,ChargePeriodEnd,ProviderName,PublisherName,RegionId,ResourceId,ServiceCategory,ServiceName,SkuId,Tags").unwrap();
    let services = [
        "Amazon Elastic Compute Cloud",
        "Amazon Relational Database Service",
        "Amazon Simple Storage Service",
        "AWS Lambda",
        "Amazon DynamoDB",
    ];
    let mut written = 0u64;
    let mut rows = 0u64;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    while written < bytes {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let team = state % 50;
        let service = state % 500;
        let day = today - chrono::Days::new(1 + state % 60);
        let next = day + chrono::Days::new(1);
        let cents = state % 100_000;
        let line = format!(
            "{}.{:06},{}.{:06},{}.{:06},{}.{:06},123456789012,USD,{day}T00:00:00Z,{next}T00:00:00Z,Usage,{} usage in us-east-1,{day}T00:00:00Z,{next}T00:00:00Z,AWS,Amazon Web Services,us-east-1,arn:aws:ec2:us-east-1:123456789012:instance/i-{:016x},Compute,{},SKU{:08},\"{{\"\"team\"\":\"\"team-{team}\"\",\"\"service\"\":\"\"svc-{service}\"\",\"\"env\"\":\"\"prod\"\",\"\"cost-center\"\":\"\"cc-{}\"\",\"\"owner\"\":\"\"someone@example.com\"\"}}\"\n",
            cents / 100, cents % 100 * 10_000,
            cents / 100, cents % 100 * 9_000,
            cents / 90, cents % 100,
            cents / 100, 0,
            services[(state % 5) as usize],
            state,
            services[(state % 5) as usize],
            state % 100_000_000,
            team % 7,
        );
        out.write_all(line.as_bytes()).unwrap();
        written += line.len() as u64;
        rows += 1;
    }
    out.flush().unwrap();
    rows
}

fn main() {
    // `SIZE_MB [OUT.csv]` generates (and keeps OUT.csv when named); `PATH` reads an export.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let today = chrono::Utc::now().date_naive();
    let dir = tempfile::tempdir().unwrap();
    let path = match args.first().map(|a| (a, a.parse::<u64>())) {
        Some((a, Err(_))) => std::path::PathBuf::from(a),
        other => {
            let mb = other.and_then(|(_, n)| n.ok()).unwrap_or(1024);
            let path = args
                .get(1)
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| dir.path().join("focus.csv"));
            let started = Instant::now();
            let rows = generate(&path, mb * 1024 * 1024, today);
            println!(
                "generated {rows} rows, {mb} MB in {:.1} s: {}",
                started.elapsed().as_secs_f64(),
                path.display()
            );
            path
        }
    };
    let size = std::fs::metadata(&path).unwrap().len() as f64 / (1024.0 * 1024.0);

    let started = Instant::now();
    let mut file = std::fs::File::open(&path).unwrap();
    let mut buffer = vec![0u8; 1 << 20];
    while file.read(&mut buffer).unwrap() > 0 {}
    let floor = started.elapsed().as_secs_f64();
    drop(buffer);

    let before = peak_rss_mb();
    let started = Instant::now();
    let mut aggregate = Aggregate::new(Window::new(today, 30), "bench");
    focus::read_path(&path, &Settings::default(), &mut aggregate, &mut |_| {}).unwrap();
    let took = started.elapsed().as_secs_f64();
    let after = peak_rss_mb();
    let rows = aggregate.rows + aggregate.skipped;
    println!(
        "read {size:.0} MB: {rows} rows in {took:.2} s = {:.2} M rows/s, {:.0} MB/s; {} (team, service) pairs, {} skipped",
        rows as f64 / took / 1e6,
        size / took,
        aggregate.cells.len(),
        aggregate.skipped
    );
    println!(
        "floor (reading the bytes only): {floor:.2} s; the reader takes {:.1}x the floor",
        took / floor
    );
    println!("peak RSS: {before:.1} MB before reading, {after:.1} MB after");
}
