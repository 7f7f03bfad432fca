use clap::Parser;
use greenroom::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::run(&cli) {
        Some(code) => code,
        None => greenroom::tui::run(&cli.launch()),
    }
}
