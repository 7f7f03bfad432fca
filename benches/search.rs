//! Search-as-you-type at catalog scale: 100k generated documents, queries
//! typed one keystroke at a time. Prints per-keystroke latency (median, p95,
//! max) for greenroom's search with and without narrowing, for the raw
//! matchers (nucleo-matcher, fuzzy-matcher's skim) on the same keys, and for
//! `fzf --filter` when fzf is installed. Budget: 16 ms per keystroke.
//!
//! Then, on a catalog from `examples/gen_catalog.rs` (every API with an inline OpenAPI
//! definition of 2 to 6 operations), the filter as the TUI runs it: entities alone, and
//! entities with the endpoints of every API, keystroke by keystroke in the same rounds, and the
//! ratio between them.
//!
//! Run: `cargo bench --bench search` (`-- --docs N` to change the size,
//! `-- --quick` for greenroom's own numbers only, `-- --catalog DIR` for the generated catalog,
//! default `/tmp/cat100k` from `cargo run --release --example gen_catalog -- 100000 /tmp/cat100k`).

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use greenroom::search::operations::{self, CatalogSearcher, Endpoints};
use greenroom::search::{entities, Field, SearchDoc, SearchIndex, Searcher};
use greenroom::tui::panes::catalog::MATCH_LIMIT;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Matcher, Utf32String};
use rayon::prelude::*;

const LIMIT: usize = 50;
const BUDGET_MS: f64 = 16.0;
/// Each keystroke is timed this many times; the best time counts.
const ROUNDS: usize = 5;

/// Ten-character queries, typed a character at a time.
const QUERIES: &[(&str, &str)] = &[
    ("name", "ledger-042"),
    ("abbreviation", "ordrs-chkt"),
    ("typo", "paymnets42"),
    ("owner term", "owner:risk"),
    ("two words", "kafka prod"),
    ("no match", "loyalty-zq"),
];

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let docs_n = std::env::args()
        .skip_while(|a| a != "--docs")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    println!(
        "greenroom search bench: {docs_n} docs, {} cores, limit {LIMIT}",
        rayon::current_num_threads()
    );

    // Index built straight from a generator, so the RSS delta is the index's.
    let rss_before = rss_bytes();
    let started = Instant::now();
    let index = Arc::new(SearchIndex::new((0..docs_n).map(|i| generate(i).0)));
    let build = started.elapsed();
    let rss_after = rss_bytes();
    println!(
        "index: built in {:.0} ms, heap {:.1} MB, RSS +{:.1} MB",
        ms(build),
        index.heap_bytes() as f64 / 1e6,
        rss_after.saturating_sub(rss_before) as f64 / 1e6
    );
    let keys: Vec<String> = (0..docs_n).map(|i| generate(i).1).collect();
    let key_bytes: usize = keys.iter().map(|k| k.len() + 1).sum();
    println!(
        "raw keys (ref, title, owner, tags, system on one line): {:.1} MB, e.g. {:?}\n",
        key_bytes as f64 / 1e6,
        keys[42]
    );

    println!("matches per keystroke (greenroom search):");
    for &(label, query) in QUERIES {
        let counts: Vec<String> = prefixes(query)
            .map(|p| index.search(p, 0).total.to_string())
            .collect();
        println!("  {label:<13} {query:<11} {}", counts.join(" "));
    }
    println!();

    let mut rows: Vec<(String, Vec<Took>)> = Vec::new();

    rows.push(("greenroom, fresh scan".into(), time_fresh(&index)));
    let narrowing = time_narrowing(&index);
    println!("greenroom with narrowing, ms per keystroke:");
    for (i, &(label, query)) in QUERIES.iter().enumerate() {
        let times: Vec<String> = narrowing[i * 10..(i + 1) * 10]
            .iter()
            .map(|t| format!("{:5.1}", ms(t.wall)))
            .collect();
        println!("  {label:<13} {query:<11} {}", times.join(" "));
    }
    println!();
    rows.push(("greenroom, narrowing (Searcher)".into(), narrowing));

    let catalog_dir = std::env::args()
        .skip_while(|a| a != "--catalog")
        .nth(1)
        .unwrap_or_else(|| "/tmp/cat100k".into());
    endpoints_bench(&catalog_dir);

    if quick {
        print_rows(&rows);
        return;
    }
    let nucleo_keys: Vec<Utf32String> = keys.iter().map(|k| k.as_str().into()).collect();
    let nucleo = |q: &str, candidates: Option<&[u32]>| {
        let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
        raw_scan(nucleo_keys.len(), candidates, Matcher::default, |m, i| {
            pattern.score(nucleo_keys[i].slice(..), m).map(i64::from)
        })
    };
    rows.push((
        "nucleo-matcher raw, fresh".into(),
        time_raw(ROUNDS, &nucleo, false),
    ));
    rows.push((
        "nucleo-matcher raw, narrowing".into(),
        time_raw(ROUNDS, &nucleo, true),
    ));

    let skim = SkimMatcherV2::default().ignore_case();
    let skim_scan = |q: &str, candidates: Option<&[u32]>| {
        let terms: Vec<&str> = q.split_whitespace().collect();
        raw_scan(
            keys.len(),
            candidates,
            || (),
            |_, i| {
                terms
                    .iter()
                    .try_fold(0i64, |acc, t| Some(acc + skim.fuzzy_match(&keys[i], t)?))
            },
        )
    };
    rows.push((
        "fuzzy-matcher skim raw, fresh".into(),
        time_raw(2, &skim_scan, false),
    ));
    rows.push((
        "fuzzy-matcher skim raw, narrowing".into(),
        time_raw(2, &skim_scan, true),
    ));

    match fzf_rows(&keys) {
        Ok(row) => rows.push(row),
        Err(why) => println!("fzf: skipped ({why})\n"),
    }

    print_rows(&rows);
}

fn print_rows(rows: &[(String, Vec<Took>)]) {
    println!(
        "ms per keystroke, {} queries x 10 keystrokes; all but fzf on {} threads (rayon).",
        QUERIES.len(),
        rayon::current_num_threads()
    );
    println!("wall = elapsed (best of rounds); cpu = CPU time of all threads (less sensitive to a busy machine).");
    println!(
        "  {:<36} {:>8} {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8}",
        "", "median", "p95", "max", "mean", "cpu med", "cpu p95", "cpu max"
    );
    for (label, took) in rows {
        let wall = stats(&took.iter().map(|t| t.wall).collect::<Vec<_>>());
        let cpu = stats(&took.iter().map(|t| t.cpu).collect::<Vec<_>>());
        let flag = if wall.2 <= BUDGET_MS {
            ""
        } else {
            "  (max > 16 ms)"
        };
        let cpu = if cpu.2 > 0.0 {
            format!("{:>8.2} {:>8.2} {:>8.2}", cpu.0, cpu.1, cpu.2)
        } else {
            format!("{:>8} {:>8} {:>8}", "-", "-", "-")
        };
        println!(
            "  {label:<36} {:>8.2} {:>8.2} {:>8.2} {:>8.2} | {cpu}{flag}",
            wall.0, wall.1, wall.2, wall.3
        );
    }
}

/// Wall-clock and CPU time of one call.
#[derive(Clone, Copy, Debug)]
struct Took {
    wall: Duration,
    /// CPU time of all this process's threads; zero when unknown.
    cpu: Duration,
}

fn timed<R>(f: impl FnOnce() -> R) -> (R, Took) {
    let cpu = process_cpu();
    let started = Instant::now();
    let result = std::hint::black_box(f());
    let wall = started.elapsed();
    let cpu = process_cpu().saturating_sub(cpu);
    (result, Took { wall, cpu })
}

/// CPU time used so far by all threads of this process (Linux; zero elsewhere).
fn process_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let nanos: u64 = tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

/// Document `i` and its raw key line. Deterministic: same `i`, same output.
fn generate(i: usize) -> (SearchDoc, String) {
    const DOMAINS: &[&str] = &[
        "payments",
        "ledger",
        "orders",
        "checkout",
        "inventory",
        "shipping",
        "billing",
        "identity",
        "search",
        "catalog",
        "pricing",
        "fraud",
        "notifications",
        "analytics",
        "recommendations",
        "auth",
        "gateway",
        "reporting",
        "loyalty",
        "returns",
        "customer",
        "merchant",
        "settlement",
        "risk",
        "tax",
        "warehouse",
        "media",
        "content",
        "messaging",
        "onboarding",
        "kyc",
        "subscriptions",
        "invoicing",
        "refunds",
        "disputes",
        "payouts",
        "accounts",
        "profiles",
        "sessions",
        "feature-flags",
    ];
    const ROLES: &[&str] = &[
        "service",
        "api",
        "worker",
        "frontend",
        "db",
        "cache",
        "gateway",
        "adapter",
        "processor",
        "scheduler",
        "sync",
        "exporter",
        "importer",
        "proxy",
        "ui",
        "consumer",
    ];
    const WORDS: &[&str] = &[
        "handles",
        "the",
        "settlement",
        "of",
        "card",
        "payments",
        "for",
        "merchants",
        "and",
        "stores",
        "ledger",
        "entries",
        "in",
        "postgres",
        "exposes",
        "a",
        "grpc",
        "api",
        "to",
        "downstream",
        "consumers",
        "publishes",
        "events",
        "on",
        "kafka",
        "topics",
        "legacy",
        "batch",
        "jobs",
        "nightly",
        "reconciliation",
        "with",
        "bank",
        "statements",
        "computes",
        "tax",
        "rates",
        "per",
        "region",
        "caches",
        "product",
        "prices",
        "serves",
        "search",
        "results",
        "from",
        "elasticsearch",
        "owns",
        "customer",
        "profiles",
        "sends",
        "email",
        "push",
        "notifications",
        "tracks",
        "shipments",
        "across",
        "carriers",
        "scores",
        "transactions",
        "fraud",
        "risk",
        "manages",
        "subscriptions",
        "renewals",
        "invoices",
        "refunds",
        "disputes",
        "chargebacks",
        "warehouse",
        "stock",
        "levels",
        "replicates",
        "data",
        "into",
        "the",
        "lake",
        "internal",
        "tooling",
        "dashboard",
        "reporting",
    ];
    const TAGS: &[&str] = &[
        "java",
        "go",
        "rust",
        "python",
        "typescript",
        "kotlin",
        "kafka",
        "postgres",
        "redis",
        "grpc",
        "graphql",
        "rest",
        "pci",
        "gdpr",
        "tier-1",
        "tier-2",
        "tier-3",
        "k8s",
        "lambda",
        "spark",
        "airflow",
        "react",
        "nextjs",
        "spring",
        "elasticsearch",
        "s3",
        "dynamodb",
        "terraform",
        "observability",
        "batch",
        "streaming",
        "ml",
        "public",
        "internal",
    ];
    const KINDS: &[(&str, u64)] = &[
        ("Component", 70),
        ("API", 15),
        ("Resource", 10),
        ("System", 3),
        ("Domain", 2),
    ];
    const LIFECYCLES: &[(&str, u64)] =
        &[("production", 60), ("experimental", 25), ("deprecated", 15)];
    const TYPES: &[&str] = &[
        "service", "website", "library", "openapi", "grpc", "database", "queue", "bucket",
    ];

    let mut rng = Rng::new(i as u64);
    let d1 = *rng.pick(DOMAINS);
    let d2 = *rng.pick(DOMAINS);
    let role = *rng.pick(ROLES);
    let name = if rng.below(3) == 0 {
        format!("{d1}-{role}-{:03}", i % 1000)
    } else {
        format!("{d1}-{d2}-{role}-{:03}", i % 1000)
    };
    let kind = rng.weighted(KINDS);
    let reference = format!("{}:default/{name}", kind.to_ascii_lowercase());
    let title = name
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join(" ");
    let description = (0..10)
        .map(|_| *rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ");
    let tags: Vec<&str> = (0..1 + rng.below(4)).map(|_| *rng.pick(TAGS)).collect();
    let owner = format!("team-{}", rng.pick(DOMAINS));
    let system = format!("{d1}-platform");
    let lifecycle = rng.weighted(LIFECYCLES);
    let kind_type = *rng.pick(TYPES);

    let mut doc = SearchDoc::new()
        .with(Field::Ref, reference.as_str())
        .with(Field::Name, name.as_str())
        .with(Field::Title, title.as_str())
        .with(Field::Description, description)
        .with(Field::Kind, kind)
        .with(Field::Type, kind_type)
        .with(Field::Lifecycle, lifecycle)
        .with(Field::Owner, owner.as_str())
        .with(Field::System, system.as_str());
    for tag in &tags {
        doc.push(Field::Tag, *tag);
    }
    let key = format!("{reference} {title} {owner} {} {system}", tags.join(" "));
    (doc, key)
}

/// splitmix64: tiny, deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x1234_5678)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn weighted(&mut self, items: &[(&'static str, u64)]) -> &'static str {
        let total: u64 = items.iter().map(|i| i.1).sum();
        let mut roll = self.below(total);
        for &(item, weight) in items {
            if roll < weight {
                return item;
            }
            roll -= weight;
        }
        items[0].0
    }
}

/// "a", "ab", "abc", … of `query`.
fn prefixes(query: &str) -> impl Iterator<Item = &str> {
    query
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .map(move |end| &query[..end])
}

/// Runs `round` `rounds` times; each returns one time per keystroke. Keeps
/// each keystroke's best wall and CPU times: the machine is shared, and the
/// best of a few runs is the least disturbed estimate.
fn best_of(rounds: usize, mut round: impl FnMut() -> Vec<Took>) -> Vec<Took> {
    let mut best = round();
    for _ in 1..rounds {
        for (b, t) in best.iter_mut().zip(round()) {
            b.wall = b.wall.min(t.wall);
            b.cpu = b.cpu.min(t.cpu);
        }
    }
    best
}

/// Times `SearchIndex::search` on every keystroke prefix of every query.
fn time_fresh(index: &SearchIndex) -> Vec<Took> {
    best_of(ROUNDS, || {
        let mut times = Vec::new();
        for &(_, query) in QUERIES {
            for prefix in prefixes(query) {
                times.push(timed(|| index.search(prefix, LIMIT)).1);
            }
        }
        times
    })
}

/// Times a `Searcher` (one per query, like a fresh filter box) on every
/// keystroke, and checks each result against a fresh search.
fn time_narrowing(index: &Arc<SearchIndex>) -> Vec<Took> {
    best_of(ROUNDS, || {
        let mut times = Vec::new();
        for &(_, query) in QUERIES {
            let mut searcher = Searcher::new(index.clone());
            for prefix in prefixes(query) {
                let (narrowed, took) = timed(|| searcher.search(prefix, LIMIT));
                times.push(took);
                assert_eq!(
                    narrowed,
                    index.search(prefix, LIMIT),
                    "narrowing changed {prefix:?}"
                );
            }
        }
        times
    })
}

/// A raw matcher over the keys: (query, candidates or all) → all matches.
type RawScan<'a> = dyn Fn(&str, Option<&[u32]>) -> Vec<u32> + 'a;

/// Times a raw matcher typed keystroke by keystroke, narrowing to the
/// previous keystroke's matches if asked.
fn time_raw(rounds: usize, scan: &RawScan, narrow: bool) -> Vec<Took> {
    best_of(rounds, || {
        let mut times = Vec::new();
        for &(_, query) in QUERIES {
            let mut previous: Option<Vec<u32>> = None;
            for prefix in prefixes(query) {
                let (matched, took) =
                    timed(|| scan(prefix, previous.as_deref().filter(|_| narrow)));
                times.push(took);
                previous = Some(matched);
            }
        }
        times
    })
}

/// Scores candidates on all cores, keeps the best `LIMIT` (sorted, like a
/// UI would) and returns all matches for narrowing.
fn raw_scan<S: Send>(
    n: usize,
    candidates: Option<&[u32]>,
    init: impl Fn() -> S + Sync + Send,
    score: impl Fn(&mut S, usize) -> Option<i64> + Sync + Send,
) -> Vec<u32> {
    let all: Vec<u32>;
    let candidates = match candidates {
        Some(c) => c,
        None => {
            all = (0..n as u32).collect();
            &all
        }
    };
    let chunk = candidates
        .len()
        .div_ceil(rayon::current_num_threads() * 4)
        .max(1);
    let mut matched: Vec<(i64, u32)> = candidates
        .par_chunks(chunk)
        .map_init(&init, |state, chunk| {
            chunk
                .iter()
                .filter_map(|&i| Some((score(state, i as usize)?, i)))
                .collect::<Vec<_>>()
        })
        .flatten()
        .collect();
    let ids: Vec<u32> = matched.iter().map(|m| m.1).collect();
    if matched.len() > LIMIT {
        matched.select_nth_unstable_by(LIMIT - 1, |a, b| b.cmp(a));
        matched.truncate(LIMIT);
    }
    matched.sort_unstable_by(|a, b| b.cmp(a));
    std::hint::black_box(matched);
    ids
}

/// `fzf --filter PREFIX` over the same keys, one process per keystroke.
fn fzf_rows(keys: &[String]) -> Result<(String, Vec<Took>), String> {
    let version = Command::new("fzf")
        .arg("--version")
        .output()
        .map_err(|e| format!("fzf not runnable: {e}"))?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let path =
        std::env::temp_dir().join(format!("greenroom-search-bench-{}.txt", std::process::id()));
    let mut file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
    for key in keys {
        writeln!(file, "{key}").map_err(|e| e.to_string())?;
    }
    drop(file);
    let run = |prefix: &str| -> Result<Duration, String> {
        let input = std::fs::File::open(&path).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let status = Command::new("fzf")
            .args(["--filter", prefix])
            .stdin(input)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        // fzf exits 1 when nothing matches.
        match status.code() {
            Some(0 | 1) => Ok(elapsed),
            _ => Err(format!("fzf failed: {status}")),
        }
    };
    let mut times = Vec::new();
    for &(_, query) in QUERIES {
        for prefix in prefixes(query) {
            let wall = run(prefix)?.min(run(prefix)?);
            times.push(Took {
                wall,
                cpu: Duration::ZERO,
            });
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok((format!("fzf --filter {version}"), times))
}

/// (median, p95, max, mean) in milliseconds.
fn stats(times: &[Duration]) -> (f64, f64, f64, f64) {
    let mut sorted: Vec<f64> = times.iter().map(|&t| ms(t)).collect();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
    (at(0.5), at(0.95), at(1.0), mean)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Resident set size of this process (Linux; 0 elsewhere).
fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Typed on the generated catalog: endpoint queries, an operationId, a version prefix, an
/// entity's name, an owner filter, and nothing.
const CATALOG_QUERIES: &[(&str, &str)] = &[
    ("method + path", "POST /v1/refunds"),
    ("operationId", "createRefunds"),
    ("path", "/v2/shipments"),
    ("entity name", "payments-ledger"),
    ("owner term", "owner:team"),
    ("no match", "zzqx-loyal"),
];

/// The filter as the TUI runs it on a generated catalog (its limit, `MATCH_LIMIT`), before
/// (entities alone) and after (entities and endpoints), each keystroke timed both ways in the
/// same round.
fn endpoints_bench(dir: &str) {
    if !std::path::Path::new(dir)
        .join("catalog-info.yaml")
        .is_file()
    {
        println!(
            "endpoints: skipped, no generated catalog at {dir} \
             (cargo run --release --example gen_catalog -- 100000 {dir})\n"
        );
        return;
    }
    let started = Instant::now();
    let catalog = greenroom::catalog::load::load_paths(&[dir.into()]).catalog;
    println!(
        "endpoints: {} entities from {dir}, loaded in {:.0} ms",
        catalog.len(),
        ms(started.elapsed())
    );
    let (index, took) = timed(|| Arc::new(entities::index(&catalog)));
    println!("  entity index: {:.0} ms", ms(took.wall));
    let (endpoints, took) = timed(|| Endpoints::build(&catalog));
    println!(
        "  endpoints: {} of {} APIs, read and indexed in {:.0} ms wall, {:.0} ms CPU; list heap {:.1} MB, index heap {:.1} MB",
        endpoints.len(),
        catalog
            .entities
            .iter()
            .filter(|e| e.is_kind("api"))
            .count(),
        ms(took.wall),
        ms(took.cpu),
        endpoints.heap_bytes() as f64 / 1e6,
        endpoints.index().heap_bytes() as f64 / 1e6
    );
    println!("  matches per keystroke, entities + endpoints:");
    for &(label, query) in CATALOG_QUERIES {
        let counts: Vec<String> = prefixes(query)
            .map(|p| {
                let e = index.search(p, 0).total;
                let o = endpoints.index().search(p, 0).total;
                format!("{e}+{o}")
            })
            .collect();
        println!("    {label:<14} {query:<17} {}", counts.join(" "));
    }
    let mut before: Vec<Took> = Vec::new();
    let mut after: Vec<Took> = Vec::new();
    for round in 0..ROUNDS {
        let mut i = 0;
        for &(_, query) in CATALOG_QUERIES {
            let mut alone = Searcher::new(index.clone());
            let mut both = CatalogSearcher::new(index.clone(), Some(&endpoints));
            for prefix in prefixes(query) {
                let took_before = timed(|| alone.search(prefix, MATCH_LIMIT)).1;
                let (merged, took_after) = timed(|| both.search(prefix, MATCH_LIMIT));
                if round == 0 {
                    assert_eq!(
                        merged,
                        operations::search(&index, &endpoints, prefix, MATCH_LIMIT),
                        "narrowing changed {prefix:?}"
                    );
                    before.push(took_before);
                    after.push(took_after);
                } else {
                    for (best, took) in [(&mut before[i], took_before), (&mut after[i], took_after)]
                    {
                        best.wall = best.wall.min(took.wall);
                        best.cpu = best.cpu.min(took.cpu);
                    }
                }
                i += 1;
            }
        }
    }
    println!("  ms per keystroke, entities + endpoints (after):");
    let mut at = 0;
    for &(label, query) in CATALOG_QUERIES {
        let n = prefixes(query).count();
        let times: Vec<String> = after[at..at + n]
            .iter()
            .map(|t| format!("{:5.1}", ms(t.wall)))
            .collect();
        println!("    {label:<14} {query:<17} {}", times.join(" "));
        at += n;
    }
    let rows = vec![
        ("before: entities alone".to_string(), before.clone()),
        ("after: entities + endpoints".to_string(), after.clone()),
    ];
    print_rows(&rows);
    let wall = |t: &[Took]| stats(&t.iter().map(|t| t.wall).collect::<Vec<_>>());
    let (b, a) = (wall(&before), wall(&after));
    println!(
        "  after / before: median {:.2}x, p95 {:.2}x, max {:.2}x, mean {:.2}x\n",
        a.0 / b.0,
        a.1 / b.1,
        a.2 / b.2,
        a.3 / b.3
    );
}
