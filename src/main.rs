use clap::Parser;
use greenroom::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    greenroom::catalog::load::limit_malloc_arenas();
    // `COMPLETE=bash greenroom …`: the shell asking for completions (entity refs included); it
    // answers and exits here.
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command).complete();
    let cli = Cli::parse();
    match cli::run(&cli) {
        Some(code) => code,
        None => greenroom::tui::run(&cli.launch()),
    }
}
