//! TechDocs without a browser: where an entity's docs are (a MkDocs site named by
//! `backstage.io/techdocs-ref: dir:PATH`, else the README beside its catalog file), the site
//! model (`site`: mkdocs.yml, the nav, pages), where links lead (`links`), and markdown rendered
//! to styled lines (`render`) for the Docs pane and `greenroom docs` alike. Pure: files in,
//! values out; no terminal.

pub mod links;
pub mod render;
pub mod site;

pub use render::{render, Doc, DocLine, Span, Tone};
pub use site::{FileError, NavItem, NavTarget, Site};

use crate::catalog::Entity;
use std::fmt;
use std::path::{Path, PathBuf};

const ANNOTATION: &str = "backstage.io/techdocs-ref";

/// An entity's docs.
#[derive(Clone, Debug)]
pub enum Docs {
    Site(Site),
    /// One markdown file: the README beside the catalog file.
    File(PathBuf),
}

/// Why an entity has no docs to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// Read from a server, not from files here.
    Remote { key: String, location: String },
    /// A site at a URL (`techdocs-ref: url:`), which is fetched (`providers::docs_site`).
    Url { key: String, url: String },
    /// The site's mkdocs.yml (or docs_dir) is missing or broken.
    Site(FileError),
    /// Neither a site nor a README: where it looked.
    Nothing { key: String, looked: Vec<PathBuf> },
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Remote { key, location } => write!(
                f,
                "{key} was read from {location}: docs are read from local files only for now"
            ),
            Missing::Url { key, url } => write!(
                f,
                "{key}'s TechDocs are at {url}: `greenroom docs {key}` fetches them, and so does the Docs pane when it shows them"
            ),
            Missing::Site(err) => err.fmt(f),
            Missing::Nothing { key, looked } => {
                let looked: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "no docs for {key}. Add a README.md beside its catalog-info.yaml, or TechDocs: the annotation {ANNOTATION}: dir:. with a mkdocs.yml and docs/index.md. Looked at: {}",
                    looked.join(", ")
                )
            }
        }
    }
}

/// Finds an entity's docs: its TechDocs site when the annotation names a folder (`dir:`), else
/// a README beside its catalog file; a site at a URL (`url:`) is said, for the caller to fetch.
pub fn locate(entity: &Entity) -> Result<Docs, Missing> {
    let location = &*entity.source.location;
    if let Some(url) = entity
        .annotation(ANNOTATION)
        .and_then(|r| r.trim().strip_prefix("url:"))
    {
        return Err(Missing::Url {
            key: entity.key(),
            url: url.trim().to_string(),
        });
    }
    if location.contains("://") {
        return Err(Missing::Remote {
            key: entity.key(),
            location: location.to_string(),
        });
    }
    let dir = Path::new(location).parent().unwrap_or(Path::new("."));
    let mut looked = Vec::new();
    if let Some(rel) = entity
        .annotation(ANNOTATION)
        .and_then(|r| r.trim().strip_prefix("dir:"))
    {
        let site_dir: PathBuf = dir
            .join(rel.trim())
            .components()
            .filter(|c| *c != std::path::Component::CurDir)
            .collect();
        return Site::open(&site_dir).map(Docs::Site).map_err(Missing::Site);
    }
    for name in ["README.md", "readme.md"] {
        let path = dir.join(name);
        if path.is_file() {
            return Ok(Docs::File(path));
        }
        looked.push(path);
    }
    Err(Missing::Nothing {
        key: entity.key(),
        looked,
    })
}

/// A README's markdown.
pub fn read_file(path: &Path) -> Result<String, FileError> {
    std::fs::read_to_string(path).map_err(|err| site::error(path, err.to_string()))
}

#[cfg(test)]
mod tests;
