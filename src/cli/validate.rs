//! `greenroom validate [PATH]... [--watch]`: every problem as `FILE:LINE:COL: error|warning:
//! MESSAGE`, then `N entities, E errors, W warnings` (and `, S skipped as skeletons` when files
//! were skipped as template skeletons). Always reads the sources, never a snapshot. With
//! `--watch`, after every save: the problems that appeared (`+ `) and went (`- `), and the
//! summary again; only the saved files are read again (see `sources/live.rs`).

use super::context::Context;
use super::watch::rerun;
use crate::catalog::load::Loaded;
use crate::catalog::phases;
use crate::sources::live::Live;
use crate::sources::watch::Files;
use crate::sources::Refresh;
use std::collections::BTreeSet;
use std::process::ExitCode;

pub fn run(context: &Context, watch: bool) -> Result<ExitCode, ExitCode> {
    if !watch {
        let loaded = context.source.load(&context.config);
        for problem in &loaded.catalog.problems {
            println!("{problem}");
        }
        let code = summary(context, &loaded);
        phases::mark("printed");
        if let Some(report) = phases::report() {
            eprintln!("greenroom: {report}");
        }
        // The process ends here: freeing 100k entities one by one would only delay the exit.
        crate::catalog::load::drop_and_release(loaded);
        return Ok(code);
    }
    let roots = context.source.local_roots();
    if roots.is_empty() {
        eprintln!("greenroom: --watch needs local files or folders to watch");
        return Err(ExitCode::from(2));
    }
    let mut live: Option<Live> = None;
    let mut shown: BTreeSet<String> = BTreeSet::new();
    Ok(rerun(&roots, Files::Catalog, |changed| {
        let updated = match (changed, live.as_mut()) {
            (Some(paths), Some(kept)) => kept.update(paths).ok().map(|_| kept.loaded()),
            _ => None,
        };
        let loaded = updated.unwrap_or_else(|| {
            let (loaded, kept) = read_all(context);
            live = kept;
            loaded
        });
        let now: BTreeSet<String> = loaded
            .catalog
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect();
        match changed {
            None => now.iter().for_each(|p| println!("{p}")),
            Some(_) => {
                now.difference(&shown).for_each(|p| println!("+ {p}"));
                shown.difference(&now).for_each(|p| println!("- {p}"));
            }
        }
        shown = now;
        summary(context, &loaded)
    }))
}

/// Every source read again, and what each gave (to re-read only saved files next time).
fn read_all(context: &Context) -> (Loaded, Option<Live>) {
    match context.source.load_with(&context.config, None, &|_| {}) {
        Refresh::Loaded {
            mut loaded,
            offline,
            live,
            ..
        } => {
            loaded.unreadable.extend(offline);
            (loaded, Some(live))
        }
        // Only a snapshot's fingerprints can say "unchanged", and none was given.
        Refresh::Unchanged => (context.source.load(&context.config), None),
    }
}

/// The summary line (and unreadable paths on stderr); the exit code it makes.
fn summary(context: &Context, loaded: &Loaded) -> ExitCode {
    let catalog = &loaded.catalog;
    // Skeletons are not problems: named only under --verbose, on stderr, and counted.
    if context.verbose {
        for skipped in &loaded.skipped {
            eprintln!("greenroom: {skipped}");
        }
    }
    let skeletons = match loaded.skipped.len() {
        0 => String::new(),
        n => format!(", {n} skipped as skeletons"),
    };
    println!(
        "{} entities, {} errors, {} warnings{skeletons}",
        catalog.len(),
        catalog.error_count(),
        catalog.warning_count()
    );
    if !loaded.unreadable.is_empty() {
        for message in &loaded.unreadable {
            eprintln!("greenroom: {message}");
        }
        return ExitCode::from(2);
    }
    ExitCode::from(u8::from(catalog.error_count() > 0))
}
