//! The task workspace, in memory: what the steps write, checked path by path, and written to disk
//! only once every step has run. A template whose paths escape the workspace (`..`, absolute
//! paths, rendered names that climb out) fails before anything reaches the disk; a dry run never
//! writes at all.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Files one workspace may hold.
pub const MAX_FILES: usize = 20_000;
/// Bytes one workspace may hold.
pub const MAX_BYTES: usize = 256 << 20;

#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    Dir,
    File { contents: Vec<u8>, executable: bool },
}

#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// Normalized relative paths (`a/b/c`, no `.` or `..`) to entries; parents are implied.
    entries: BTreeMap<String, Entry>,
    bytes: usize,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct WorkspaceError(pub String);

/// A path relative to the workspace, normalized, or why it is refused: absolute paths, and `..`
/// that climbs above the root (Backstage's `resolveSafeChildPath` rule: "Relative path is not
/// allowed to refer to a directory outside its parent").
pub fn safe_path(path: &str) -> Result<String, WorkspaceError> {
    if path.contains('\0') {
        return Err(WorkspaceError(format!("path {path:?} contains a NUL byte")));
    }
    if path.starts_with('/')
        || path.starts_with('\\')
        || Path::new(path).is_absolute()
        || has_drive(path)
    {
        return Err(WorkspaceError(format!(
            "absolute path {path:?} is not allowed: paths are relative to the workspace"
        )));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(WorkspaceError(format!(
                        "relative path {path:?} is not allowed to refer to a directory outside the workspace"
                    )));
                }
            }
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

fn has_drive(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// `base` joined with `rel`, both relative to the workspace.
pub fn join(base: &str, rel: &str) -> Result<String, WorkspaceError> {
    if base.is_empty() {
        return safe_path(rel);
    }
    safe_path(&format!("{base}/{rel}")).and_then(|joined| {
        // `rel` alone must not climb out of `base` either (`targetPath: sub` then `../x`).
        let base = safe_path(base)?;
        if base.is_empty() || joined == base || joined.starts_with(&format!("{base}/")) {
            Ok(joined)
        } else {
            Err(WorkspaceError(format!(
                "path {rel:?} leaves its target folder {base:?}"
            )))
        }
    })
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace::default()
    }

    /// Whether a file or folder (explicit or implied by a file under it) is at `path`.
    pub fn exists(&self, path: &str) -> bool {
        path.is_empty() || self.entries.contains_key(path) || self.under(path).next().is_some()
    }

    fn under<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a String, &'a Entry)> + 'a {
        let prefix = format!("{dir}/");
        self.entries
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
    }

    pub fn mkdir(&mut self, path: &str) -> Result<(), WorkspaceError> {
        if path.is_empty() {
            return Ok(());
        }
        self.check_parents(path)?;
        if let Some(Entry::File { .. }) = self.entries.get(path) {
            return Err(WorkspaceError(format!("{path} is a file, not a folder")));
        }
        self.entries.insert(path.to_string(), Entry::Dir);
        Ok(())
    }

    pub fn write(
        &mut self,
        path: &str,
        contents: Vec<u8>,
        executable: bool,
    ) -> Result<(), WorkspaceError> {
        if path.is_empty() {
            return Err(WorkspaceError("a file needs a name".into()));
        }
        self.check_parents(path)?;
        if matches!(self.entries.get(path), Some(Entry::Dir)) || self.under(path).next().is_some() {
            return Err(WorkspaceError(format!("{path} is a folder, not a file")));
        }
        let old = match self.entries.get(path) {
            Some(Entry::File { contents, .. }) => contents.len(),
            _ => 0,
        };
        let bytes = self.bytes - old + contents.len();
        if bytes > MAX_BYTES {
            return Err(WorkspaceError(format!(
                "the workspace would exceed {} MiB",
                MAX_BYTES >> 20
            )));
        }
        if old == 0 && !self.entries.contains_key(path) && self.entries.len() >= MAX_FILES {
            return Err(WorkspaceError(format!(
                "the workspace would exceed {MAX_FILES} files"
            )));
        }
        self.bytes = bytes;
        self.entries.insert(
            path.to_string(),
            Entry::File {
                contents,
                executable,
            },
        );
        Ok(())
    }

    /// A file's parents must not be files.
    fn check_parents(&self, path: &str) -> Result<(), WorkspaceError> {
        let mut at = 0;
        while let Some(i) = path[at..].find('/') {
            let parent = &path[..at + i];
            if let Some(Entry::File { .. }) = self.entries.get(parent) {
                return Err(WorkspaceError(format!(
                    "cannot create {path}: {parent} is a file"
                )));
            }
            at += i + 1;
        }
        Ok(())
    }

    /// Removes a file or a folder with everything under it; false when nothing was there.
    pub fn remove(&mut self, path: &str) -> bool {
        let mut keys: Vec<String> = self.under(path).map(|(k, _)| k.clone()).collect();
        if self.entries.contains_key(path) {
            keys.push(path.to_string());
        }
        for key in &keys {
            if let Some(Entry::File { contents, .. }) = self.entries.remove(key) {
                self.bytes -= contents.len();
            }
        }
        !keys.is_empty()
    }

    /// Moves a file or folder; refuses to replace an existing target unless `overwrite`.
    pub fn rename(&mut self, from: &str, to: &str, overwrite: bool) -> Result<(), WorkspaceError> {
        if !self.exists(from) || from.is_empty() {
            return Err(WorkspaceError(format!("{from} does not exist")));
        }
        if to == from || to.starts_with(&format!("{from}/")) {
            return Err(WorkspaceError(format!(
                "cannot move {from} into itself ({to})"
            )));
        }
        if self.exists(to) && !to.is_empty() {
            if !overwrite {
                return Err(WorkspaceError(format!(
                    "dest already exists: {to} (set overwrite: true to replace it)"
                )));
            }
            self.remove(to);
        }
        let mut moved: Vec<(String, Entry)> = self
            .under(from)
            .map(|(k, v)| (format!("{to}{}", &k[from.len()..]), v.clone()))
            .collect();
        if let Some(entry) = self.entries.get(from) {
            moved.push((to.to_string(), entry.clone()));
        }
        self.remove(from);
        for (path, entry) in moved {
            match entry {
                Entry::Dir => self.mkdir(&path)?,
                Entry::File {
                    contents,
                    executable,
                } => self.write(&path, contents, executable)?,
            }
        }
        Ok(())
    }

    /// Files in path order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries.iter().filter_map(|(k, v)| match v {
            Entry::File { contents, .. } => Some((k.as_str(), contents.as_slice())),
            Entry::Dir => None,
        })
    }

    pub fn entries(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn file(&self, path: &str) -> Option<&[u8]> {
        match self.entries.get(path) {
            Some(Entry::File { contents, .. }) => Some(contents),
            _ => None,
        }
    }

    /// A folder with nothing under it.
    pub fn is_empty_dir(&self, path: &str) -> bool {
        matches!(self.entries.get(path), Some(Entry::Dir)) && self.under(path).next().is_none()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the workspace under `root` (created when missing). Refuses to write through a
    /// symlink found on the way, so a link planted in the output folder cannot redirect a file
    /// outside it.
    pub fn write_to(&self, root: &Path) -> Result<usize, WorkspaceError> {
        let io =
            |path: &Path, e: std::io::Error| WorkspaceError(format!("{}: {e}", path.display()));
        std::fs::create_dir_all(root).map_err(|e| io(root, e))?;
        let mut written = 0;
        for (rel, entry) in &self.entries {
            let target = root.join(rel);
            let parent = match entry {
                Entry::Dir => target.as_path(),
                Entry::File { .. } => target.parent().unwrap_or(root),
            };
            create_dirs_no_symlinks(root, parent)?;
            if let Entry::File {
                contents,
                executable,
            } = entry
            {
                if std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
                    return Err(WorkspaceError(format!(
                        "{} is a symlink; refusing to write through it",
                        target.display()
                    )));
                }
                std::fs::write(&target, contents).map_err(|e| io(&target, e))?;
                #[cfg(unix)]
                if *executable {
                    use std::os::unix::fs::PermissionsExt;
                    let _ =
                        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755));
                }
                #[cfg(not(unix))]
                let _ = executable;
                written += 1;
            }
        }
        Ok(written)
    }
}

fn create_dirs_no_symlinks(root: &Path, dir: &Path) -> Result<(), WorkspaceError> {
    let rel = dir.strip_prefix(root).unwrap_or(Path::new(""));
    let mut at = PathBuf::from(root);
    for part in rel.components() {
        if let Component::Normal(name) = part {
            at.push(name);
            match std::fs::symlink_metadata(&at) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(WorkspaceError(format!(
                        "{} is a symlink; refusing to write through it",
                        at.display()
                    )))
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(WorkspaceError(format!(
                        "{} is a file, not a folder",
                        at.display()
                    )))
                }
                Err(_) => std::fs::create_dir(&at)
                    .map_err(|e| WorkspaceError(format!("{}: {e}", at.display())))?,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_escape_are_refused() {
        assert_eq!(safe_path("./a/./b/../c").unwrap(), "a/c");
        assert!(safe_path("../x").is_err());
        assert!(safe_path("a/../../x").is_err());
        assert!(safe_path("/etc/passwd").is_err());
        assert!(safe_path("C:/x").is_err());
        assert!(join("sub", "../x").is_err());
        assert_eq!(join("sub", "a/b").unwrap(), "sub/a/b");
    }

    #[test]
    fn rename_and_remove_move_whole_folders() {
        let mut w = Workspace::new();
        w.write("a/b.txt", b"1".to_vec(), false).unwrap();
        w.mkdir("a/empty").unwrap();
        w.rename("a", "z", false).unwrap();
        assert_eq!(w.file("z/b.txt"), Some(&b"1"[..]));
        assert!(w.exists("z/empty"));
        assert!(!w.exists("a"));
        assert!(w.rename("missing", "q", false).is_err());
        w.write("q", b"2".to_vec(), false).unwrap();
        assert!(w.rename("z/b.txt", "q", false).is_err());
        w.rename("z/b.txt", "q", true).unwrap();
        assert_eq!(w.file("q"), Some(&b"1"[..]));
        assert!(w.remove("z"));
        assert!(!w.exists("z/empty"));
    }
}
