//! `greenroom template ...`: the Scaffolder templates in the catalog.

use super::output::{cell, print_table};
use super::Context;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Templates in the catalog.
    List,
}

pub fn run(context: &Context, command: &Command) -> Result<ExitCode, ExitCode> {
    match command {
        Command::List => {
            let catalog = context.load()?;
            let rows: Vec<Vec<String>> = catalog
                .entities
                .iter()
                .filter(|e| e.is_kind("Template"))
                .map(|e| {
                    vec![
                        e.reference.short(),
                        e.display_name().to_string(),
                        cell(e.spec_type()),
                        cell(e.owner()),
                        cell(e.description()),
                    ]
                })
                .collect();
            print_table(
                &["TEMPLATE", "TITLE", "TYPE", "OWNER", "DESCRIPTION"],
                &rows,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
