//! Watching the local catalog's files, so a save in the editor beside greenroom shows at once.
//! The OS's notifications (inotify, FSEvents), debounced: an editor that saves by writing a new
//! file and renaming it over the old one (vim's backup copies, JetBrains' safe write) makes one
//! change, not three. Where notifications do not arrive (network and FUSE file systems) or cannot
//! be set up, the files are polled instead, and [`Watch::polling`] says so.

use notify::event::{CreateKind, ModifyKind, RemoveKind};
use notify::{EventKind, RecursiveMode, Watcher};
use notify_debouncer_full::{new_debouncer_opt, DebounceEventResult, Debouncer, RecommendedCache};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a burst of events is gathered into one change: an editor's write, delete and rename
/// of one save come within a few milliseconds of each other.
const DEBOUNCE: Duration = Duration::from_millis(25);
/// How often the debouncer looks for bursts that are over: a save shows at most this long after
/// its burst, and each look costs a wake-up while nothing changes.
const TICK: Duration = Duration::from_millis(10);
/// How often a polled source is looked at.
const POLL: Duration = Duration::from_secs(2);

/// A running watch; dropping it stops it.
pub struct Watch {
    _notifier: Box<dyn std::any::Any + Send>,
    /// Why the files are polled rather than notified, when they are.
    pub polling: Option<String>,
}

/// Which files' changes count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Files {
    /// Catalog files (`*.yaml`, `*.yml`); an editor's swap and backup files are left out.
    Catalog,
    /// Every file (a template's skeleton holds any kind), but in version control, dependency and
    /// build folders.
    All,
}

/// Watches `roots` (folders recursively; a file through its folder, where editors rename) and
/// calls `on_change` with the files of `files` that changed, were created, deleted or renamed.
pub fn start(
    roots: &[PathBuf],
    files: Files,
    on_change: impl Fn(Vec<PathBuf>) + Send + Sync + 'static,
) -> Result<Watch, String> {
    let folders: Vec<PathBuf> = roots
        .iter()
        .filter_map(|root| match root.is_dir() {
            true => Some(root.clone()),
            false => root.parent().map(|p| match p.as_os_str().is_empty() {
                true => PathBuf::from("."),
                false => p.to_path_buf(),
            }),
        })
        .collect();
    let on_change = std::sync::Arc::new(on_change);
    let handler = move |result: DebounceEventResult| {
        let Ok(events) = result else { return };
        let mut changed: Vec<PathBuf> = events
            .iter()
            // Reading a file (greenroom's own reads included) is no change; nor is a metadata
            // touch such as an access time.
            .filter(|event| {
                matches!(
                    event.kind,
                    EventKind::Create(_)
                        | EventKind::Remove(_)
                        | EventKind::Modify(
                            ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any
                        )
                )
            })
            .flat_map(|event| {
                // A folder created, removed or renamed: files written into a new folder before
                // its watch is set up send no event of their own, so the folder stands for them.
                let folder = matches!(
                    event.kind,
                    EventKind::Create(CreateKind::Folder)
                        | EventKind::Remove(RemoveKind::Folder)
                        | EventKind::Modify(ModifyKind::Name(_))
                );
                event.paths.iter().filter(move |path| {
                    let counts = match files {
                        Files::Catalog => is_catalog_file(path),
                        Files::All => !is_hidden(path) && !is_editor_scratch(path),
                    };
                    counts || (folder && !is_hidden(path) && path.extension().is_none())
                })
            })
            .cloned()
            .collect();
        changed.sort();
        changed.dedup();
        if !changed.is_empty() {
            on_change(changed);
        }
    };
    let remote = folders.iter().find_map(|f| network_file_system(f));
    if remote.is_none() {
        let notified = new_debouncer_opt::<_, notify::RecommendedWatcher, _>(
            DEBOUNCE,
            Some(TICK),
            handler.clone(),
            RecommendedCache::new(),
            notify::Config::default(),
        )
        .and_then(|debouncer| watch_all(debouncer, &folders));
        match notified {
            Ok(debouncer) => {
                return Ok(Watch {
                    _notifier: Box::new(debouncer),
                    polling: None,
                })
            }
            Err(err) => {
                return poll(
                    handler,
                    &folders,
                    format!("change notifications failed ({err})"),
                )
            }
        }
    }
    poll(handler, &folders, remote.unwrap_or_default())
}

fn poll(
    handler: impl Fn(DebounceEventResult) + Send + 'static,
    folders: &[PathBuf],
    why: String,
) -> Result<Watch, String> {
    let config = notify::Config::default().with_poll_interval(POLL);
    let debouncer = new_debouncer_opt::<_, notify::PollWatcher, _>(
        DEBOUNCE,
        Some(TICK),
        handler,
        RecommendedCache::new(),
        config,
    )
    .and_then(|debouncer| watch_all(debouncer, folders))
    .map_err(|err| format!("cannot watch the catalog's files: {err}"))?;
    Ok(Watch {
        _notifier: Box::new(debouncer),
        polling: Some(format!(
            "{why}: the catalog's files are polled every {} s",
            POLL.as_secs()
        )),
    })
}

fn watch_all<W: Watcher>(
    mut debouncer: Debouncer<W, RecommendedCache>,
    folders: &[PathBuf],
) -> notify::Result<Debouncer<W, RecommendedCache>> {
    for folder in folders {
        debouncer.watch(folder, RecursiveMode::Recursive)?;
    }
    Ok(debouncer)
}

/// Inside a folder no catalog is read from (version control, dependencies, build output).
fn is_hidden(path: &Path) -> bool {
    path.components().any(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some(".git" | "node_modules" | "target")
        )
    })
}

/// An editor's swap, backup or temporary file (vim's `.x.swp` and `x~`, JetBrains' `x___jb_tmp___`).
fn is_editor_scratch(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
        || name == "4913"
}

fn is_catalog_file(path: &Path) -> bool {
    !is_hidden(path)
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// The kind of file system `folder` is on, when change notifications do not cross it (NFS, SMB,
/// 9p, FUSE mounts such as sshfs): the events of a change made on another machine never arrive.
#[cfg(target_os = "linux")]
fn network_file_system(folder: &Path) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(folder.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a zeroed statfs the call fills in.
    if unsafe { libc::statfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    let name = match stat.f_type as u64 {
        0x6969 => "NFS",
        0x517b | 0xff53_4d42 | 0xfe53_4d42 => "SMB",
        0x0102_1997 => "9p",
        0x6573_5546 => "FUSE",
        _ => return None,
    };
    Some(format!(
        "{} is on {name}, where change notifications do not arrive",
        folder.display()
    ))
}

#[cfg(not(target_os = "linux"))]
fn network_file_system(_folder: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// Waits (generously: the latency figures live in a bench) until `want` holds for the files
    /// reported so far.
    fn wait_for(
        receiver: &mpsc::Receiver<Vec<PathBuf>>,
        want: impl Fn(&[PathBuf]) -> bool,
    ) -> Vec<PathBuf> {
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(paths) = receiver.recv_timeout(Duration::from_millis(100)) {
                seen.extend(paths);
                if want(&seen) {
                    return seen;
                }
            }
        }
        panic!("not seen in time; seen: {seen:?}");
    }

    #[test]
    fn edits_creations_deletions_and_rename_saves_are_reported_other_files_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let file = root.join("catalog-info.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        let (sender, receiver) = mpsc::channel();
        let watch = start(&[root.clone()], Files::Catalog, move |paths| {
            let _ = sender.send(paths);
        })
        .unwrap();
        assert_eq!(
            watch.polling, None,
            "a local folder is notified, not polled"
        );

        std::fs::write(&file, "a: 2\n").unwrap();
        wait_for(&receiver, |seen| seen.contains(&file));

        let created = root.join("svc/catalog-info.yml");
        std::fs::create_dir_all(created.parent().unwrap()).unwrap();
        std::fs::write(&created, "b: 1\n").unwrap();
        // The file, or its new folder when the file was written before the folder was watched.
        wait_for(&receiver, |seen| {
            seen.contains(&created) || seen.contains(&root.join("svc"))
        });

        // An editor's safe write: a temporary file renamed over the original.
        let temp = root.join(".catalog-info.yaml.swp");
        std::fs::write(&temp, "a: 3\n").unwrap();
        std::fs::rename(&temp, &file).unwrap();
        let seen = wait_for(&receiver, |seen| seen.contains(&file));
        assert!(
            !seen.contains(&temp),
            "the swap file is not a catalog file: {seen:?}"
        );

        std::fs::remove_file(&created).unwrap();
        wait_for(&receiver, |seen| seen.contains(&created));

        // Reading a catalog file is no change; files that are not catalog files say nothing.
        std::fs::read(&file).unwrap();
        std::fs::write(root.join("notes.txt"), "x").unwrap();
        std::fs::write(root.join("node_modules.yaml.bak"), "x").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert!(receiver.try_recv().is_err());
    }

    #[test]
    fn only_yaml_outside_vcs_and_build_folders_counts() {
        assert!(is_catalog_file(Path::new("a/catalog-info.yaml")));
        assert!(is_catalog_file(Path::new("a/template.YML")));
        assert!(!is_catalog_file(Path::new("a/.catalog-info.yaml.swp")));
        assert!(!is_catalog_file(Path::new("a/catalog-info.yaml~")));
        assert!(!is_catalog_file(Path::new(
            "a/node_modules/x/catalog-info.yaml"
        )));
        assert!(!is_catalog_file(Path::new(".git/x.yaml")));
    }
}
