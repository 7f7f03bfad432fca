//! Whole processes timed from outside, as a user waits for them: wall time from the spawn to
//! the reap (start-up, exit and freeing included), and the kernel's own accounting of the child's
//! user + system CPU from `wait4`. Not its peak memory: Linux carries the spawning process's own
//! peak into the child's `ru_maxrss` across the exec, so a bench that loaded a catalog itself
//! would report its own peak (measure peaks with `/usr/bin/time -v` from a shell). Shared by the benches that compare
//! greenroom with another program (`#[path]`-included, one copy).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Timed {
    pub wall: Duration,
    /// User + system CPU of the child.
    pub cpu: Duration,
    pub stdout: String,
    pub stderr: String,
    pub success: bool,
}

/// Runs `command` to its end with an empty stdin; its output is kept (read through pipes as it
/// comes, as a terminal or a `| less` would take it).
pub fn run(command: &mut Command) -> Timed {
    run_with_input(command, None)
}

/// [`run`], with a file as its stdin (a list for `fzf --filter`).
pub fn run_with_input(command: &mut Command, input: Option<&std::path::Path>) -> Timed {
    let stdin = match input {
        Some(path) => Stdio::from(std::fs::File::open(path).expect("the input file opens")),
        None => Stdio::null(),
    };
    command
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {command:?}: {err}"));
    let mut err_pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err_pipe.read_to_string(&mut text);
        text
    });
    let mut stdout = String::new();
    let _ = child.stdout.take().unwrap().read_to_string(&mut stdout);
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // SAFETY: wait4 reaps our own child and fills the status and usage it is given.
    let reaped = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert!(reaped > 0, "wait4 failed for {command:?}");
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Timed {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        stdout,
        stderr: stderr.join().unwrap(),
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
    }
}

pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    match n % 2 {
        1 => xs[n / 2],
        _ => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// The 1-minute load average, to print beside figures measured on a shared machine.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// The greenroom binary to time: `$GREENROOM_BIN` (main's build, say), else the one cargo built
/// with this bench.
pub fn greenroom_bin() -> std::path::PathBuf {
    std::env::var_os("GREENROOM_BIN")
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_greenroom").into())
}
