//! Hostile catalog input, each case by name: an alias bomb, 10,000-deep nesting, a 100 MB file,
//! invalid UTF-8, NUL bytes, symlink loops, a FIFO and `/dev/zero` behind catalog names, a
//! Location cycle, a Location pointing outside the tree, a 1M-entry array. Each sits in a folder
//! next to a good entity: the hostile file gets a clear problem that names it, the load ends
//! (bounded by the loader's size, node and depth limits, not by a timer), and the good entity is
//! still in the catalog (`tests/hostile_memory.rs` runs `greenroom validate` over them at once
//! and checks its peak memory). Big mappings and many aliases load in linear time; corrupt
//! snapshot and cache files are ignored with a warning and rebuilt.

mod support;

use greenroom::catalog::load::{load_paths, Loaded, MAX_FILE_BYTES};
use greenroom::catalog::problem::Problem;
use std::path::{Path, PathBuf};
use std::time::Instant;
use support::files::write_file;
use support::hostile::billion_laughs;

const GOOD: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: good-service\nspec:\n  type: service\n  lifecycle: production\n  owner: group:team-a\n";

/// A folder with `good/catalog-info.yaml` and `bad/catalog-info.yaml` holding `hostile`.
fn tree_with(hostile: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    write_file(&root.path().join("good/catalog-info.yaml"), GOOD.as_bytes());
    let bad = root.path().join("bad/catalog-info.yaml");
    write_file(&bad, hostile);
    (root, bad)
}

/// Loads `roots`, prints how long it took (a figure, not an assertion), checks the good entity.
fn load(case: &str, roots: &[PathBuf]) -> Loaded {
    let started = Instant::now();
    let loaded = load_paths(roots);
    println!(
        "{case}: loaded in {:?}, {} entities, {} problems",
        started.elapsed(),
        loaded.catalog.len(),
        loaded.catalog.problems.len()
    );
    assert!(
        loaded
            .catalog
            .get("component:default/good-service")
            .is_some(),
        "{case}: the good entity next to the hostile file is missing; problems: {:#?}",
        loaded.catalog.problems
    );
    loaded
}

/// What too deep nesting is called: greenroom's tree builder refuses block nesting past 256
/// levels, and the YAML parser itself flow nesting past its own recursion limit.
const TOO_DEEP: [&str; 2] = ["nesting deeper than 256 levels", "recursion limit exceeded"];

/// The problem about `file` whose message contains `needle`, printed for the record.
fn problem_about<'a>(loaded: &'a Loaded, file: &Path, needle: &str) -> Option<&'a Problem> {
    let file = file.display().to_string();
    let found = loaded
        .catalog
        .problems
        .iter()
        .find(|p| p.location.as_ref() == file && p.message.contains(needle))?;
    println!("  {found}");
    Some(found)
}

/// [`problem_about`], which must be there.
fn expect_problem<'a>(loaded: &'a Loaded, file: &Path, needle: &str) -> &'a Problem {
    problem_about(loaded, file, needle).unwrap_or_else(|| {
        panic!(
            "no problem naming {} with {needle:?}: {:#?}",
            file.display(),
            loaded.catalog.problems
        )
    })
}

#[test]
fn billion_laughs_is_refused() {
    let bomb = billion_laughs("\"lol\"");
    let (root, bad) = tree_with(bomb.as_bytes());
    let loaded = load("billion laughs", &[root.path().to_path_buf()]);
    let problem = expect_problem(&loaded, &bad, "too many aliases");
    assert!(problem.is_error());
    // Under the alias budget (60 uses) but each use a 20,000-entry sequence: 1.2M nodes.
    let mut wide = String::from("a: &a [");
    wide.push_str(&vec!["x"; 20_000].join(","));
    wide.push_str("]\n");
    for i in 0..60 {
        wide.push_str(&format!("k{i}: *a\n"));
    }
    let (root, bad) = tree_with(wide.as_bytes());
    let loaded = load("wide alias fan-out", &[root.path().to_path_buf()]);
    let problem = expect_problem(&loaded, &bad, "more than 1000000 nodes");
    assert!(problem.is_error());
}

#[test]
fn ten_thousand_deep_nesting_is_refused_in_every_style() {
    let depth = 10_000;
    let cases: [(&str, String); 4] = [
        (
            "flow sequences",
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        ),
        (
            "flow mappings",
            format!("{}x{}", "{a: ".repeat(depth), "}".repeat(depth)),
        ),
        ("block sequences", format!("{}x\n", "- ".repeat(depth))),
        (
            "inside an entity",
            format!(
                "{GOOD_BAD}  deep: {}{}\n",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        ),
    ];
    for (style, text) in cases {
        let (root, bad) = tree_with(text.as_bytes());
        let loaded = load(
            &format!("10,000-deep {style}"),
            &[root.path().to_path_buf()],
        );
        let problem = problem_about(&loaded, &bad, TOO_DEEP[0])
            .or_else(|| problem_about(&loaded, &bad, TOO_DEEP[1]));
        assert!(problem.is_some_and(Problem::is_error), "{style}");
    }
}

/// An entity whose spec is open, so a field can be appended under it.
const GOOD_BAD: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: bad-service\nspec:\n  type: service\n  lifecycle: production\n  owner: group:team-a\n";

#[test]
fn a_100_mb_file_is_refused_unread() {
    let (root, bad) = tree_with(GOOD_BAD.as_bytes());
    // Real bytes, not a sparse file: a valid entity followed by 100 MB of comment lines.
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&bad).unwrap();
        let line = format!("# {}\n", "padding ".repeat(12));
        let block = line.repeat((1 << 20) / line.len());
        let mut written = 0u64;
        while written < 100 * 1024 * 1024 {
            file.write_all(block.as_bytes()).unwrap();
            written += block.len() as u64;
        }
    }
    assert!(std::fs::metadata(&bad).unwrap().len() > MAX_FILE_BYTES);
    let loaded = load("100 MB file", &[root.path().to_path_buf()]);
    let problem = expect_problem(&loaded, &bad, "larger than 32 MB; not read");
    assert!(problem.is_error());
    assert!(loaded
        .catalog
        .get("component:default/bad-service")
        .is_none());
    // Named directly (not found by the walk), the same.
    let loaded = load(
        "100 MB file named directly",
        &[bad.clone(), root.path().join("good/catalog-info.yaml")],
    );
    expect_problem(&loaded, &bad, "larger than 32 MB");
}

#[cfg(unix)]
#[test]
fn devices_and_fifos_behind_catalog_names_are_not_read() {
    // `/dev/zero` never ends and says its size is 0; a FIFO blocks a reader until a writer comes.
    let (root, bad) = tree_with(b"");
    std::fs::remove_file(&bad).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &bad).unwrap();
    let fifo = root.path().join("fifo/catalog-info.yaml");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo only reads the NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    // A placeholder pointing at the device is refused the same way.
    let placeholder = root.path().join("placeholder/catalog-info.yaml");
    write_file(
        &placeholder,
        GOOD_BAD
            .replace("bad-service", "placeholder-service")
            .replace(
                "metadata:\n",
                "metadata:\n  description:\n    $text: /dev/zero\n",
            )
            .as_bytes(),
    );
    let loaded = load("/dev/zero and a FIFO", &[root.path().to_path_buf()]);
    expect_problem(&loaded, &bad, "not a regular file");
    expect_problem(&loaded, &fifo, "not a regular file");
    expect_problem(&loaded, &placeholder, "not a regular file");
}

#[test]
fn invalid_utf8_names_the_file_line_and_byte() {
    let mut bytes = GOOD_BAD.as_bytes().to_vec();
    let at = GOOD_BAD.find("service\n").unwrap();
    bytes.splice(at..at, [0xff, 0xfe, 0xc3]);
    let (root, bad) = tree_with(&bytes);
    let loaded = load("invalid UTF-8", &[root.path().to_path_buf()]);
    let problem = expect_problem(&loaded, &bad, "not valid UTF-8");
    assert_eq!(problem.pos.line, 4, "{problem}");
    assert!(problem.is_error());
}

#[test]
fn nul_bytes_are_a_syntax_error_in_their_document_only() {
    let text = format!(
        "{}---\n{}",
        GOOD_BAD.replace("bad-service", "bad\0service"),
        GOOD.replace("good-service", "second-good")
    );
    let (root, bad) = tree_with(text.as_bytes());
    let loaded = load("NUL bytes", &[root.path().to_path_buf()]);
    let problem = loaded
        .catalog
        .problems
        .iter()
        .find(|p| p.location.as_ref() == bad.display().to_string() && p.is_error())
        .expect("an error naming the file");
    println!("  {problem}");
    assert_eq!(problem.pos.line, 4, "{problem}");
    assert!(
        loaded
            .catalog
            .get("component:default/second-good")
            .is_some(),
        "the next document of the same file still loads"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_end_the_walk_and_are_named() {
    use std::os::unix::fs::symlink;
    let (root, bad) = tree_with(b"");
    std::fs::remove_file(&bad).unwrap();
    // A file that is a symlink to itself, two that point at each other, and folders that loop.
    symlink(&bad, &bad).unwrap();
    let pair = root.path().join("pair");
    std::fs::create_dir_all(&pair).unwrap();
    symlink(
        pair.join("catalog-info.yml"),
        pair.join("catalog-info.yaml"),
    )
    .unwrap();
    symlink(
        pair.join("catalog-info.yaml"),
        pair.join("catalog-info.yml"),
    )
    .unwrap();
    symlink(root.path(), root.path().join("good/up")).unwrap();
    symlink(".", root.path().join("bad/self")).unwrap();
    let loaded = load("symlink loops", &[root.path().to_path_buf()]);
    expect_problem(&loaded, &bad, "symlink loop");
    expect_problem(&loaded, &pair.join("catalog-info.yaml"), "symlink loop");
    assert_eq!(loaded.catalog.len(), 1, "the good entity, once");
    // A Location that targets a looping symlink and a folder loop named as a root.
    let location = root.path().join("locations.yaml");
    write_file(
        &location,
        b"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: loops\nspec:\n  targets: [./bad/catalog-info.yaml]\n",
    );
    let loaded = load(
        "symlink loops via a Location",
        &[location.clone(), root.path().join("good/up/good/up/good")],
    );
    expect_problem(&loaded, &location, "does not exist");
}

#[test]
fn a_location_cycle_reads_each_file_once() {
    let root = tempfile::tempdir().unwrap();
    let a = root.path().join("a/catalog-info.yaml");
    let b = root.path().join("b/locations.yaml");
    let c = root.path().join("c/more.yaml");
    write_file(
        &a,
        b"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: a\nspec:\n  targets: [../b/locations.yaml, ./catalog-info.yaml]\n",
    );
    write_file(
        &b,
        b"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: b\nspec:\n  targets: [../c/more.yaml]\n",
    );
    write_file(
        &c,
        b"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: c\nspec:\n  targets: [../a/catalog-info.yaml, ../b/*.yaml]\n",
    );
    write_file(&root.path().join("good/catalog-info.yaml"), GOOD.as_bytes());
    // Only a/catalog-info.yaml is found by the walk; the Locations lead from one file to the next.
    let loaded = load("Location cycle", &[root.path().to_path_buf()]);
    for name in ["a", "b", "c"] {
        assert!(
            loaded
                .catalog
                .get(&format!("location:default/{name}"))
                .is_some(),
            "{name}"
        );
    }
    assert_eq!(loaded.catalog.len(), 4, "each file read once");
    expect_problem(&loaded, &a, "this Location's own file");
}

#[test]
fn a_location_pointing_outside_the_tree_is_not_followed() {
    let root = tempfile::tempdir().unwrap();
    let tree = root.path().join("tree");
    write_file(&tree.join("good/catalog-info.yaml"), GOOD.as_bytes());
    write_file(
        &root.path().join("outside/catalog-info.yaml"),
        GOOD.replace("good-service", "outside-service").as_bytes(),
    );
    let location = tree.join("catalog-info.yaml");
    write_file(
        &location,
        b"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: escape\nspec:\n  targets:\n    - ../outside/catalog-info.yaml\n    - /etc/passwd\n    - ../../../../../../../../etc/shadow\n    - ./good/../../outside/*.yaml\n",
    );
    let loaded = load("Location outside the tree", std::slice::from_ref(&tree));
    for target in [
        "../outside/catalog-info.yaml",
        "/etc/passwd",
        "../../../../../../../../etc/shadow",
        "./good/../../outside/*.yaml",
    ] {
        expect_problem(
            &loaded,
            &location,
            &format!("target {target} points outside the catalog folder"),
        );
    }
    assert!(loaded
        .catalog
        .get("component:default/outside-service")
        .is_none());
}

#[test]
fn a_million_entry_array_is_bounded() {
    let text = GOOD_BAD.replace(
        "metadata:\n",
        &format!("metadata:\n  tags: [{}]\n", vec!["t"; 1_000_000].join(",")),
    );
    let (root, bad) = tree_with(text.as_bytes());
    let loaded = load("1M-entry array", &[root.path().to_path_buf()]);
    let problem = expect_problem(&loaded, &bad, "more than 1000000 nodes");
    assert!(problem.is_error());
    // A block sequence of a million entries, the same.
    let mut block = String::from("items:\n");
    for _ in 0..1_000_000 {
        block.push_str("- x\n");
    }
    let (root, bad) = tree_with(block.as_bytes());
    let loaded = load("1M-entry block array", &[root.path().to_path_buf()]);
    expect_problem(&loaded, &bad, "more than 1000000 nodes");
}

/// What a killed process can leave in the cache folder: a snapshot cut short, garbage, a
/// leftover temporary file. The next start warns, loads the catalog from its sources, and writes
/// a good snapshot again.
#[test]
fn a_corrupt_snapshot_is_ignored_with_a_warning_and_rebuilt() {
    use greenroom::config::Config;
    use greenroom::sources::CatalogSource;
    use greenroom::tui::LoaderMsg;

    let (root, _bad) = tree_with(GOOD_BAD.as_bytes());
    let cache = root.path().join("cache");
    let config = Config::parse(&format!("[cache]\ndir = \"{}\"\n", cache.display())).unwrap();
    let source = CatalogSource::Paths(vec![root.path().join("good"), root.path().join("bad")]);
    let path = greenroom::sources::snapshot::path_for(&config.cache_dir(), &source.label());
    // Runs the TUI's loader thread to the end; returns the warnings of the fresh catalog.
    let start = || {
        let (sender, receiver) = std::sync::mpsc::channel();
        greenroom::tui::load_in_background(&source, &config, Instant::now(), &sender);
        drop(sender);
        let mut warnings = None;
        for message in receiver {
            if let LoaderMsg::Catalog(result) = message {
                if result.snapshot_age.is_none() {
                    assert!(result
                        .data
                        .catalog
                        .get("component:default/good-service")
                        .is_some());
                    warnings = Some(result.warnings);
                }
            }
        }
        warnings.expect("the fresh catalog was sent")
    };
    assert!(start().is_empty(), "first start: no snapshot, no warning");
    let good = std::fs::read(&path).expect("the snapshot was written");
    let leftover = path.with_file_name(".leftover.bin.1234.0.tmp");
    std::fs::write(&leftover, &good[..good.len() / 3]).unwrap();
    for (what, bytes) in [
        ("cut short", good[..good.len() / 2].to_vec()),
        ("garbage", b"\x00\xffnot a snapshot".to_vec()),
        ("empty", Vec::new()),
        (
            "header only",
            good[..good.iter().position(|b| *b == b'\n').unwrap() + 1].to_vec(),
        ),
    ] {
        std::fs::write(&path, &bytes).unwrap();
        let warnings = start();
        println!("snapshot {what}: {warnings:?}");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(&path.display().to_string()) && w.contains("rebuilding")),
            "{what}: {warnings:?}"
        );
        let rebuilt = greenroom::sources::snapshot::read(&path)
            .unwrap_or_else(|e| panic!("{what}: not rebuilt: {e}"))
            .expect("a snapshot");
        assert!(rebuilt
            .catalog
            .get("component:default/good-service")
            .is_some());
    }
}

/// HTTP cache files cut short: the next run says so once (no `--verbose` needed), fetches again,
/// and rewrites them, so a run after that works offline from them.
#[test]
fn corrupt_cache_files_are_refetched_and_rewritten() {
    use support::github::FakeGitHub;
    let github = FakeGitHub::with_sample_runs("myorg/payment-service");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        GOOD.replace(
            "  name: good-service\n",
            "  name: good-service\n  annotations:\n    github.com/project-slug: myorg/payment-service\n",
        ),
    )
    .unwrap();
    let cache = dir.path().join("cache");
    let url = github.url();
    let run = |extra: &[&str]| {
        support::binary::execute(
            support::binary::command(&cache, Path::new("/dev/null"))
                .arg("--catalog")
                .arg(dir.path().join("catalog-info.yaml"))
                .args(extra)
                .args(["ci", "good-service"])
                .env("GITHUB_API_URL", &url)
                .env("GITHUB_TOKEN", support::github::TOKEN)
                .env("GREENROOM_HTTP_RETRIES", "0"),
        )
    };
    let first = run(&[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let files = support::binary::files_under(&cache.join("http"));
    assert!(!files.is_empty());
    for (path, bytes) in &files {
        std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
    }
    // Said without --verbose, once for all the files, with what was done.
    let second = run(&[]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(
        second
            .stderr
            .matches("damaged HTTP cache file removed; its data is fetched again")
            .count(),
        1,
        "{}",
        second.stderr
    );
    let third = run(&[]);
    assert!(
        !third.stderr.contains("damaged"),
        "rewritten: {}",
        third.stderr
    );
    drop(github);
    std::thread::sleep(std::time::Duration::from_millis(50));
    let offline = run(&[]);
    assert_eq!(
        offline.stdout, first.stdout,
        "the rewritten cache answers offline: {}",
        offline.stderr
    );
}

/// A mapping of 100,000 keys (a scan per key made 50,000 take 30 seconds): loaded, and a
/// duplicate key at its very end still found.
#[test]
fn a_mapping_of_100_000_keys_loads_and_its_duplicate_is_found() {
    let keys: String = (0..100_000).map(|i| format!("    k{i}: v\n")).collect();
    let text = GOOD_BAD.replace("metadata:\n", &format!("metadata:\n  annotations:\n{keys}"));
    let (root, _bad) = tree_with(text.as_bytes());
    let loaded = load("100,000 keys", &[root.path().to_path_buf()]);
    let id = loaded
        .catalog
        .get("component:default/bad-service")
        .expect("the entity with 100,000 annotations loads");
    assert_eq!(loaded.catalog.entity(id).annotation("k99999"), Some("v"));
    let text = GOOD_BAD.replace(
        "metadata:\n",
        &format!("metadata:\n  annotations:\n{keys}    k0: again\n"),
    );
    let (root, bad) = tree_with(text.as_bytes());
    let loaded = load("100,000 keys and a duplicate", &[root.path().to_path_buf()]);
    let problem = expect_problem(&loaded, &bad, "duplicate key \"k0\"");
    assert_eq!(problem.pos.line, 100_005, "{problem}");
}

/// 50,000 anchors each used once (a scan per alias made this take 20 seconds): read, and every
/// alias resolved.
#[test]
fn fifty_thousand_anchors_and_aliases_load() {
    let n = 50_000;
    let mut text = GOOD_BAD.replace("metadata:\n", "metadata:\n  annotations:\n");
    let defined: String = (0..n).map(|i| format!("    d{i}: &a{i} v{i}\n")).collect();
    let used: String = (0..n).map(|i| format!("    u{i}: *a{i}\n")).collect();
    text = text.replace(
        "  annotations:\n",
        &format!("  annotations:\n{defined}{used}"),
    );
    let (root, _bad) = tree_with(text.as_bytes());
    let loaded = load("50,000 anchors", &[root.path().to_path_buf()]);
    let id = loaded
        .catalog
        .get("component:default/bad-service")
        .expect("the entity loads");
    let entity = loaded.catalog.entity(id);
    assert_eq!(entity.annotation("u0"), Some("v0"));
    assert_eq!(entity.annotation("u49999"), Some("v49999"));
}

/// A lone carriage return (`\r` not followed by `\n`) is content to the `yaml` package Backstage
/// uses, which counts lines by `\n` only; saphyr breaks lines at it too, which put a problem's
/// line past the file's last one (issue #21, found by the `yaml_loader` fuzz target). Here a
/// mapping's scalar is followed by lone CRs before its line ends, and the duplicate key on the
/// next line is reported where Backstage reports it (DUPLICATE_KEY at line 5, column 23).
#[test]
fn a_lone_carriage_return_is_not_a_line_break() {
    let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: lone-cr\r\r\nspec: {type: service, type: library}\n";
    let docs = greenroom::catalog::yaml::parse_stream(text);
    assert_eq!(docs.len(), 1, "{docs:?}");
    assert_eq!((docs[0].first_line, docs[0].last_line), (1, 5));
    let err = docs[0].doc.as_ref().unwrap_err();
    assert!(err.message.contains("duplicate key"), "{err:?}");
    assert_eq!((err.pos.line, err.pos.col), (5, 23), "{err:?}");

    // In a file, the problem names the same place.
    let (root, bad) = tree_with(text.as_bytes());
    let loaded = load("lone-cr", &[root.path().to_path_buf()]);
    let problem = expect_problem(&loaded, &bad, "duplicate key");
    assert_eq!((problem.pos.line, problem.pos.col), (5, 23), "{problem}");

    // Lone CRs inside a quoted scalar, which saphyr refuses: the error still lies in the file.
    let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: lone-cr\n  description: \"one\rtwo\r\rthree\"\n";
    let lines = text.split('\n').count() as u32;
    for doc in greenroom::catalog::yaml::parse_stream(text) {
        if let Err(err) = doc.doc {
            assert!(
                err.pos.line <= lines,
                "{err:?} past the file's {lines} lines"
            );
        }
    }
}
