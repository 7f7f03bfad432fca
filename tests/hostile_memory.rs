//! `greenroom validate` over every hostile case at once, with the process's own peak memory. In a
//! test binary of its own: a child's peak resident size counts the memory of the process that
//! spawned it, and the other hostile tests build large inputs.

mod support;

use std::path::Path;
use std::time::Instant;
use support::files::write_file;
use support::hostile::billion_laughs;

const GOOD: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: good-service\nspec:\n  type: service\n  lifecycle: production\n  owner: group:team-a\n";

/// What too deep nesting is called by the YAML parser.
const TOO_DEEP: &str = "recursion limit exceeded";

/// Every case at once through the binary: each hostile file named on stderr, the good entity
/// counted, exit 1 (errors), and the process's peak memory well under the 100 MB file's size
/// times the parse tree's overhead.
#[cfg(unix)]
#[test]
fn validate_reports_every_hostile_file_and_stays_small() {
    use std::os::unix::fs::symlink;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    write_file(&dir.join("good/catalog-info.yaml"), GOOD.as_bytes());
    let big = dir.join("big/catalog-info.yaml");
    write_file(&big, b"# big\n");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let bomb = billion_laughs("lol");
    write_file(&dir.join("bomb/catalog-info.yaml"), bomb.as_bytes());
    write_file(
        &dir.join("deep/catalog-info.yaml"),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).as_bytes(),
    );
    write_file(&dir.join("utf8/catalog-info.yaml"), b"kind: \xff\n");
    std::fs::create_dir_all(dir.join("loop")).unwrap();
    symlink(
        dir.join("loop/catalog-info.yaml"),
        dir.join("loop/catalog-info.yaml"),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let (code, all, peak_kb, took) = run_measured(
        support::binary::command(cache.path(), Path::new("/dev/null"))
            .args(["validate"])
            .arg(dir),
    );
    println!("{all}");
    assert_eq!(code, 1, "{all}");
    for (file, needle) in [
        ("big", "larger than 32 MB"),
        ("bomb", "too many aliases"),
        ("deep", TOO_DEEP),
        ("utf8", "not valid UTF-8"),
        ("loop", "symlink loop"),
    ] {
        let path = dir
            .join(file)
            .join("catalog-info.yaml")
            .display()
            .to_string();
        assert!(
            all.lines()
                .any(|l| l.starts_with(&path) && l.contains(needle)),
            "{file}: {needle}\n{all}"
        );
    }
    assert!(all.contains("1 entit"), "{all}");
    println!(
        "validate over every hostile case: {took:?}, peak RSS {} MB",
        peak_kb / 1024
    );
    assert!(
        peak_kb < 100 * 1024,
        "peak RSS {} MB: a refused 100 MB file must not be read",
        peak_kb / 1024
    );
}

/// Runs a command to the end and returns its exit code, its stdout and stderr together, its own
/// peak resident size in KB (wait4: other tests' children do not count) and how long it took.
#[cfg(unix)]
fn run_measured(command: &mut std::process::Command) -> (i32, String, i64, std::time::Duration) {
    let output = tempfile::NamedTempFile::new().unwrap();
    let started = Instant::now();
    let child = command
        .stdout(output.reopen().unwrap())
        .stderr(output.reopen().unwrap())
        .spawn()
        .unwrap();
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // SAFETY: wait4 fills `status` and `usage` for the child this test spawned and waits for.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(waited, child.id() as i32);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let text = std::fs::read_to_string(output.path()).unwrap();
    (code, text, usage.ru_maxrss, started.elapsed())
}
