//! Soak under load (issue 21): the greenroom binary on a big catalog in tmux for N minutes while
//! its live panes refresh against loopback GitHub, PagerDuty and Cost Explorer servers (the fakes
//! of `tests/support/`) that answer slowly and, one request in seven, with the fault server's
//! 500. Keys are sent through the whole run (navigation, filter typing, the CI/CD, Incidents and
//! Cost panes); it prints each key's time to the next frame (p50/p95/max), the slowest keys with
//! greenroom's CPU time meanwhile (all threads; the UI thread's, and how long that thread was
//! ready to run but waited for a core), the process's RSS (at start, after load, at the end, and its trend), the servers' request and error counts, and
//! the load average; then quits with `q` and checks the terminal is given back. Figures only: no
//! timed assertion. It fails (exit 1) if greenroom does not exit 0 or leaves the terminal changed.
//!
//! Key to frame: tmux copies everything greenroom writes to its terminal to a file
//! (`pipe-pane`); a key is sent once that output has been quiet for a moment, and its latency is
//! the time from sending it to the next byte greenroom writes, as `tests/faults.rs` times a key
//! from handling it to the drawn frame, here seen from outside the process. It includes the tmux
//! client's round trip, printed as a baseline.
//!
//! Run: `cargo bench --bench soak -- [--minutes N] [--binary PATH] [--refresh 15s|off] [--keys FILE] CATALOG`
//! (`--keys` writes every key, one a line: seconds since launch, the key, ms to its frame, ms of
//! CPU of all threads, of the UI thread, and of that thread waiting for a core; a catalog from
//! `cargo run --release --example gen_catalog -- 100000 /tmp/cat100k`). The binary defaults to
//! `$GREENROOM_BIN`, else the one cargo built with this bench (a release build under
//! `cargo bench`).

#[allow(dead_code)]
#[path = "../tests/support/aws.rs"]
mod aws;
#[allow(dead_code)]
#[path = "../tests/support/binary.rs"]
mod binary;
#[allow(dead_code)]
#[path = "../tests/support/faults.rs"]
mod faults;
#[allow(dead_code)]
#[path = "../tests/support/fixture_api.rs"]
mod fixture_api;
#[allow(dead_code)]
#[path = "../tests/support/github.rs"]
mod github;
#[allow(dead_code)]
#[path = "../tests/support/http_server.rs"]
mod http_server;
#[allow(dead_code)]
#[path = "../tests/support/pagerduty.rs"]
mod pagerduty;
#[allow(dead_code)]
#[path = "../tests/support/process.rs"]
mod process;
#[allow(dead_code)]
#[path = "../tests/support/tmux.rs"]
mod tmux;

use faults::{Fault, FaultServer};
use http_server::{Answer, Body, Recorded, Reply, TestServer};
use process::{load_average, rss_kb};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tmux::Tmux;

/// One request in this many is answered by the fault server (a 500).
const FAIL_EVERY: u64 = 7;
/// Keys are sent once greenroom's output has been quiet this long (a frame drawn in full).
const QUIET: Duration = Duration::from_millis(40);
/// A key whose frame has not come after this long counts as "no frame".
const FRAME_WAIT: Duration = Duration::from_secs(2);
const RSS_EVERY: Duration = Duration::from_secs(5);

fn main() {
    let args = Args::parse();
    let work = tempfile::tempdir().unwrap();
    let vendors = Vendors::start(&args.catalog);
    let config = work.path().join("config.toml");
    std::fs::write(&config, vendors.config(&args.refresh)).unwrap();
    // It holds tokens: readable by its owner only, or greenroom warns over the footer.
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();

    let output = work.path().join("pane-output");
    let command = format!(
        "cd '{catalog}' && env GREENROOM_CONFIG='{config}' GREENROOM_CACHE_DIR='{cache}' {aws} '{binary}'; echo \"EXIT=$?\"; sleep 3600",
        catalog = args.catalog.display(),
        config = config.display(),
        cache = work.path().join("cache").display(),
        aws = vendors.aws_env(),
        binary = args.binary.display(),
    );
    println!(
        "soak: {} on {} for {} min, 160x48, load average {}",
        args.binary.display(),
        args.catalog.display(),
        args.minutes,
        load_average()
    );
    let tmux = Tmux::start("soak", 160, 48, &command);
    let pid = tmux.child_pid();
    let started = Instant::now();
    wait_until(&tmux, Duration::from_secs(60), |s| s.contains("greenroom"));
    let mut rss = vec![(started.elapsed(), rss_kb(pid))];
    let screen = wait_until(&tmux, Duration::from_secs(300), |s| s.contains("entities"));
    let loaded = started.elapsed();
    rss.push((loaded, rss_kb(pid)));
    println!(
        "loaded in {loaded:.1?}: {}",
        screen
            .lines()
            .find(|l| l.contains("entities"))
            .unwrap_or("")
            .trim()
    );

    std::fs::write(&output, b"").unwrap();
    let pipe = format!("cat >> '{}'", output.display());
    assert!(tmux
        .run(&["pipe-pane", "-O", "-t", "e2e", &pipe])
        .status
        .success());

    let deadline = started + Duration::from_secs_f64(args.minutes * 60.0);
    // (when, key, its latency (None: no frame within FRAME_WAIT), greenroom's CPU time meanwhile:
    // all its threads, and its UI thread's)
    let mut keys: Vec<(Duration, &str, Option<Duration>, Cpu)> = Vec::new();
    let mut next_rss = Instant::now() + RSS_EVERY;
    for key in (0..).flat_map(round_keys) {
        if Instant::now() >= deadline {
            break;
        }
        wait_quiet(&output);
        let before = file_len(&output);
        let cpu_before = Cpu::of(pid);
        let sent = Instant::now();
        tmux.keys(&[key]);
        let latency = wait_growth(&output, before).map(|at| at - sent);
        keys.push((sent - started, key, latency, Cpu::of(pid).since(cpu_before)));
        if Instant::now() >= next_rss {
            rss.push((started.elapsed(), rss_kb(pid)));
            next_rss += RSS_EVERY;
        }
    }
    rss.push((started.elapsed(), rss_kb(pid)));
    let load_at_end = load_average();
    let baseline = tmux_round_trip(&tmux);

    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    let quit = Instant::now();
    tmux.keys(&["q"]);
    let exit = wait_until(&tmux, Duration::from_secs(20), |s| s.contains("EXIT="));
    let exited_in = quit.elapsed();
    let restored = [
        (
            "alternate screen off",
            tmux.display("#{alternate_on}") == "0",
        ),
        ("cursor shown", tmux.display("#{cursor_flag}") == "1"),
        (
            "mouse modes off",
            tmux.display(
                "#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}#{mouse_sgr_flag}",
            ) == "0000",
        ),
        ("exit code 0", exit.contains("EXIT=0")),
    ];

    let mut latencies: Vec<Duration> = keys.iter().filter_map(|k| k.2).collect();
    latencies.sort();
    let no_frame = keys.len() - latencies.len();
    println!(
        "keys: {} with a frame, {no_frame} without one within {FRAME_WAIT:?}; key to frame p50 {:?}, p95 {:?}, max {:?} (tmux round trip p50 {baseline:?})",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        latencies.last().copied().unwrap_or_default(),
    );
    keys.sort_by_key(|k| std::cmp::Reverse(k.2.unwrap_or(Duration::MAX)));
    let slowest: Vec<String> = keys
        .iter()
        .take(8)
        .map(|(at, key, latency, cpu)| {
            let cpu = format!(
                "cpu {:.0?}, UI thread {:.0?} + {:.0?} waiting for a core",
                cpu.all, cpu.ui, cpu.ui_waited
            );
            match latency {
                Some(latency) => format!("{key:?} at {at:.0?}: {latency:.0?} ({cpu})"),
                None => format!("{key:?} at {at:.0?}: no frame ({cpu})"),
            }
        })
        .collect();
    // A slow key with little CPU time waited for a core (the machine's load), not for its work;
    // CPU time off the UI thread is background work (the search, the loader, the providers).
    println!(
        "slowest keys (greenroom's CPU time meanwhile: all threads; its UI thread's, and how long that thread was ready but waited for a core): {}",
        slowest.join(", ")
    );
    if let Some(path) = &args.keys {
        keys.sort_by_key(|k| k.0);
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let lines: String = keys
            .iter()
            .map(|(at, key, latency, cpu)| {
                let latency = latency.map_or("-".into(), |l| format!("{:.1}", ms(l)));
                format!(
                    "{:.2}\t{key}\t{latency}\t{:.0}\t{:.1}\t{:.1}\n",
                    at.as_secs_f64(),
                    ms(cpu.all),
                    ms(cpu.ui),
                    ms(cpu.ui_waited)
                )
            })
            .collect();
        std::fs::write(path, lines).unwrap();
    }
    print_rss(&rss, loaded);
    vendors.print_counts();
    println!("load average at the end {load_at_end}; quit took {exited_in:.1?}");
    let mut failed = false;
    for (what, ok) in restored {
        println!("terminal: {what}: {}", if ok { "yes" } else { "NO" });
        failed |= !ok;
    }
    if failed {
        println!("the screen after quitting:\n{exit}");
        std::process::exit(1);
    }
}

/// The keys of one round: typing a filter for the components (each key filters the whole
/// catalog), paging down `round % 40` half pages so that each round reaches components not asked
/// about yet, opening one, the live panes (CI/CD, Incidents, Cost with a refresh) for the component selected,
/// more navigation, and the filter cleared. Every key changes the screen, so each one has a frame
/// to wait for.
fn round_keys(round: usize) -> Vec<&'static str> {
    let filter = [
        "/", "k", "i", "n", "d", ":", "c", "o", "m", "p", "o", "n", "e", "n", "t",
    ];
    let mut keys: Vec<&str> = filter.to_vec();
    keys.push("Tab"); // keeps the filter, to the list
    keys.extend(std::iter::repeat_n("C-d", round % 40));
    keys.extend([
        "j", "j", "k", "Enter", "j", "3", "j", "k", "4", "j", "k", "5", "r", "j", "1", "j", "3",
        "1", "j", "4", "1", "Escape", "j", "k",
    ]);
    keys
}

struct Args {
    minutes: f64,
    /// `[catalog] refresh` ("15s"; "off" to tell its cost apart).
    refresh: String,
    binary: PathBuf,
    catalog: PathBuf,
    /// Where every key's figures go (`--keys FILE`).
    keys: Option<PathBuf>,
}

impl Args {
    fn parse() -> Args {
        let mut minutes = 10.0;
        let mut refresh = "15s".to_string();
        let mut binary = std::env::var_os("GREENROOM_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_greenroom")));
        let mut catalog = None;
        let mut keys = None;
        // `cargo bench` adds `--bench`.
        let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--minutes" => {
                    minutes = args
                        .next()
                        .and_then(|m| m.parse().ok())
                        .expect("--minutes N")
                }
                "--refresh" => refresh = args.next().expect("--refresh 15s|off"),
                "--binary" => binary = args.next().map(PathBuf::from).expect("--binary PATH"),
                "--keys" => keys = Some(args.next().map(PathBuf::from).expect("--keys FILE")),
                _ => catalog = Some(PathBuf::from(arg)),
            }
        }
        let catalog = catalog
            .expect("usage: cargo bench --bench soak -- [--minutes N] [--binary PATH] [--refresh 15s|off] [--keys FILE] CATALOG");
        Args {
            minutes,
            refresh,
            binary: std::fs::canonicalize(&binary).expect("the greenroom binary"),
            catalog: std::fs::canonicalize(&catalog).expect("the catalog folder"),
            keys,
        }
    }
}

/// A slow, flaky front for one fake vendor: each request waits 150 ms to 1.5 s, then goes to the
/// fake, or one in [`FAIL_EVERY`] to a fault server answering 500. `rewrite` maps the request's
/// target for the fake (so that every repository of a generated catalog has runs).
struct Flaky {
    front: TestServer,
    errors: FaultServer,
}

impl Flaky {
    fn start(fake: SocketAddr, rewrite: fn(&str) -> String) -> Flaky {
        let errors = FaultServer::start(Fault::Status500, Reply::status(200));
        let error_addr = errors.server.addr();
        let count = Arc::new(AtomicU64::new(0));
        let front = TestServer::start(move |request| {
            let n = count.fetch_add(1, Ordering::SeqCst);
            // A spread of delays without a random number generator: n * a prime, modulo.
            std::thread::sleep(Duration::from_millis(150 + (n * 7919) % 1350));
            let to = if n % FAIL_EVERY == FAIL_EVERY - 1 {
                error_addr
            } else {
                fake
            };
            forward(to, request, &rewrite(&request.target))
        });
        Flaky { front, errors }
    }

    fn url(&self) -> String {
        self.front.url()
    }

    fn counts(&self) -> String {
        format!(
            "{} requests, {} answered 500",
            self.front.requests().len(),
            self.errors.requests()
        )
    }
}

/// Sends `request` to `to` as `target` and returns its answer (one request a connection).
fn forward(to: SocketAddr, request: &Recorded, target: &str) -> Reply {
    let Ok(mut stream) = TcpStream::connect(to) else {
        return Reply::Close;
    };
    let mut head = format!("{} {target} HTTP/1.1\r\n", request.method);
    for (name, value) in &request.headers {
        if name != "connection" {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("connection: close\r\n\r\n");
    let mut raw = Vec::new();
    let sent = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(&request.body))
        .and_then(|()| stream.shutdown(std::net::Shutdown::Write))
        .and_then(|()| stream.read_to_end(&mut raw));
    let Some(split) = sent
        .ok()
        .and_then(|_| raw.windows(4).position(|w| w == b"\r\n\r\n"))
    else {
        return Reply::Close;
    };
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(502);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        // The server writes its own length and connection headers.
        .filter(|(n, _)| n != "content-length" && n != "connection")
        .collect();
    Reply::Send(Answer {
        status,
        headers,
        body: Body::Bytes(raw[split + 4..].to_vec()),
    })
}

/// `/repos/{owner}/{repo}/…` → `/repos/acme/soak/…`: every repository has the sample runs.
fn one_repository(target: &str) -> String {
    let parts: Vec<&str> = target.splitn(5, '/').collect();
    match parts.as_slice() {
        ["", "repos", _, _, rest] => format!("/repos/acme/soak/{rest}"),
        _ => target.to_string(),
    }
}

/// Up to `n` PagerDuty service ids the catalog's components carry (the first files found), so
/// the fake's incidents are on services the Incidents pane knows.
fn service_ids(catalog: &Path, n: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![catalog.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                found.extend(
                    text.lines()
                        .filter_map(|l| l.trim().strip_prefix("pagerduty.com/service-id:"))
                        .map(|id| id.trim().to_string()),
                );
                if found.len() >= n {
                    found.truncate(n);
                    return found;
                }
            }
        }
    }
    found
}

struct Vendors {
    github: github::FakeGitHub,
    pagerduty: pagerduty::FakePagerDuty,
    cost: aws::CostExplorer,
    fronts: [(&'static str, Flaky); 3],
}

impl Vendors {
    fn start(catalog: &Path) -> Vendors {
        let github = github::FakeGitHub::with_sample_runs("acme/soak");
        let pagerduty = pagerduty::FakePagerDuty::start();
        let policy = ("PPOLICY", "Soak policy");
        let services = service_ids(catalog, 6);
        pagerduty.add_services(
            services
                .iter()
                .map(|id| pagerduty::service(id, id, policy, None))
                .collect(),
        );
        pagerduty.add_incidents(
            (0..services.len() * 3)
                .map(|n| {
                    let status = ["triggered", "acknowledged", "resolved"][n % 3];
                    let title = format!("soak incident {n}");
                    let id = format!("PINC{n:03}");
                    let service = (services[n / 3].as_str(), "soak");
                    let ago = 5 * n as i64;
                    pagerduty::incident(
                        &id,
                        n as u64 + 1,
                        &title,
                        status,
                        "high",
                        service,
                        policy,
                        ago,
                    )
                })
                .collect(),
        );
        pagerduty.add_oncalls(vec![pagerduty::oncall(
            policy,
            1,
            ("PALICE1", "Alice Adams"),
            None,
        )]);
        let cost = aws::CostExplorer::start(cost_rows(), false);
        let fronts = [
            ("GitHub", Flaky::start(github.server.addr(), one_repository)),
            (
                "PagerDuty",
                Flaky::start(pagerduty.server.addr(), str::to_string),
            ),
            (
                "Cost Explorer",
                Flaky::start(cost.server.addr(), str::to_string),
            ),
        ];
        Vendors {
            github,
            pagerduty,
            cost,
            fronts,
        }
    }

    /// greenroom's config: the fronts' URLs and the fakes' tokens; the catalog read again every
    /// `refresh` (a local folder is also watched).
    fn config(&self, refresh: &str) -> String {
        format!(
            "[catalog]\nrefresh = \"{refresh}\"\n\n[github]\ntoken = \"{}\"\napi_url = \"{}\"\n\n[pagerduty]\ntoken = \"{}\"\napi_url = \"{}\"\nfrom_email = \"alice@example.com\"\n\n[cost]\nsource = \"aws\"\nperiod_days = 30\n",
            github::TOKEN,
            self.fronts[0].1.url(),
            pagerduty::TOKEN,
            self.fronts[1].1.url(),
        )
    }

    /// The environment that points Cost Explorer at its front, with the fake's key pair.
    fn aws_env(&self) -> String {
        format!(
            "AWS_ACCESS_KEY_ID='{}' AWS_SECRET_ACCESS_KEY='{}' AWS_ENDPOINT_URL_COST_EXPLORER='{}' AWS_REGION=us-east-1",
            aws::ACCESS_KEY_ID,
            aws::SECRET_KEY,
            self.fronts[2].1.url()
        )
    }

    fn print_counts(&self) {
        for (name, front) in &self.fronts {
            println!("{name}: {}", front.counts());
        }
        println!(
            "fakes answered: GitHub {}, PagerDuty {}, Cost Explorer {} (of which {} signatures refused)",
            self.github.requests().len(),
            self.pagerduty.requests().len(),
            self.cost.server.requests().len(),
            self.cost.verdicts().iter().filter(|v| v.is_err()).count()
        );
    }
}

/// 30 days of spend for three teams' services.
fn cost_rows() -> Vec<aws::CostRow> {
    let today = chrono::Utc::now().date_naive();
    let pairs = [
        ("team-a", "svc-a", "12.50"),
        ("team-b", "svc-b", "3.25"),
        ("team-c", "", "0.75"),
    ];
    (1..=30u64)
        .flat_map(|n| {
            pairs
                .iter()
                .map(move |&(team, service, amount)| aws::CostRow {
                    day: today - chrono::Days::new(n),
                    team,
                    service,
                    amount,
                })
        })
        .collect()
}

/// CPU time of the whole process, and of its UI thread (the main thread, whose id is the
/// process's) with the time that thread was ready to run but waited for a core.
#[derive(Clone, Copy)]
struct Cpu {
    all: Duration,
    ui: Duration,
    ui_waited: Duration,
}

impl Cpu {
    fn of(pid: u32) -> Cpu {
        // schedstat: nanoseconds on a CPU, nanoseconds waiting on a run queue, timeslices.
        let sched = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/schedstat"))
            .unwrap_or_default();
        let mut ns = sched
            .split_whitespace()
            .map(|n| Duration::from_nanos(n.parse().unwrap_or(0)));
        Cpu {
            all: cpu_time(&format!("/proc/{pid}/stat")),
            ui: ns.next().unwrap_or_default(),
            ui_waited: ns.next().unwrap_or_default(),
        }
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu {
            all: self.all.saturating_sub(before.all),
            ui: self.ui.saturating_sub(before.ui),
            ui_waited: self.ui_waited.saturating_sub(before.ui_waited),
        }
    }
}

/// User + system CPU time from a `/proc` stat file (clock ticks of 10 ms).
fn cpu_time(stat: &str) -> Duration {
    let stat = std::fs::read_to_string(stat).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    let ticks: u64 = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|t| t.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// RSS at start, after load and at the end, the peak, and the trend after load (least squares
/// over the samples of the second half of the run).
fn print_rss(samples: &[(Duration, u64)], loaded: Duration) {
    let mb = |kb: u64| kb as f64 / 1024.0;
    let after_load = samples
        .iter()
        .find(|(t, _)| *t >= loaded)
        .map_or(0, |s| s.1);
    let end = samples.last().map_or(0, |s| s.1);
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let half = samples.last().map_or(Duration::ZERO, |s| s.0) / 2;
    let tail: Vec<(f64, f64)> = samples
        .iter()
        .filter(|(t, _)| *t >= half.max(loaded))
        .map(|(t, kb)| (t.as_secs_f64() / 60.0, mb(*kb)))
        .collect();
    // The first sample of each minute.
    let mut minutes: Vec<String> = Vec::new();
    for (t, kb) in samples {
        let label = format!("{}m {:.0}", t.as_secs() / 60, mb(*kb));
        if !minutes
            .iter()
            .any(|m| m.split(' ').next() == label.split(' ').next())
        {
            minutes.push(label);
        }
    }
    println!("RSS each minute (MB): {}", minutes.join(", "));
    println!(
        "RSS: start {:.1} MB, after load {:.1} MB, end {:.1} MB, peak {:.1} MB; second half: {} samples, trend {:+.2} MB/min",
        mb(samples[0].1),
        mb(after_load),
        mb(end),
        mb(peak),
        tail.len(),
        slope(&tail)
    );
}

fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let var: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if var == 0.0 {
        return 0.0;
    }
    points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / var
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Waits until greenroom has written nothing for [`QUIET`] (at most a second: a pane that
/// animates while it waits for a server is never quiet).
fn wait_quiet(path: &Path) {
    let started = Instant::now();
    let mut len = file_len(path);
    let mut since = Instant::now();
    while since.elapsed() < QUIET && started.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(2));
        let now = file_len(path);
        if now != len {
            len = now;
            since = Instant::now();
        }
    }
}

/// When the output first grows past `before`, or `None` after [`FRAME_WAIT`].
fn wait_growth(path: &Path, before: u64) -> Option<Instant> {
    let started = Instant::now();
    while started.elapsed() < FRAME_WAIT {
        if file_len(path) > before {
            return Some(Instant::now());
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    None
}

/// The tmux client's round trip (a command that changes nothing), p50 of 20.
fn tmux_round_trip(tmux: &Tmux) -> Duration {
    let mut times: Vec<Duration> = (0..20)
        .map(|_| {
            let started = Instant::now();
            tmux.display("#{pane_pid}");
            started.elapsed()
        })
        .collect();
    times.sort();
    percentile(&times, 0.5)
}

fn wait_until(tmux: &Tmux, limit: Duration, ready: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let screen = tmux.capture();
        if ready(&screen) {
            return screen;
        }
        assert!(
            started.elapsed() < limit,
            "timed out after {limit:?}; the screen:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
