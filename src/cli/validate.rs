//! `greenroom validate [PATH]...`: every problem as `FILE:LINE:COL: error|warning: MESSAGE`, then
//! `N entities, E errors, W warnings` (and `, S skipped as skeletons` when files were skipped as
//! template skeletons). Always reads the sources, never a snapshot.

use super::context::Context;
use std::process::ExitCode;

pub fn run(context: &Context) -> Result<ExitCode, ExitCode> {
    let loaded = context.source.load(&context.config);
    let catalog = &loaded.catalog;
    for problem in &catalog.problems {
        println!("{problem}");
    }
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
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::from(u8::from(catalog.error_count() > 0)))
}
