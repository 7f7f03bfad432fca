//! A local source's files, each with what it gave, kept so that a save re-reads only the files
//! that changed ([`Tree::update`]) and the catalog is rebuilt from the rest as they were.
//!
//! What a cold read gives is the rule: an update that cannot be sure to give the same answer
//! says so ([`NeedsFullRead`]) and the caller reads everything again. That is the case when a
//! changed file holds (or held) a `Location` or a `Template` (their targets and skeleton folders
//! decide which other files are read), when a file a Location names is gone (the Location says
//! so), when a folder appears or vanishes, and when a new file could match a Location's glob.
//!
//! One rule differs on purpose: a file that no longer parses as YAML (an editor half-way through a
//! save, or a typo) keeps the entities of its last good version, each marked with a warning, until
//! it parses again; a cold read has no last good version and shows only the error.

use super::document::{FileContents, ReadEntity};
use super::phases;
use super::problem::{Problem, Severity};
use super::walk::{
    is_within, location_targets, normalize, reached_by_name, read_path, read_stamped,
    skeleton_paths, stamp, Discover, Outcome, Reached, Skipped, Stamp, Walked,
};
use rayon::prelude::*;
use rustc_hash::FxHashSet as HashSet;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What files and folders hold, before it becomes a catalog (to merge with other sources).
pub struct Read {
    pub entities: Vec<ReadEntity>,
    pub problems: Vec<Problem>,
    pub unreadable: Vec<String>,
    pub skipped: Vec<Skipped>,
}

/// Why [`Tree::update`] could not apply a change by itself (the caller reads everything again).
#[derive(Debug, PartialEq)]
pub struct NeedsFullRead(pub String);

/// The files of a local source (the paths a user named, walked and followed through Locations).
pub struct Tree {
    discover: Discover,
    /// Named folders: where new files are looked for.
    walked: Vec<PathBuf>,
    /// Keyed by the path's bytes, which is the order a cold read puts the entities in (and so
    /// decides which of two duplicates is kept).
    files: BTreeMap<OsString, File>,
    /// The walk's and the Locations' problems (unreadable folders, targets that do not exist).
    problems: Vec<Problem>,
    unreadable: Vec<String>,
    skipped: Vec<Skipped>,
    /// Folders Templates copy skeletons from, and files skipped as skeletons by their syntax.
    skeleton_dirs: Vec<PathBuf>,
    /// Some Location has a glob target: a new file may be one of its targets.
    globs: bool,
    /// Files a Location names without a glob, however else they were found.
    named_targets: HashSet<OsString>,
    /// When the walk began (nanoseconds since the epoch): a file or folder not changed since
    /// was seen by it.
    walked_at: i64,
}

struct File {
    reached: Reached,
    /// Its size and time before it was read.
    stamp: Stamp,
    contents: FileContents,
    /// The entities of the last version that parsed, shown while this one does not.
    last_good: Option<Vec<ReadEntity>>,
}

impl File {
    fn entities(&self) -> &[ReadEntity] {
        self.last_good.as_deref().unwrap_or(&self.contents.entities)
    }

    /// Whether the file decides which other files are read.
    fn steers_reading(&self) -> bool {
        steers_reading(self.entities()) || steers_reading(&self.contents.entities)
    }
}

fn steers_reading(entities: &[ReadEntity]) -> bool {
    entities
        .iter()
        .any(|r| r.entity.is_kind("Location") || r.entity.is_kind("Template"))
}

impl Tree {
    /// Reads files and folders, following Locations.
    pub fn read(roots: &[PathBuf], discover: Discover) -> Tree {
        // A second early: file times come from a clock coarser than this one.
        let walked_at = now() - 1_000_000_000;
        let mut unreadable = Vec::new();
        let walked = Walked::new(discover);
        let mut named = Vec::new();
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
                    named.push((root.clone(), Reached::Named));
                }
                Err(err) => unreadable.push(format!(
                    "{}: {}",
                    root.display(),
                    super::walk::io_message(&err)
                )),
            }
        }
        phases::mark("walk, read+parse+validate found files");
        let mut problems = std::mem::take(&mut *walked.problems.lock().unwrap());
        let all_yaml = std::mem::take(&mut *walked.yaml_files.lock().unwrap());
        let mut read = std::mem::take(&mut *walked.read.lock().unwrap());
        read.par_extend(
            named
                .par_iter()
                .map(|(path, reached)| read_stamped(path, *reached)),
        );
        // A file reached twice (named, and in a named folder; or under two named folders) is
        // read once as named, else as found.
        read.sort_unstable_by(|a, b| {
            (a.0.as_os_str(), a.1 != Reached::Named).cmp(&(b.0.as_os_str(), b.1 != Reached::Named))
        });
        read.dedup_by(|a, b| a.0 == b.0);

        // Keyed by the path's bytes: paths are normalized, and hashing bytes is far cheaper than
        // hashing a Path component by component.
        let mut seen: HashSet<OsString> = read.iter().map(|r| r.0.as_os_str().to_owned()).collect();
        let mut files: Vec<(PathBuf, Reached, Stamp, FileContents)> = Vec::new();
        let mut sniffed_skeletons = Vec::new();
        let mut globs = false;
        let mut named_targets = HashSet::default();
        // Each round reads what the last one's Locations name and no round read yet.
        loop {
            let mut queue = Vec::new();
            let mut read_now: Vec<(PathBuf, Reached, Stamp, FileContents)> = read
                .into_iter()
                .filter_map(|(path, reached, stamp, outcome)| match outcome {
                    Outcome::Read(contents) => Some((path, reached, stamp, contents)),
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
            for (path, _, _, contents) in &read_now {
                for read in &contents.entities {
                    if read.entity.is_kind("Location") {
                        let targets = location_targets(
                            path,
                            &read.entity,
                            &allowed_dirs,
                            &walked_dirs,
                            &all_yaml,
                        );
                        globs |= targets.globbed;
                        named_targets
                            .extend(targets.named.into_iter().map(PathBuf::into_os_string));
                        problems.extend(targets.problems);
                        queue.extend(
                            targets
                                .files
                                .into_iter()
                                .filter(|p| !seen.contains(p.as_os_str()))
                                .map(|p| (p, Reached::Target)),
                        );
                    }
                }
            }
            files.append(&mut read_now);
            if queue.is_empty() {
                break;
            }
            queue.sort_unstable_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
            queue.dedup_by(|a, b| a.0 == b.0);
            queue.retain(|(p, _)| seen.insert(p.as_os_str().to_owned()));
            read = queue
                .par_iter()
                .map(|(path, reached)| read_stamped(path, *reached))
                .collect();
        }
        phases::mark("files Locations name");
        let skeletons = {
            let by_path: Vec<(&Path, &FileContents)> =
                files.iter().map(|(p, _, _, c)| (p.as_path(), c)).collect();
            skeleton_paths(&by_path)
        };
        // Built from the whole list at once: its nodes come out full, where inserting the paths
        // in order leaves each half empty (7 MB more at 57k files).
        let mut kept = Vec::with_capacity(files.len());
        let mut skipped = Vec::new();
        for (path, reached, stamp, contents) in files {
            if let Some((_, template)) = skeletons.iter().find(|(s, _)| path.starts_with(s)) {
                skipped.push(Skipped {
                    path,
                    template: Some(template.clone()),
                });
                continue;
            }
            let file = File {
                reached,
                stamp,
                contents,
                last_good: None,
            };
            kept.push((path.into_os_string(), file));
        }
        let kept: BTreeMap<OsString, File> = kept.into_iter().collect();
        let mut skeleton_dirs: Vec<PathBuf> = skeletons.iter().map(|(s, _)| s.clone()).collect();
        for path in sniffed_skeletons {
            let template = skeletons
                .iter()
                .find(|(s, _)| path.starts_with(s))
                .map(|(_, t)| t.clone());
            skeleton_dirs.push(path.clone());
            skipped.push(Skipped { path, template });
        }
        skipped.sort_unstable_by(|a, b| a.path.as_os_str().cmp(b.path.as_os_str()));
        phases::mark("skeletons, files kept");
        Tree {
            discover,
            walked: walked_dirs,
            files: kept,
            problems,
            unreadable,
            skipped,
            skeleton_dirs,
            globs,
            named_targets,
            walked_at,
        }
    }

    /// What a full read would find changed since this tree's: every file whose size or time
    /// changed or that is gone, every file whose placeholders read other files (those are not
    /// stamped), and the files the folder walk finds that the tree does not hold, when they or
    /// their folder changed since the last walk. For [`Tree::update`], which says when those
    /// cannot stand for a full read; here, so does a walk or a first read that met a problem,
    /// and a Location's glob that reaches outside the walked folders (no walk sees its new files).
    pub fn changed_on_disk(&self) -> Result<Vec<PathBuf>, NeedsFullRead> {
        let full = |why: String| Err(NeedsFullRead(why));
        if let Some(unreadable) = self.unreadable.first() {
            return full(unreadable.clone());
        }
        let outside = |path: &OsString| {
            !self
                .walked
                .iter()
                .any(|root| is_within(Path::new(path), root))
        };
        if self.globs
            && self
                .files
                .iter()
                .any(|(path, file)| file.reached == Reached::Target && outside(path))
        {
            return full("a Location's glob reaches outside the folders walked".into());
        }
        let walked = Walked::listing(self.discover);
        for root in &self.walked {
            walked.walk(root);
        }
        if let Some(problem) = walked.problems.lock().unwrap().first() {
            return full(problem.to_string());
        }
        let found = walked.readable();
        let held: Vec<(&OsString, &File)> = self.files.iter().collect();
        let mut changed: Vec<PathBuf> = held
            .par_iter()
            .filter(|(path, file)| {
                file.contents.reads_files || stamp(Path::new(path)) != file.stamp
            })
            .map(|(path, _)| PathBuf::from(path))
            .collect();
        let since = |path: &Path| stamp(path).1 >= self.walked_at;
        changed.par_extend(found.into_par_iter().filter(|path| {
            !self.files.contains_key(path.as_os_str())
                && (since(path) || since(path.parent().unwrap_or(Path::new("."))))
        }));
        changed.sort_unstable();
        changed.dedup();
        Ok(changed)
    }

    /// Every entity and problem, in the order a cold read gives them (each file in path order).
    pub fn contents(&self) -> Read {
        let mut entities = Vec::new();
        let mut problems = self.problems.clone();
        for (path, file) in &self.files {
            entities.extend(file.entities().iter().cloned());
            problems.extend(file.contents.problems.iter().cloned());
            if let Some(last_good) = &file.last_good {
                problems.extend(last_good_warnings(Path::new(path), last_good));
            }
        }
        Read {
            entities,
            problems,
            unreadable: self.unreadable.clone(),
            skipped: self.skipped.clone(),
        }
    }

    /// Whether `path` (as a watcher reports it) is one this tree reads or may read.
    pub fn covers(&self, path: &Path) -> bool {
        let path = self.local(path);
        self.files.contains_key(path.as_os_str())
            || self.walked.iter().any(|root| is_within(&path, root))
    }

    /// `path` as this tree writes its paths: a watcher reports absolute paths for folders named
    /// relative to the current one.
    fn local(&self, path: &Path) -> PathBuf {
        let path = normalize(path);
        let relative_tree = self.walked.iter().any(|root| root.is_relative())
            || self
                .files
                .keys()
                .next()
                .is_some_and(|k| Path::new(k).is_relative());
        if !path.is_absolute() || !relative_tree {
            return path;
        }
        let Ok(cwd) = std::env::current_dir() else {
            return path;
        };
        let canonical = cwd.canonicalize().unwrap_or_else(|_| cwd.clone());
        match path
            .strip_prefix(&cwd)
            .or_else(|_| path.strip_prefix(&canonical))
        {
            Ok(inside) => normalize(inside),
            Err(_) => path,
        }
    }

    /// Re-reads the files that changed (edited, created, deleted or renamed), keeping what every
    /// other file gave. Returns how many files were read again, or why everything must be.
    pub fn update(&mut self, changed: &[PathBuf]) -> Result<usize, NeedsFullRead> {
        let mut plan: Vec<(PathBuf, Option<Reached>)> = Vec::new();
        for path in changed {
            let path = self.local(path);
            let full = |why: &str| Err(NeedsFullRead(format!("{}: {why}", path.display())));
            if self.skeleton_dirs.iter().any(|dir| path.starts_with(dir)) {
                return full("in a template's skeleton folder");
            }
            let meta = std::fs::metadata(&path).ok();
            if meta.as_ref().is_some_and(|m| m.is_dir()) {
                return full("a folder appeared or moved");
            }
            match self.files.get(path.as_os_str()) {
                Some(_) if meta.is_none() && self.named_targets.contains(path.as_os_str()) => {
                    return full("a file a Location names is gone")
                }
                Some(file) if file.reached == Reached::Named && meta.is_none() => {
                    return full("a file named on the command line is gone")
                }
                Some(file) if file.steers_reading() => {
                    return full("it holds a Location or a Template")
                }
                Some(file) => plan.push((path, meta.map(|_| file.reached))),
                None if meta.is_none() => {
                    // A folder that vanished looks like a file that is gone: its files are ours.
                    let prefix = path.as_os_str().as_encoded_bytes();
                    let inside = self.files.keys().any(|k| {
                        let k = k.as_encoded_bytes();
                        k.len() > prefix.len() && k.starts_with(prefix) && k[prefix.len()] == b'/'
                    });
                    if inside {
                        return full("a folder was removed or renamed");
                    }
                }
                None => {
                    if !self.walked.iter().any(|root| is_within(&path, root)) {
                        continue;
                    }
                    if self.globs {
                        return full("a new file may be a Location's target");
                    }
                    let Some(reached) = reached_by_name(&path, self.discover) else {
                        continue;
                    };
                    plan.push((path, Some(reached)));
                }
            }
        }
        let read: Vec<(PathBuf, Stamp, Option<Outcome>, Option<Reached>)> = plan
            .into_par_iter()
            .map(|(path, reached)| {
                let stamp = stamp(&path);
                let outcome = reached.map(|r| read_path(&path, r));
                (path, stamp, outcome, reached)
            })
            .collect();
        let count = read.len();
        for (path, stamp, outcome, reached) in read {
            let key = path.into_os_string();
            match (outcome, reached) {
                (Some(Outcome::Read(contents)), Some(reached)) => {
                    if steers_reading(&contents.entities) {
                        return Err(NeedsFullRead(format!(
                            "{}: it now holds a Location or a Template",
                            Path::new(&key).display()
                        )));
                    }
                    let previous = self.files.remove(&key);
                    let last_good = match previous {
                        Some(old) if contents.syntax_error => match old.last_good {
                            Some(kept) => Some(kept),
                            None if !old.contents.entities.is_empty() => {
                                Some(old.contents.entities)
                            }
                            None => None,
                        },
                        _ => None,
                    };
                    self.files.insert(
                        key,
                        File {
                            reached,
                            stamp,
                            contents,
                            last_good,
                        },
                    );
                }
                (Some(Outcome::Skeleton), _) => {
                    return Err(NeedsFullRead(format!(
                        "{}: it now holds template syntax",
                        Path::new(&key).display()
                    )))
                }
                // Gone, or no longer a Backstage descriptor.
                _ => {
                    self.files.remove(&key);
                }
            }
        }
        Ok(count)
    }
}

impl Drop for Tree {
    /// At 100k entities the files' map is tens of thousands of paths and entity lists: freed on a
    /// thread of its own, so a command does not wait for it before printing (and a process that
    /// exits meanwhile never pays for it), nor a reload in the TUI.
    fn drop(&mut self) {
        super::memory::drop_and_release(std::mem::take(&mut self.files));
    }
}

/// Now, in nanoseconds since the epoch, as file times are stamped.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Marks the entities of a file that does not parse now, shown from its last good version.
fn last_good_warnings<'a>(
    path: &'a Path,
    entities: &'a [ReadEntity],
) -> impl Iterator<Item = Problem> + 'a {
    let location: Arc<str> = path.display().to_string().into();
    entities.iter().map(move |read| {
        let mut problem = Problem::new(
            &location,
            read.entity.source.pos,
            Severity::Warning,
            format!(
                "showing the last good version of {}: the file does not parse now",
                location
            ),
        );
        problem.entity = Some(read.entity.key());
        problem
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn component(name: &str, owner: &str) -> String {
        format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n")
    }

    fn group(name: &str) -> String {
        format!("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\nspec:\n  type: team\n  children: []\n")
    }

    /// What a catalog says, comparable: entities in order, problems, relations by key.
    fn summary(catalog: &Catalog) -> (Vec<String>, Vec<String>, Vec<String>) {
        let entities = catalog.entities.iter().map(|e| e.key()).collect();
        let problems = catalog.problems.iter().map(|p| p.to_string()).collect();
        let mut relations = Vec::new();
        for id in 0..catalog.len() as u32 {
            for r in catalog.relations(id) {
                relations.push(format!(
                    "{} {} {}",
                    catalog.entity(id).key(),
                    r.kind.name(),
                    catalog.target_ref(r.target).key()
                ));
            }
        }
        (entities, problems, relations)
    }

    fn built(tree: &Tree) -> Catalog {
        let read = tree.contents();
        Catalog::build(read.entities, read.problems)
    }

    /// Applies `change` to the files, tells the tree, and checks it agrees with a cold read.
    fn step(tree: &mut Tree, root: &Path, changed: &[&str], change: impl FnOnce()) -> usize {
        change();
        let paths: Vec<PathBuf> = changed.iter().map(|p| root.join(p)).collect();
        let read = tree.update(&paths).expect("an update of its own");
        let cold = Tree::read(&[root.to_path_buf()], Discover::Descriptors);
        assert_eq!(summary(&built(tree)), summary(&built(&cold)));
        read
    }

    /// Writes a file under `root`, making its folders.
    fn writer(root: &Path) -> impl Fn(&str, &str) + '_ {
        move |rel, text| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    #[test]
    fn edits_creations_deletions_and_renames_give_what_a_cold_read_gives() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let write = writer(&root);
        write("team/catalog-info.yaml", &group("payments"));
        write("a/catalog-info.yaml", &component("a", "payments"));
        write("b/catalog-info.yaml", &component("b", "nobody"));
        write("a/notes.yaml", "just: data\n");
        let mut tree = Tree::read(&[root.clone()], Discover::Descriptors);
        assert_eq!(built(&tree).len(), 3);

        // An edit that fixes a dangling owner, and one that breaks one.
        let read = step(&mut tree, &root, &["b/catalog-info.yaml"], || {
            write("b/catalog-info.yaml", &component("b", "payments"))
        });
        assert_eq!(read, 1);
        step(&mut tree, &root, &["team/catalog-info.yaml"], || {
            write("team/catalog-info.yaml", &group("platform"))
        });
        // A new file, a duplicate of an existing entity (the first in path order is kept).
        step(&mut tree, &root, &["0/catalog-info.yaml"], || {
            write("0/catalog-info.yaml", &component("a", "platform"))
        });
        // A YAML file of the folder that becomes a descriptor, then stops being one.
        step(&mut tree, &root, &["a/notes.yaml"], || {
            write("a/notes.yaml", &component("notes", "platform"))
        });
        step(&mut tree, &root, &["a/notes.yaml"], || {
            write("a/notes.yaml", "just: data\n")
        });
        // Deleted, and an editor's safe write (a new file renamed over the old).
        step(&mut tree, &root, &["0/catalog-info.yaml"], || {
            std::fs::remove_file(root.join("0/catalog-info.yaml")).unwrap()
        });
        step(
            &mut tree,
            &root,
            &["a/catalog-info.yaml", "a/.catalog-info.yaml.tmp"],
            || {
                write("a/.catalog-info.yaml.tmp", &component("a2", "platform"));
                std::fs::rename(
                    root.join("a/.catalog-info.yaml.tmp"),
                    root.join("a/catalog-info.yaml"),
                )
                .unwrap();
            },
        );
        // A file renamed to another name: two paths, one gone, one new.
        step(
            &mut tree,
            &root,
            &["b/catalog-info.yaml", "b/component.yaml"],
            || {
                std::fs::rename(
                    root.join("b/catalog-info.yaml"),
                    root.join("b/component.yaml"),
                )
                .unwrap()
            },
        );
        let keys = summary(&built(&tree)).0;
        assert_eq!(
            keys,
            [
                "component:default/a2",
                "component:default/b",
                "group:default/platform"
            ]
        );
    }

    #[test]
    fn a_refresh_finds_what_changed_on_disk_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let write = writer(&root);
        write("team/catalog-info.yaml", &group("payments"));
        write("a/catalog-info.yaml", &component("a", "payments"));
        write("b/catalog-info.yaml", &component("b", "payments"));
        write(
            "docs/catalog-info.yaml",
            &component("docs", "payments").replace("spec:\n", "spec:\n  x: {$text: ./notes.txt}\n"),
        );
        write("docs/notes.txt", "read by a placeholder");
        let changed = |tree: &Tree| -> Vec<PathBuf> {
            let mut paths = tree.changed_on_disk().unwrap();
            paths
                .iter_mut()
                .for_each(|p| *p = p.strip_prefix(&root).unwrap().to_path_buf());
            paths
        };
        // Only the file whose placeholder reads another (its target is not stamped), and the
        // files written within the last second (file times are coarse).
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let mut tree = Tree::read(&[root.clone()], Discover::Descriptors);
        assert_eq!(changed(&tree), [PathBuf::from("docs/catalog-info.yaml")]);

        write("a/catalog-info.yaml", &component("a", "nobody"));
        write("c/catalog-info.yaml", &component("c", "payments"));
        std::fs::remove_file(root.join("b/catalog-info.yaml")).unwrap();
        let found = changed(&tree);
        assert_eq!(
            found,
            [
                "a/catalog-info.yaml",
                "b/catalog-info.yaml",
                "c/catalog-info.yaml",
                "docs/catalog-info.yaml"
            ]
            .map(PathBuf::from)
        );
        let paths: Vec<PathBuf> = found.iter().map(|p| root.join(p)).collect();
        tree.update(&paths).unwrap();
        let cold = Tree::read(&[root.clone()], Discover::Descriptors);
        assert_eq!(summary(&built(&tree)), summary(&built(&cold)));
    }

    #[test]
    fn a_half_written_file_keeps_its_last_good_entities_marked_until_it_parses() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let file = root.join("catalog-info.yaml");
        std::fs::write(&file, component("web", "team")).unwrap();
        let mut tree = Tree::read(&[root.clone()], Discover::Descriptors);

        std::fs::write(
            &file,
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: [\n",
        )
        .unwrap();
        tree.update(std::slice::from_ref(&file)).unwrap();
        let catalog = built(&tree);
        assert_eq!(catalog.len(), 1, "the last good version stays");
        let web = catalog.get("component:default/web").unwrap();
        let marks: Vec<String> = catalog
            .problems_of(web)
            .iter()
            .map(|p| p.message.clone())
            .collect();
        assert!(
            marks
                .iter()
                .any(|m| m.starts_with("showing the last good version of")),
            "{marks:?}"
        );
        assert!(catalog.error_count() >= 1, "and the YAML error is shown");

        // Still broken: still the last good version, not nothing.
        std::fs::write(&file, "kind: [\n").unwrap();
        tree.update(std::slice::from_ref(&file)).unwrap();
        assert_eq!(built(&tree).len(), 1);

        // Fixed: the new version, no marks.
        std::fs::write(&file, component("web2", "team")).unwrap();
        tree.update(std::slice::from_ref(&file)).unwrap();
        let catalog = built(&tree);
        assert_eq!(summary(&catalog).0, ["component:default/web2"]);
        assert!(!catalog
            .problems
            .iter()
            .any(|p| p.message.contains("last good")));
    }

    #[test]
    fn changes_that_steer_reading_ask_for_a_full_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let location = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\nspec:\n  targets: [./services/*.yaml]\n";
        std::fs::write(root.join("catalog-info.yaml"), location).unwrap();
        std::fs::create_dir(root.join("services")).unwrap();
        std::fs::write(root.join("services/a.yaml"), component("a", "t")).unwrap();
        let mut tree = Tree::read(&[root.clone()], Discover::CatalogFiles);
        assert_eq!(built(&tree).len(), 2);
        // A Location's target is edited as any file.
        std::fs::write(root.join("services/a.yaml"), component("a2", "t")).unwrap();
        assert_eq!(tree.update(&[root.join("services/a.yaml")]), Ok(1));
        // A new file its glob may match, the Location itself, a folder.
        for path in ["services/b.yaml", "catalog-info.yaml", "services"] {
            if path == "services/b.yaml" {
                std::fs::write(root.join(path), component("b", "t")).unwrap();
            }
            assert!(tree.update(&[root.join(path)]).is_err(), "{path}");
        }
        // A file a Location names as it is, gone: the Location will say so.
        let named = location.replace("./services/*.yaml", "./services/a.yaml");
        std::fs::write(root.join("catalog-info.yaml"), named).unwrap();
        let mut tree = Tree::read(&[root.clone()], Discover::CatalogFiles);
        std::fs::remove_file(root.join("services/a.yaml")).unwrap();
        assert!(tree.update(&[root.join("services/a.yaml")]).is_err());
        // A file that is no catalog file of a folder found by itself is not read.
        std::fs::write(root.join("services/c.yaml"), component("c", "t")).unwrap();
        let mut plain = Tree::read(&[root.join("services")], Discover::CatalogFiles);
        assert_eq!(plain.update(&[root.join("services/c.yaml")]), Ok(0));
    }
}
