//! Files a test lays out before it runs: each written with the folders it needs, in a temporary
//! folder with a cache folder beside it for the runs.

use std::path::{Path, PathBuf};

/// A temporary folder holding a test's files, and a cache folder for the runs in it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub cache: tempfile::TempDir,
}

impl Workspace {
    /// The folder with `files` (relative path, contents) written in it.
    pub fn new(files: &[(&str, &str)]) -> Workspace {
        let workspace = Workspace {
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        };
        write_files(workspace.dir.path(), files);
        workspace
    }

    /// A path inside the folder.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }
}

/// Writes `contents` to `path`, making its folder first.
pub fn write_file(path: &Path, contents: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// Writes each `(relative path, contents)` under `dir`.
pub fn write_files<Contents: AsRef<[u8]>>(dir: &Path, files: &[(&str, Contents)]) {
    for (path, contents) in files {
        write_file(&dir.join(path), contents);
    }
}
