//! Finding and reading catalog files: the folder walk (on every core), the files a `Location`
//! names (relative to its own file, globs allowed), and the folders Templates copy skeletons
//! from. [`super::tree::Tree`] puts these together into a source's files.

use super::document::{read_file, FileContents};
use super::file_read::read_limited;
use super::phases::{self, Work};
use super::problem::{Problem, Severity};
use super::sniff;
use super::yaml::Pos;
use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// File names a folder walk picks up as catalog files.
pub const CATALOG_FILE_NAMES: [&str; 2] = ["catalog-info.yaml", "catalog-info.yml"];
const SKIPPED_DIRS: [&str; 3] = [".git", "node_modules", "target"];

/// A file skipped as a template skeleton, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    pub path: PathBuf,
    /// The Template whose fetch step copies from the file's folder; `None` when no loaded
    /// Template names it and the file was told by its `${{ }}` / `{% %}`.
    pub template: Option<String>,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match &self.template {
            Some(template) => write!(
                f,
                "{}: skipped: a skeleton of {template}",
                self.path.display()
            ),
            None => write!(
                f,
                "{}: skipped: a template skeleton (${{{{ }}}} or {{% %}} outside YAML strings)",
                self.path.display()
            ),
        }
    }
}

/// Which files of a folder are catalog files.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Discover {
    /// `catalog-info.yaml` files (and what Locations name): a folder greenroom found by itself.
    CatalogFiles,
    /// Those, and every YAML file with a Backstage `apiVersion`: a folder the user named.
    Descriptors,
}

/// How a file came to be read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Reached {
    /// Named by the user: read as it is, whatever it holds.
    Named,
    /// Found by the folder walk: skipped when it is a skeleton.
    Found,
    /// Named by a Location's target: skipped when it is a skeleton.
    Target,
    /// Any YAML file of a named folder: only when it carries a Backstage `apiVersion`.
    Yaml,
}

/// What became of a file read.
pub(super) enum Outcome {
    Read(FileContents),
    /// A YAML file of a named folder without a Backstage `apiVersion`: not a catalog file.
    NotDescriptor,
    /// Template syntax outside YAML strings, in a file the user did not name.
    Skeleton,
}

pub(super) fn read_path(path: &Path, reached: Reached) -> Outcome {
    let location: Arc<str> = path.display().to_string().into();
    let bytes = match phases::time(Work::Read, || read_limited(path)) {
        // Unreadable YAML files a named folder happens to hold are not the catalog's business.
        Err(_) if reached == Reached::Yaml => return Outcome::NotDescriptor,
        Ok(bytes) if reached == Reached::Yaml && !sniff::has_backstage_api_version(&bytes) => {
            return Outcome::NotDescriptor
        }
        other => other,
    };
    Outcome::Read(match bytes {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) if reached != Reached::Named && sniff::is_skeleton(&text) => {
                return Outcome::Skeleton
            }
            Ok(text) => read_file(&location, &text),
            Err(err) => {
                let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|b| **b == b'\n').count() as u32 + 1;
                let col = valid.iter().rev().take_while(|b| **b != b'\n').count() as u32 + 1;
                let message = format!("file is not valid UTF-8 (byte {})", valid.len());
                FileContents {
                    syntax_error: true,
                    reads_files: false,
                    entities: Vec::new(),
                    problems: vec![Problem::new(
                        &location,
                        Pos { line, col },
                        Severity::Error,
                        message,
                    )],
                }
            }
        },
        Err(err) => FileContents {
            syntax_error: false,
            reads_files: false,
            entities: Vec::new(),
            problems: vec![Problem::new(
                &location,
                Pos { line: 1, col: 1 },
                Severity::Error,
                format!("cannot read: {}", io_message(&err)),
            )],
        },
    })
}

/// How a walk reaches a YAML file by its name: a catalog file always, any other only when
/// descriptors are looked for.
pub(super) fn reached_by_name(path: &Path, discover: Discover) -> Option<Reached> {
    let name = path.file_name()?.to_str()?;
    match (CATALOG_FILE_NAMES.contains(&name), discover) {
        (true, _) => Some(Reached::Found),
        (false, Discover::Descriptors) => Some(Reached::Yaml),
        (false, Discover::CatalogFiles) => None,
    }
}

/// A file's size and time (nanoseconds since the epoch), in 16 bytes: an i128 would align each
/// file of the tree to 16 (4 MB more at 57k files); nanoseconds fit an i64 until 2262.
pub(super) type Stamp = (u64, i64);

pub(super) fn stamp(path: &Path) -> Stamp {
    let (len, time) = super::file_read::stamp(path);
    (len, time as i64)
}

/// Reads a file, stamped before it is read (a change while it is read shows at the next look).
pub(super) fn read_stamped(path: &Path, reached: Reached) -> (PathBuf, Reached, Stamp, Outcome) {
    let stamp = stamp(path);
    (path.to_path_buf(), reached, stamp, read_path(path, reached))
}

pub(super) fn io_message(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ if err.raw_os_error() == Some(40) => {
            "too many levels of symbolic links (a symlink loop)".into()
        }
        _ => err.to_string(),
    }
}

/// What a folder walk found and read: each catalog file (and with [`Discover::Descriptors`] each
/// other YAML file) is read on the core that found it, as soon as it is found, so reading and
/// parsing overlap the walk instead of waiting for its end (the walk is a third of a cold load
/// on a slow file system). Every YAML file is listed too, for Location globs.
pub(super) struct Walked {
    discover: Discover,
    /// Whether the walk reads what it finds (a first read) or only lists it (looking for files
    /// that appeared since).
    reads: bool,
    pub(super) read: Mutex<Vec<(PathBuf, Reached, Stamp, Outcome)>>,
    pub(super) yaml_files: Mutex<Vec<PathBuf>>,
    pub(super) problems: Mutex<Vec<Problem>>,
}

impl Walked {
    /// A walk that reads the files it finds.
    pub(super) fn new(discover: Discover) -> Walked {
        Walked {
            discover,
            reads: true,
            read: Mutex::default(),
            yaml_files: Mutex::default(),
            problems: Mutex::default(),
        }
    }

    /// A walk that only lists the YAML files it finds.
    pub(super) fn listing(discover: Discover) -> Walked {
        Walked {
            reads: false,
            ..Walked::new(discover)
        }
    }

    /// The files listed that a read would take.
    pub(super) fn readable(&self) -> Vec<PathBuf> {
        let mut listed = std::mem::take(&mut *self.yaml_files.lock().unwrap());
        listed.retain(|path| reached_by_name(path, self.discover).is_some());
        listed
    }

    pub(super) fn walk(&self, root: &Path) {
        rayon::scope(|scope| self.walk_dir(root.to_path_buf(), scope));
    }

    fn walk_dir<'a>(&'a self, dir: PathBuf, scope: &rayon::Scope<'a>) {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) => {
                let location: Arc<str> = dir.display().to_string().into();
                let message = format!("cannot read folder: {}", io_message(&err));
                self.problems.lock().unwrap().push(Problem::new(
                    &location,
                    Pos { line: 1, col: 1 },
                    Severity::Warning,
                    message,
                ));
                return;
            }
        };
        let mut yaml = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                if !SKIPPED_DIRS.contains(&name) {
                    let sub = child(&dir, name);
                    scope.spawn(move |scope| self.walk_dir(sub, scope));
                }
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                yaml.push(child(&dir, name));
            }
        }
        if yaml.is_empty() {
            return;
        }
        if !self.reads {
            self.yaml_files.lock().unwrap().extend(yaml);
            return;
        }
        // Read after the subfolders were handed out, so the other cores walk meanwhile.
        let read: Vec<(PathBuf, Reached, Stamp, Outcome)> = yaml
            .iter()
            .filter_map(|path| Some(read_stamped(path, reached_by_name(path, self.discover)?)))
            .collect();
        if !read.is_empty() {
            self.read.lock().unwrap().extend(read);
        }
        self.yaml_files.lock().unwrap().extend(yaml);
    }
}

pub(super) struct Targets {
    pub(super) files: Vec<PathBuf>,
    pub(super) problems: Vec<Problem>,
    /// Some target is a glob (so a file created later may be a target too).
    pub(super) globbed: bool,
    /// The files named as they are (not by a glob): when one is gone, the Location says so.
    pub(super) named: Vec<PathBuf>,
}

/// The local files a Location entity points at.
pub(super) fn location_targets(
    file: &Path,
    location: &super::Entity,
    allowed: &[PathBuf],
    walked: &[PathBuf],
    all_yaml: &[PathBuf],
) -> Targets {
    let mut out = Targets {
        files: Vec::new(),
        problems: Vec::new(),
        globbed: false,
        named: Vec::new(),
    };
    let loc: Arc<str> = file.display().to_string().into();
    let pos = location.source.pos;
    let kind = location.spec_str("type").unwrap_or("url");
    let mut targets: Vec<&str> = location
        .spec
        .get("targets")
        .map(|t| t.strings())
        .unwrap_or_default();
    targets.extend(location.spec_str("target"));
    let dir = file.parent().unwrap_or(Path::new(""));
    for target in targets {
        let warn = |message: String| Problem::new(&loc, pos, Severity::Warning, message);
        if kind != "url" && kind != "file" {
            out.problems.push(warn(format!(
                "Location type \"{kind}\" is not read from files; target {target} not followed"
            )));
            continue;
        }
        if target.contains("://") {
            out.problems.push(warn(format!("remote target {target} is not read by a file source; add it as a source in config.toml")));
            continue;
        }
        let path = normalize(&dir.join(target.strip_prefix("file:").unwrap_or(target)));
        if !allowed.iter().any(|root| is_within(&path, root)) {
            out.problems.push(warn(format!(
                "target {target} points outside the catalog folder; not followed"
            )));
            continue;
        }
        if path == file {
            out.problems.push(warn(format!(
                "target {target} is this Location's own file; not followed"
            )));
            continue;
        }
        let text = path.to_string_lossy();
        if text.contains(['*', '?', '[']) {
            out.globbed = true;
            let matched = glob_files(&text, walked, all_yaml);
            if matched.is_empty() {
                out.problems
                    .push(warn(format!("target {target} matches no file")));
            }
            out.files.extend(matched.into_iter().filter(|p| p != file));
        } else if path.is_file() {
            out.named.push(path.clone());
            out.files.push(path);
        } else {
            out.problems.push(warn(format!(
                "target {target} does not exist ({})",
                path.display()
            )));
        }
    }
    out
}

/// A file a Location names, read whatever it holds (for callers that follow Locations one by one:
/// app-config locations, whose rules apply per Location).
pub fn read_target(path: &Path) -> FileContents {
    match read_path(path, Reached::Named) {
        Outcome::Read(contents) => contents,
        Outcome::NotDescriptor | Outcome::Skeleton => unreachable!("a named file is always read"),
    }
}

/// The files a Location entity read from an absolute `file` names (relative to it, globs
/// allowed, anywhere on the file system as Backstage's file locations), and the problems with
/// its targets.
pub fn location_files(file: &Path, location: &super::Entity) -> (Vec<PathBuf>, Vec<Problem>) {
    let targets = location_targets(file, location, &[PathBuf::from("/")], &[], &[]);
    (targets.files, targets.problems)
}

/// Files a glob matches: from the walk's list when the walk covered the glob's folder (the file
/// system on big trees is slow to walk twice), else from the file system.
fn glob_files(pattern: &str, walked: &[PathBuf], all_yaml: &[PathBuf]) -> Vec<PathBuf> {
    let Ok(compiled) = glob::Pattern::new(pattern) else {
        return Vec::new();
    };
    let options = glob::MatchOptions {
        require_literal_separator: true,
        ..Default::default()
    };
    let base: PathBuf = Path::new(pattern)
        .components()
        .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
        .collect();
    if walked.iter().any(|root| is_within(&base, root)) {
        let base = base.as_os_str().as_encoded_bytes();
        let mut files: Vec<PathBuf> = all_yaml
            .par_iter()
            .filter(|p| {
                p.as_os_str().as_encoded_bytes().starts_with(base)
                    && compiled.matches_path_with(p, options)
            })
            .cloned()
            .collect();
        files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        return files;
    }
    glob::glob_with(pattern, options)
        .map(|paths| {
            paths
                .flatten()
                .filter(|p| p.is_file())
                .map(|p| normalize(&p))
                .collect()
        })
        .unwrap_or_default()
}

/// Folders and files that Templates copy from (`fetch:template`, `fetch:plain`, `fetch:plain:file`
/// with a relative `url`): skeletons, whose catalog files are not entities.
/// Each with the Template's reference. A `../` url may name a folder shared by several
/// templates (at the repository's root, say).
pub(super) fn skeleton_paths(files: &[(&Path, &FileContents)]) -> Vec<(PathBuf, String)> {
    let mut skeletons = Vec::new();
    for (path, contents) in files {
        let dir = path.parent().unwrap_or(Path::new(""));
        for read in contents
            .entities
            .iter()
            .filter(|r| r.entity.is_kind("Template"))
        {
            for step in read
                .entity
                .spec
                .get("steps")
                .map(|s| s.as_seq())
                .unwrap_or_default()
            {
                let action = step.str_at("action").unwrap_or_default();
                if !matches!(
                    action,
                    "fetch:template" | "fetch:template:file" | "fetch:plain" | "fetch:plain:file"
                ) {
                    continue;
                }
                let Some(url) = step.get("input").and_then(|i| i.str_at("url")) else {
                    continue;
                };
                if !url.contains("://") && !url.contains("${{") {
                    skeletons.push((normalize(&dir.join(url)), read.entity.key()));
                }
            }
        }
    }
    skeletons
}

/// Resolves `.` and `..` without touching the file system, so paths compare as the user wrote
/// them; the current folder is `.`, and paths below it have no `./` prefix.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let at_relative_start = out.as_os_str().is_empty() || out.ends_with("..");
                if at_relative_start && !path.is_absolute() {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

fn child(dir: &Path, name: &str) -> PathBuf {
    if dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

/// Whether a normalized path lies in a normalized folder (`.` holds every relative path that does
/// not climb out of it).
pub(crate) fn is_within(path: &Path, dir: &Path) -> bool {
    if dir == Path::new(".") {
        path.is_relative() && !path.starts_with("..")
    } else {
        path.starts_with(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_paths_comparable() {
        assert_eq!(normalize(Path::new("./a/../b/./c")), PathBuf::from("b/c"));
        assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
        assert_eq!(normalize(Path::new("/a/b/../../..")), PathBuf::from("/"));
        assert_eq!(normalize(Path::new("./")), PathBuf::from("."));
        assert!(is_within(Path::new("a/b"), Path::new(".")));
        assert!(!is_within(Path::new("../b"), Path::new(".")));
    }
}
