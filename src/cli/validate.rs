//! `greenroom validate [PATH]...`: every problem as `FILE:LINE:COL: error|warning: MESSAGE`, then
//! `N entities, E errors, W warnings`. Always reads the sources, never a snapshot.

use super::Context;
use std::process::ExitCode;

pub fn run(context: &Context) -> Result<ExitCode, ExitCode> {
    let loaded = context.source.load(&context.config);
    let catalog = &loaded.catalog;
    for problem in &catalog.problems {
        println!("{problem}");
    }
    println!(
        "{} entities, {} errors, {} warnings",
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
