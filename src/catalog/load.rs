//! Local sources: files and folders on disk, walked on every core, and the `Location` entities
//! in them followed to their targets.
//!
//! A folder is searched recursively for `catalog-info.yaml` (skipping `.git`, `node_modules` and
//! `target`, and not following symlinked folders, so a symlink loop cannot trap the walk). Each
//! `Location` adds its `target`/`targets`, relative to its own file, globs allowed. Files are read
//! once however many ways they are reached, so a Location cycle ends by itself. Folders that a
//! Template's `fetch:template`/`fetch:plain` steps copy from are skeletons, not catalog files: what
//! they hold is dropped, whatever `${{ }}` it contains.
//!
//! A folder the user names ([`Discover::Descriptors`]) also yields every other `*.yaml`/`*.yml`
//! whose documents carry a Backstage `apiVersion` (template collections name theirs
//! `template.yaml`), told by a look at the bytes, so Kubernetes manifests and workflows cost no
//! parse. A file reached by discovery or a Location that holds template syntax outside YAML
//! strings is a skeleton no loaded Template names: skipped (and counted), never an error.

use super::document::{read_file, FileContents, ReadEntity};
pub use super::file_read::{read_limited, MAX_FILE_BYTES};
use super::problem::{Problem, Severity};
use super::sniff;
use super::yaml::Pos;
use super::Catalog;
use rayon::prelude::*;
use rustc_hash::FxHashSet as HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// File names a folder walk picks up as catalog files.
pub const CATALOG_FILE_NAMES: [&str; 2] = ["catalog-info.yaml", "catalog-info.yml"];
const SKIPPED_DIRS: [&str; 3] = [".git", "node_modules", "target"];

/// A loaded catalog, and the paths the user named that could not be read at all.
pub struct Loaded {
    pub catalog: Catalog,
    pub unreadable: Vec<String>,
    /// Files found but skipped as Scaffolder skeletons.
    pub skipped: Vec<Skipped>,
}

/// What files and folders hold, before it becomes a catalog (to merge with other sources).
pub struct Read {
    pub entities: Vec<ReadEntity>,
    pub problems: Vec<Problem>,
    pub unreadable: Vec<String>,
    pub skipped: Vec<Skipped>,
}

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
#[derive(Clone, Copy, PartialEq)]
enum Reached {
    /// Named by the user: read as it is, whatever it holds.
    Named,
    /// Found by discovery or a Location: skipped when it is a skeleton.
    Found,
    /// Any YAML file of a named folder: only when it carries a Backstage `apiVersion`.
    Yaml,
}

/// Loads files and folders (named by the user) into one catalog.
pub fn load_paths(roots: &[PathBuf]) -> Loaded {
    let read = read_paths(roots, Discover::Descriptors);
    let catalog = Catalog::build(read.entities, read.problems);
    release_freed_memory();
    Loaded {
        catalog,
        unreadable: read.unreadable,
        skipped: read.skipped,
    }
}

/// Reads files and folders, following Locations: their entities and problems.
pub fn read_paths(roots: &[PathBuf], discover: Discover) -> Read {
    let mut unreadable = Vec::new();
    let walked = Walked::default();
    let mut queue = Vec::new();
    let mut allowed_dirs = Vec::new();
    let mut walked_dirs = Vec::new();
    for root in roots {
        let root = normalize(root);
        match std::fs::metadata(&root) {
            Ok(meta) if meta.is_dir() => {
                walked.walk(&root);
                allowed_dirs.push(root.clone());
                walked_dirs.push(root.clone());
            }
            Ok(_) => {
                allowed_dirs.push(normalize(root.parent().unwrap_or(Path::new("."))));
                queue.push((root.clone(), Reached::Named));
            }
            Err(err) => unreadable.push(format!("{}: {}", root.display(), io_message(&err))),
        }
    }
    let mut problems = std::mem::take(&mut *walked.problems.lock().unwrap());
    let catalog_files = std::mem::take(&mut *walked.catalog_files.lock().unwrap());
    let all_yaml = std::mem::take(&mut *walked.yaml_files.lock().unwrap());
    if discover == Discover::Descriptors {
        let names = CATALOG_FILE_NAMES.map(std::ffi::OsStr::new);
        queue.extend(
            all_yaml
                .iter()
                .filter(|p| !p.file_name().is_some_and(|n| names.contains(&n)))
                .map(|p| (p.clone(), Reached::Yaml)),
        );
    }
    queue.extend(catalog_files.into_iter().map(|p| (p, Reached::Found)));

    // Keyed by the path's bytes: paths are normalized, and hashing bytes is far cheaper than
    // hashing a Path component by component.
    let mut seen: HashSet<std::ffi::OsString> = HashSet::default();
    let mut files: Vec<(PathBuf, FileContents)> = Vec::new();
    let mut sniffed_skeletons = Vec::new();
    while !queue.is_empty() {
        queue.sort_unstable_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
        queue.dedup_by(|a, b| a.0 == b.0);
        queue.retain(|(p, _)| seen.insert(p.as_os_str().to_owned()));
        let read: Vec<(PathBuf, Outcome)> = queue
            .par_iter()
            .map(|(path, reached)| (path.clone(), read_path(path, *reached)))
            .collect();
        queue = Vec::new();
        let mut read: Vec<(PathBuf, FileContents)> = read
            .into_iter()
            .filter_map(|(path, outcome)| match outcome {
                Outcome::Read(contents) => Some((path, contents)),
                Outcome::Skeleton => {
                    sniffed_skeletons.push(path);
                    None
                }
                // A Location may still name it, and then it is read as Backstage would.
                Outcome::NotDescriptor => {
                    seen.remove(path.as_os_str());
                    None
                }
            })
            .collect();
        for (path, contents) in &read {
            for read in &contents.entities {
                if read.entity.is_kind("Location") {
                    let targets = location_targets(
                        path,
                        &read.entity,
                        &allowed_dirs,
                        &walked_dirs,
                        &all_yaml,
                    );
                    problems.extend(targets.problems);
                    queue.extend(
                        targets
                            .files
                            .into_iter()
                            .filter(|p| !seen.contains(p.as_os_str()))
                            .map(|p| (p, Reached::Found)),
                    );
                }
            }
        }
        files.append(&mut read);
    }
    let skeletons = skeleton_paths(&files);
    let mut entities = Vec::new();
    let mut skipped = Vec::new();
    files.sort_unstable_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    for (path, contents) in files {
        if let Some((_, template)) = skeletons.iter().find(|(s, _)| path.starts_with(s)) {
            skipped.push(Skipped {
                path,
                template: Some(template.clone()),
            });
            continue;
        }
        entities.extend(contents.entities);
        problems.extend(contents.problems);
    }
    for path in sniffed_skeletons {
        let template = skeletons
            .iter()
            .find(|(s, _)| path.starts_with(s))
            .map(|(_, t)| t.clone());
        skipped.push(Skipped { path, template });
    }
    skipped.sort_unstable_by(|a, b| a.path.as_os_str().cmp(b.path.as_os_str()));
    Read {
        entities,
        problems,
        unreadable,
        skipped,
    }
}

/// glibc keeps the memory of freed parse trees and replaced catalogs (at 100k entities, tens of
/// megabytes); give it back so the resident size is what the catalog really holds. On a thread of
/// its own: it takes a fifth of a second at 100k, and nobody needs to wait for it.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    std::thread::spawn(|| {
        // SAFETY: malloc_trim only returns free heap pages to the kernel; it touches no live memory.
        unsafe {
            libc::malloc_trim(0);
        }
    });
}

/// What became of a file read.
enum Outcome {
    Read(FileContents),
    /// A YAML file of a named folder without a Backstage `apiVersion`: not a catalog file.
    NotDescriptor,
    /// Template syntax outside YAML strings, in a file the user did not name.
    Skeleton,
}

fn read_path(path: &Path, reached: Reached) -> Outcome {
    let location: Arc<str> = path.display().to_string().into();
    let bytes = match read_limited(path) {
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

fn io_message(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ if err.raw_os_error() == Some(40) => {
            "too many levels of symbolic links (a symlink loop)".into()
        }
        _ => err.to_string(),
    }
}

/// What a folder walk found: catalog files to read, and every YAML file (for Location globs).
#[derive(Default)]
struct Walked {
    catalog_files: Mutex<Vec<PathBuf>>,
    yaml_files: Mutex<Vec<PathBuf>>,
    problems: Mutex<Vec<Problem>>,
}

impl Walked {
    fn walk(&self, root: &Path) {
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
        let (mut catalog, mut yaml) = (Vec::new(), Vec::new());
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
                let path = child(&dir, name);
                if CATALOG_FILE_NAMES.contains(&name) {
                    catalog.push(path.clone());
                }
                yaml.push(path);
            }
        }
        if !catalog.is_empty() {
            self.catalog_files.lock().unwrap().extend(catalog);
        }
        if !yaml.is_empty() {
            self.yaml_files.lock().unwrap().extend(yaml);
        }
    }
}

struct Targets {
    files: Vec<PathBuf>,
    problems: Vec<Problem>,
}

/// The local files a Location entity points at.
fn location_targets(
    file: &Path,
    location: &super::Entity,
    allowed: &[PathBuf],
    walked: &[PathBuf],
    all_yaml: &[PathBuf],
) -> Targets {
    let mut out = Targets {
        files: Vec::new(),
        problems: Vec::new(),
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
            let matched = glob_files(&text, walked, all_yaml);
            if matched.is_empty() {
                out.problems
                    .push(warn(format!("target {target} matches no file")));
            }
            out.files.extend(matched.into_iter().filter(|p| p != file));
        } else if path.is_file() {
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
fn skeleton_paths(files: &[(PathBuf, FileContents)]) -> Vec<(PathBuf, String)> {
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

    #[test]
    fn shared_skeletons_reached_with_dot_dot_are_not_catalog_files() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "templates/app/catalog-info.yaml",
            "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: app\nspec:\n  type: service\n  steps:\n    - id: ci\n      action: fetch:template\n      input:\n        url: ../../skeletons/ci/\n",
        );
        write(
            "skeletons/ci/catalog-info.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name | dump }}\nspec:\n  {% if values.x %}type: a{% endif %}\n",
        );
        let loaded = load_paths(&[dir.path().to_path_buf()]);
        let names: Vec<&str> = loaded.catalog.entities.iter().map(|e| e.name()).collect();
        assert_eq!(names, vec!["app"]);
        let about_skeleton = |p: &Problem| format!("{p:?}").contains("skeletons");
        assert!(
            !loaded.catalog.problems.iter().any(about_skeleton),
            "{:?}",
            loaded.catalog.problems
        );
    }
}
