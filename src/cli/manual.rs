//! `greenroom completions SHELL` and `greenroom man`: the shell and manual pages learn the command
//! line from its clap definition, so they cannot drift from it.

use super::args::Cli;
use clap::CommandFactory;
use std::path::Path;
use std::process::ExitCode;

pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "greenroom", &mut std::io::stdout());
    ExitCode::SUCCESS
}

/// greenroom.1 on stdout, or greenroom.1 and one page per subcommand (`greenroom-validate.1`,
/// `greenroom-template-run.1`, ...) written into `out`.
pub fn man(out: Option<&Path>) -> ExitCode {
    let command = Cli::command();
    let Some(out) = out else {
        return match clap_mangen::Man::new(command).render(&mut std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("greenroom: cannot write the man page: {err}");
                ExitCode::from(2)
            }
        };
    };
    if let Err(err) = std::fs::create_dir_all(out) {
        eprintln!("greenroom: {}: {err}", out.display());
        return ExitCode::from(2);
    }
    match write_pages(command, "greenroom", out) {
        Ok(written) => {
            eprintln!("greenroom: wrote {written} man pages to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("greenroom: {}: {err}", out.display());
            ExitCode::from(2)
        }
    }
}

/// Writes `name.1` for `command`, then a page for each subcommand, named after its path.
fn write_pages(command: clap::Command, name: &str, out: &Path) -> std::io::Result<usize> {
    let command = command.name(name.to_string());
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    std::fs::write(out.join(format!("{name}.1")), page)?;
    let mut written = 1;
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        written += write_pages(sub.clone(), &format!("{name}-{}", sub.get_name()), out)?;
    }
    Ok(written)
}
