//! A large OpenAPI definition in the definition view: GitHub's REST description (about 10 MB of
//! JSON, about 1,000 operations), opened through the code the view uses (`ApiView::new`: read
//! the outline into the model, build the operations list's rows), then the first frame, one
//! screen of scrolling at a time, the first operation's detail (the whole definition read), and
//! the memory held while the view is open and after it is dropped. Goal: open + first frame
//! ≤ 500 ms.
//!
//! Run: `cargo bench --bench openapi_large` — reads `-- --spec FILE` when given, else GitHub's
//! description from npm's `@octokit/openapi`, installed into `benches/.openapi/` (gitignored)
//! on first use; when npm cannot fetch it, a generated document of the same size and shape
//! (paths with several operations, shared parameters and schemas behind `$ref`s, long
//! descriptions). `-- --runs N` (default 5): times are the best and the median of N opens.

use greenroom::tui::panes::apidef::ApiView;
use greenroom::tui::theme::Theme;
use greenroom::tui::Action;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;
const OPEN_BUDGET_MS: f64 = 500.0;
const NPM_FOLDER: &str = "benches/.openapi";
const GITHUB_JSON: &str = "node_modules/@octokit/openapi/generated/api.github.com.json";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runs: usize = arg("--runs")
        .and_then(|n| n.parse().ok())
        .unwrap_or(5)
        .max(1);
    let rss_start = rss_mb();
    let (text, origin) = match arg("--spec") {
        Some(path) => (read(Path::new(&path)), path),
        None => match github_description() {
            Ok(path) => (
                read(&path),
                format!("{} (@octokit/openapi)", path.display()),
            ),
            Err(why) => {
                println!("GitHub's description not available ({why}): a generated one instead");
                (
                    generated(10_000_000),
                    "generated, GitHub's size and shape".to_string(),
                )
            }
        },
    };
    println!(
        "openapi_large bench: {origin}, {:.1} MB of text, {WIDTH}x{HEIGHT}",
        text.len() as f64 / 1e6
    );
    let rss_text = rss_mb();

    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let page = usize::from(HEIGHT) - 2;
    let mut opens = Vec::new();
    let mut frames = Vec::new();
    let mut view = None;
    for _ in 0..runs {
        // The previous run's view goes first, so at most one is held.
        drop(view.take());
        let started = Instant::now();
        let opened = ApiView::new("api:github".into(), "openapi", &text);
        opens.push(started.elapsed());
        let started = Instant::now();
        terminal.draw(|f| opened.draw(f, f.area(), &theme)).unwrap();
        frames.push(started.elapsed());
        view = Some(opened);
    }
    let mut view = view.expect("at least one run");
    let (operations, _) = view.summary();
    println!("{operations}");
    let total: Vec<Duration> = opens.iter().zip(&frames).map(|(a, b)| *a + *b).collect();
    report("open: outline + operations rows", &opens);
    report("first frame", &frames);
    report("open + first frame", &total);
    let best = ms(*total.iter().min().unwrap());
    println!(
        "  goal ≤ {OPEN_BUDGET_MS:.0} ms: {}",
        if best <= OPEN_BUDGET_MS {
            "met"
        } else {
            "MISSED"
        }
    );

    // Scrolling: a page down and the frame it shows, through the whole list.
    let mut scrolls = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        view.update(&Action::PageDown, page);
        terminal.draw(|f| view.draw(f, f.area(), &theme)).unwrap();
        scrolls.push(started.elapsed());
    }
    report("scroll: page down + frame (200 screens)", &scrolls);

    // The first operation's detail: the view reads the whole definition once, on this Enter.
    // The list starts with its first tag's heading; the operation is under it.
    view.update(&Action::Top, page);
    view.update(&Action::Down, page);
    let started = Instant::now();
    view.update(&Action::Open, page);
    terminal.draw(|f| view.draw(f, f.area(), &theme)).unwrap();
    let took = started.elapsed();
    let op = view
        .selected_operation()
        .expect("the detail of an operation");
    println!("  detail of {} {}:", op.method, op.path);
    report("first operation's detail (whole definition read)", &[took]);
    let rss_open = rss_mb();
    drop(view);
    let rss_dropped = rss_mb();
    trim();
    let rss_trimmed = rss_mb();
    println!("\nresident memory (from /proc/self/statm), MB:");
    println!("  at start {rss_start:.1}; with the text read {rss_text:.1}");
    println!(
        "  view open (outline, rows, whole definition for the detail) {rss_open:.1} (+{:.1} over the text)",
        rss_open - rss_text
    );
    println!(
        "  view dropped {rss_dropped:.1}; after returning free heap pages (malloc_trim) {rss_trimmed:.1}"
    );
}

fn report(label: &str, times: &[Duration]) {
    let mut sorted: Vec<f64> = times.iter().map(|&t| ms(t)).collect();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let p95 = sorted[((sorted.len() - 1) as f64 * 0.95).round() as usize];
    println!(
        "  {label:<50} best {:>8.2} ms  median {median:>8.2}  p95 {p95:>8.2}  max {:>8.2}",
        sorted[0],
        sorted[sorted.len() - 1]
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// GitHub's description, installed from npm into the gitignored folder when not there yet.
fn github_description() -> Result<PathBuf, String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join(NPM_FOLDER);
    let path = folder.join(GITHUB_JSON);
    if path.is_file() {
        return Ok(path);
    }
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    println!("installing @octokit/openapi into {} …", folder.display());
    let status = Command::new("npm")
        .args([
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
        ])
        .arg(&folder)
        .arg("@octokit/openapi")
        .status()
        .map_err(|e| format!("npm: {e}"))?;
    if !status.success() {
        return Err(format!("npm install: {status}"));
    }
    path.is_file()
        .then_some(path)
        .ok_or_else(|| format!("{GITHUB_JSON} not in the package"))
}

/// Resident set size in MB (Linux; NaN elsewhere).
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(f64::NAN, |pages| pages * 4096.0 / 1e6)
}

/// Gives free heap pages back to the kernel, so RSS shows what is still held.
fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it touches no live memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A description shaped like GitHub's, about `bytes` long: resources with a collection and an
/// item path, two to five operations each with tags, summaries, long descriptions, shared
/// parameters and responses by `$ref`, and schemas of a dozen properties that refer to each
/// other.
fn generated(bytes: usize) -> String {
    const VERBS: [(&str, &str, bool); 5] = [
        ("get", "list", false),
        ("post", "create", false),
        ("get", "get", true),
        ("patch", "update", true),
        ("delete", "delete", true),
    ];
    let prose = "Lists the resources the authenticated user can see, newest first. \
        OAuth app tokens and personal access tokens (classic) need the `repo` scope to use \
        this endpoint with a private repository. See \"Pagination\" for the page parameters. ";
    let mut paths = Map::new();
    let mut schemas = Map::new();
    let mut resource = 0usize;
    let mut operations = 0usize;
    // Grown a resource at a time until the text would be long enough.
    let mut estimate = 0usize;
    while estimate < bytes {
        let name = format!("resource-{resource}");
        let schema = format!("resource-{resource}");
        let mut properties = Map::new();
        for p in 0..12 {
            let property = match p % 4 {
                0 => json!({ "type": "integer", "format": "int64", "example": 42 }),
                1 => {
                    json!({ "type": "string", "description": "A name people read", "example": "octocat" })
                }
                2 => json!({ "type": "string", "format": "date-time", "nullable": true }),
                _ => json!({ "$ref": format!("#/components/schemas/resource-{}", resource / 2) }),
            };
            properties.insert(format!("field_{p}"), property);
        }
        schemas.insert(
            schema.clone(),
            json!({ "title": name, "type": "object", "properties": properties,
                     "required": ["field_0", "field_1"] }),
        );
        for on_item in [false, true] {
            let path = match on_item {
                false => format!("/repos/{{owner}}/{{repo}}/{name}"),
                true => format!("/repos/{{owner}}/{{repo}}/{name}/{{id}}"),
            };
            let mut item = Map::new();
            for (method, verb, item_verb) in VERBS {
                if item_verb != on_item || (resource + operations) % 7 == 0 {
                    continue;
                }
                operations += 1;
                let response = json!({ "200": { "description": "Response", "content": {
                    "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } },
                    "404": { "$ref": "#/components/responses/not_found" } });
                item.insert(
                    method.to_string(),
                    json!({
                        "summary": format!("{} {name}", title(verb)),
                        "description": prose.repeat(2),
                        "tags": [format!("group-{}", resource / 20)],
                        "operationId": format!("{name}/{verb}"),
                        "externalDocs": { "url": format!("https://docs.example.com/{name}#{verb}") },
                        "parameters": [ { "$ref": "#/components/parameters/owner" },
                                        { "$ref": "#/components/parameters/repo" },
                                        { "$ref": "#/components/parameters/per-page" } ],
                        "responses": response,
                    }),
                );
            }
            paths.insert(path, Value::Object(item));
        }
        estimate += 5_000;
        resource += 1;
    }
    let parameter = |name: &str, ty: &str| {
        json!({ "name": name, "in": "path", "required": true, "schema": { "type": ty },
                "description": format!("The {name}. The name is not case sensitive.") })
    };
    let document = json!({
        "openapi": "3.0.3",
        "info": { "title": "Generated REST API", "version": "1.1.4" },
        "servers": [ { "url": "https://api.example.com" } ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": {
                "owner": parameter("owner", "string"),
                "repo": parameter("repo", "string"),
                "per-page": { "name": "per_page", "in": "query", "schema": { "type": "integer", "default": 30 } },
            },
            "responses": { "not_found": { "description": "Resource not found" } },
        },
    });
    serde_json::to_string_pretty(&document).expect("JSON")
}

fn title(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}
