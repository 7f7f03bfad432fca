//! `--watch`: a command run again after every save, until Ctrl-C, which exits with the last
//! run's code (so a script or a CI step still gets the answer it would have had).

use crate::sources::watch::{self, Files};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

/// What wakes the loop.
enum Wake {
    Saved(Vec<PathBuf>),
    Interrupted,
}

/// Runs `run` once (with no changed files), then again with the files changed after each save
/// under `roots`, until Ctrl-C (or SIGTERM). Returns the last run's exit code.
pub fn rerun(
    roots: &[PathBuf],
    files: Files,
    mut run: impl FnMut(Option<&[PathBuf]>) -> ExitCode,
) -> ExitCode {
    let mut last = run(None);
    let (sender, wakes) = mpsc::channel();
    let interrupted = sender.clone();
    match signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                if signals.forever().next().is_some() {
                    let _ = interrupted.send(Wake::Interrupted);
                }
            });
        }
        Err(err) => eprintln!("greenroom: cannot watch for Ctrl-C: {err}"),
    }
    let _watch = match watch::start(roots, files, move |paths| {
        let _ = sender.send(Wake::Saved(paths));
    }) {
        Ok(watch) => {
            if let Some(why) = &watch.polling {
                eprintln!("greenroom: {why}");
            }
            watch
        }
        Err(err) => {
            eprintln!("greenroom: {err}");
            return ExitCode::from(2);
        }
    };
    eprintln!("greenroom: watching for saves; Ctrl-C to stop");
    while let Ok(wake) = wakes.recv() {
        let mut changed = match wake {
            Wake::Saved(paths) => paths,
            Wake::Interrupted => break,
        };
        // Saves that arrived meanwhile make one run.
        for wake in wakes.try_iter() {
            match wake {
                Wake::Saved(paths) => changed.extend(paths),
                Wake::Interrupted => return last,
            }
        }
        changed.sort();
        changed.dedup();
        last = run(Some(&changed));
    }
    last
}
