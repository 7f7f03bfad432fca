//! `e`: the file behind what is selected, in the user's editor at its line. `$VISUAL`, else
//! `$EDITOR`, else `vi`; an editor named with arguments (`EDITOR="code --wait"`) keeps them. The
//! line goes the way each editor takes it: `+LINE FILE` for the vi family, nano, emacs, kak,
//! micro and helix; `--goto FILE:LINE` for VS Code; `FILE:LINE` for Sublime Text and Zed.
//!
//! The event loop hands the terminal over while the editor runs (`terminal::edit`) and reads the
//! catalog again when it returns.

use crate::catalog::entity::Entity;
use crate::catalog::problem::Problem;
use std::path::{Path, PathBuf};

/// What `e` opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditRequest {
    /// A local file, at a line (1-based).
    File { path: PathBuf, line: u32 },
    /// An entity that came from a server: its edit page in the browser, as Backstage's edit
    /// button opens it.
    Url(String),
}

/// Where an entity is edited: its file at its line, or for one read from a server its
/// `backstage.io/edit-url` (else `view-url`, else its source URL) in the browser.
pub fn for_entity(entity: &Entity) -> Result<EditRequest, String> {
    let location = &*entity.source.location;
    if !is_url(location) {
        return Ok(EditRequest::File {
            path: PathBuf::from(location),
            line: entity.source.pos.line,
        });
    }
    ["backstage.io/edit-url", "backstage.io/view-url"]
        .iter()
        .find_map(|key| entity.annotation(key).filter(|u| is_url(u)))
        .or(Some(location))
        .map(|url| EditRequest::Url(url.to_string()))
        .ok_or_else(|| format!("{}: no file or page to edit", entity.key()))
}

/// Where a problem is: its file at its line (a problem of a server's entity cannot be edited
/// here: its page is).
pub fn for_problem(problem: &Problem) -> Result<EditRequest, String> {
    match is_url(&problem.location) {
        false => Ok(EditRequest::File {
            path: PathBuf::from(&*problem.location),
            line: problem.pos.line,
        }),
        true => Ok(EditRequest::Url(problem.location.to_string())),
    }
}

/// A template form's field: the template's file at the line that declares the field (the
/// property's key under `parameters`), else at the template's first line.
pub fn for_template_field(template: &Entity, field_path: &str) -> Result<EditRequest, String> {
    let request = for_entity(template)?;
    let EditRequest::File { path, line } = request else {
        return Ok(request);
    };
    let name = field_path.rsplit('.').next().unwrap_or(field_path);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let declared = text
        .lines()
        .enumerate()
        .skip(line.saturating_sub(1) as usize)
        .skip_while(|(_, l)| l.trim_start() != "parameters:")
        .find(|(_, l)| {
            let key = l.trim_start().trim_start_matches("- ");
            key.strip_prefix(name)
                .or_else(|| key.strip_prefix(&format!("\"{name}\"")))
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|(n, _)| n as u32 + 1);
    Ok(EditRequest::File {
        path,
        line: declared.unwrap_or(line),
    })
}

fn is_url(text: &str) -> bool {
    text.starts_with("https://") || text.starts_with("http://")
}

/// The editor the user chose: `$VISUAL`, else `$EDITOR`, else `vi`.
pub fn chosen() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// The program and arguments that open `path` at `line` in `editor` (a command line, split as a
/// shell would split it).
pub fn command(editor: &str, path: &Path, line: u32) -> Result<(String, Vec<String>), String> {
    let mut words = split_words(editor)?;
    if words.is_empty() {
        return Err("the editor command is empty (set VISUAL or EDITOR)".into());
    }
    let program = words.remove(0);
    let file = path.display().to_string();
    let name = Path::new(&program)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name.trim_end_matches(".exe");
    let line = line.max(1);
    match name {
        "vi" | "vim" | "nvim" | "gvim" | "mvim" | "view" | "nano" | "emacs" | "emacsclient"
        | "kak" | "micro" | "hx" | "helix" => {
            words.push(format!("+{line}"));
            words.push(file);
        }
        "code" | "code-insiders" | "codium" | "vscodium" => {
            words.push("--goto".into());
            words.push(format!("{file}:{line}"));
        }
        "subl" | "sublime_text" | "zed" => words.push(format!("{file}:{line}")),
        // An editor we do not know: the file alone, so it opens rather than fails on a flag.
        _ => words.push(file),
    }
    Ok((program, words))
}

/// Splits a command line into words as a POSIX shell does for plain words, quotes and
/// backslashes (no variables, globs or substitutions).
fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err(format!("unclosed ' in the editor command {text:?}")),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => break,
                        },
                        Some(c) => w.push(c),
                        None => return Err(format!("unclosed \" in the editor command {text:?}")),
                    }
                }
            }
            '\\' => {
                if let Some(c) = chars.next() {
                    word.get_or_insert_with(String::new).push(c);
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(editor: &str) -> Vec<String> {
        let (program, mut args) = command(editor, Path::new("/c/catalog-info.yaml"), 12).unwrap();
        args.insert(0, program);
        args
    }

    #[test]
    fn each_editor_gets_the_line_its_way() {
        for vi_like in [
            "vi",
            "vim",
            "nvim",
            "nano",
            "emacs",
            "kak",
            "micro",
            "hx",
            "helix",
            "/usr/bin/vim",
        ] {
            assert_eq!(
                args(vi_like)[1..],
                ["+12", "/c/catalog-info.yaml"],
                "{vi_like}"
            );
        }
        assert_eq!(
            args("code --wait"),
            ["code", "--wait", "--goto", "/c/catalog-info.yaml:12"]
        );
        assert_eq!(
            args("codium"),
            ["codium", "--goto", "/c/catalog-info.yaml:12"]
        );
        assert_eq!(args("subl -w"), ["subl", "-w", "/c/catalog-info.yaml:12"]);
        assert_eq!(args("zed"), ["zed", "/c/catalog-info.yaml:12"]);
        assert_eq!(
            args("ed"),
            ["ed", "/c/catalog-info.yaml"],
            "unknown: the file alone"
        );
    }

    #[test]
    fn editor_commands_split_as_a_shell_would() {
        assert_eq!(
            args("'/opt/My Editor/bin/vim' -u \"NONE x\""),
            [
                "/opt/My Editor/bin/vim",
                "-u",
                "NONE x",
                "+12",
                "/c/catalog-info.yaml"
            ]
        );
        assert_eq!(args("emacsclient\\ -t")[0], "emacsclient -t");
        assert!(command("'vim", Path::new("f"), 1)
            .unwrap_err()
            .contains("unclosed '"));
        assert!(command("   ", Path::new("f"), 1)
            .unwrap_err()
            .contains("empty"));
        assert_eq!(
            command("vi", Path::new("f"), 0).unwrap().1,
            ["+1", "f"],
            "line 1 at least"
        );
    }
}
