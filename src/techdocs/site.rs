//! A TechDocs site on disk: its `mkdocs.yml` (`site_name`, `docs_dir`, `nav`), the nav as a tree
//! with the pages it leaves out listed after it, and pages read by their path under `docs_dir`.
//! Nothing here panics on a broken site: each fault is a [`FileError`] naming the file (and the
//! line, for YAML).

use std::fmt;
use std::path::{Path, PathBuf};

/// A site whose `mkdocs.yml` was read.
#[derive(Clone, Debug)]
pub struct Site {
    /// The `mkdocs.yml` (or `mkdocs.yaml`) read.
    pub config: PathBuf,
    pub name: Option<String>,
    /// Where the pages are: `docs_dir` beside the config, `docs/` by default.
    pub docs_dir: PathBuf,
    /// The nav, then the pages it leaves out (`in_nav: false`).
    pub nav: Vec<NavItem>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NavItem {
    pub title: String,
    pub target: NavTarget,
    /// False for a page of `docs_dir` that the `nav` does not name.
    pub in_nav: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NavTarget {
    /// A page: its path under `docs_dir`, `/`-separated.
    Page(String),
    Section(Vec<NavItem>),
    /// An address outside the site.
    Link(String),
}

/// Why a file of the docs (mkdocs.yml, a page, a README) cannot be shown: the file, the line
/// when known, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for FileError {}

pub(super) fn error(path: &Path, message: impl Into<String>) -> FileError {
    FileError {
        path: path.to_path_buf(),
        line: None,
        message: message.into(),
    }
}

impl Site {
    /// Reads the site whose `mkdocs.yml` is in `dir`.
    pub fn open(dir: &Path) -> Result<Site, FileError> {
        let config = ["mkdocs.yml", "mkdocs.yaml"]
            .iter()
            .map(|name| dir.join(name))
            .find(|path| path.is_file())
            .ok_or_else(|| {
                error(
                    &dir.join("mkdocs.yml"),
                    "not found: the entity's backstage.io/techdocs-ref points at this folder, and a TechDocs site needs its mkdocs.yml",
                )
            })?;
        let text =
            std::fs::read_to_string(&config).map_err(|err| error(&config, err.to_string()))?;
        let yaml = settings(&config, &text)?;
        let setting = |key: &str| yaml.get(key);
        let docs_dir = dir.join(docs_dir_name(&config, &yaml)?);
        if !docs_dir.is_dir() {
            return Err(error(
                &docs_dir,
                format!("not found: the docs_dir of {}", config.display()),
            ));
        }
        let mut files = Vec::new();
        collect_pages(&docs_dir, "", &mut files)
            .map_err(|err| error(&docs_dir, format!("cannot be listed: {err}")))?;
        let titles = |page: &str| page_title(&docs_dir, page);
        let nav = match setting("nav") {
            None | Some(serde_yaml::Value::Null) => folder_nav(&files, &titles),
            Some(serde_yaml::Value::Sequence(entries)) => {
                let mut nav = read_nav(entries, &titles)
                    .map_err(|why| error(&config, format!("nav: {why}")))?;
                let mut named = Vec::new();
                pages_of(&nav, &mut named);
                nav.extend(
                    files
                        .iter()
                        .filter(|page| !named.contains(&page.as_str()))
                        .map(|page| NavItem {
                            title: titles(page),
                            target: NavTarget::Page(page.clone()),
                            in_nav: false,
                        })
                        .collect::<Vec<_>>(),
                );
                nav
            }
            Some(_) => return Err(error(&config, "nav: not a list of pages and sections")),
        };
        Ok(Site {
            name: setting("site_name")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            config,
            docs_dir,
            nav,
        })
    }

    /// Every page in nav order (the nav's, then the ones it leaves out), each once.
    pub fn pages(&self) -> Vec<&str> {
        let mut out = Vec::new();
        pages_of(&self.nav, &mut out);
        out
    }

    /// The page shown first: the first of the nav.
    pub fn first_page(&self) -> Option<&str> {
        self.pages().first().copied()
    }

    /// The nav's title of a page.
    pub fn title(&self, page: &str) -> Option<&str> {
        fn find<'a>(items: &'a [NavItem], page: &str) -> Option<&'a str> {
            items.iter().find_map(|item| match &item.target {
                NavTarget::Page(p) if p == page => Some(item.title.as_str()),
                NavTarget::Section(children) => find(children, page),
                _ => None,
            })
        }
        find(&self.nav, page)
    }

    /// The file of a page.
    pub fn path_of(&self, page: &str) -> PathBuf {
        self.docs_dir.join(page)
    }

    /// A page's markdown.
    pub fn read(&self, page: &str) -> Result<String, FileError> {
        let path = self.path_of(page);
        std::fs::read_to_string(&path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => error(
                &path,
                format!("not found: no page {page} in {}", self.docs_dir.display()),
            ),
            _ => error(&path, err.to_string()),
        })
    }
}

/// A site's `mkdocs.yml` as its settings (an empty file has none).
fn settings(config: &Path, text: &str) -> Result<serde_yaml::Mapping, FileError> {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|err| FileError {
        path: config.to_path_buf(),
        line: err.location().map(|at| at.line()),
        message: format!("not valid YAML: {err}"),
    })?;
    match yaml {
        serde_yaml::Value::Mapping(map) => Ok(map),
        serde_yaml::Value::Null => Ok(serde_yaml::Mapping::new()),
        _ => Err(error(
            config,
            "not a mapping of settings (site_name:, nav:, ...)",
        )),
    }
}

/// `docs_dir`, `docs` by default.
fn docs_dir_name(config: &Path, yaml: &serde_yaml::Mapping) -> Result<String, FileError> {
    match yaml.get("docs_dir") {
        None => Ok("docs".into()),
        Some(serde_yaml::Value::String(name)) => Ok(name.clone()),
        Some(_) => Err(error(config, "docs_dir: not a folder name")),
    }
}

/// What a `mkdocs.yml` (read from `config`) says of its pages, for a site read over HTTP, whose
/// folder cannot be listed: the `docs_dir` and the pages its nav names, in nav order.
pub fn named_pages(config: &Path, text: &str) -> Result<(String, Vec<String>), FileError> {
    let yaml = settings(config, text)?;
    let docs_dir = docs_dir_name(config, &yaml)?;
    let pages = match yaml.get("nav") {
        None | Some(serde_yaml::Value::Null) => Vec::new(),
        Some(serde_yaml::Value::Sequence(entries)) => {
            let nav = read_nav(entries, &|page| page.to_string())
                .map_err(|why| error(config, format!("nav: {why}")))?;
            let mut named = Vec::new();
            pages_of(&nav, &mut named);
            named.into_iter().map(str::to_string).collect()
        }
        Some(_) => return Err(error(config, "nav: not a list of pages and sections")),
    };
    Ok((docs_dir, pages))
}

fn pages_of<'a>(items: &'a [NavItem], out: &mut Vec<&'a str>) {
    for item in items {
        match &item.target {
            NavTarget::Page(page) if !out.contains(&page.as_str()) => out.push(page),
            NavTarget::Section(children) => pages_of(children, out),
            _ => {}
        }
    }
}

/// The markdown files under `dir` (`prefix` is its path under `docs_dir`), in MkDocs' order: in
/// each folder `index.md` (or `README.md`) first, then the other files by name, then the
/// subfolders by name. Hidden files and folders are left out, as MkDocs leaves them.
fn collect_pages(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            dirs.push(name);
        } else if name.ends_with(".md") || name.ends_with(".markdown") {
            files.push(name);
        }
    }
    files.sort_by_key(|name| (!is_index(name), name.clone()));
    dirs.sort();
    out.extend(files.into_iter().map(|name| format!("{prefix}{name}")));
    for name in dirs {
        collect_pages(&dir.join(&name), &format!("{prefix}{name}/"), out)?;
    }
    Ok(())
}

fn is_index(file_name: &str) -> bool {
    matches!(
        file_name.to_ascii_lowercase().as_str(),
        "index.md" | "readme.md" | "index.markdown"
    )
}

/// The nav MkDocs makes when `mkdocs.yml` has none: the pages in folder order, a section per
/// subfolder titled after it.
fn folder_nav(pages: &[String], titles: &dyn Fn(&str) -> String) -> Vec<NavItem> {
    let mut nav: Vec<NavItem> = Vec::new();
    for page in pages {
        let mut level = &mut nav;
        let folders: Vec<&str> = page.split('/').collect();
        for folder in &folders[..folders.len() - 1] {
            let title = title_from_name(folder);
            let at = match level.iter().position(|item| {
                matches!(item.target, NavTarget::Section(_)) && item.title == title
            }) {
                Some(at) => at,
                None => {
                    level.push(NavItem {
                        title,
                        target: NavTarget::Section(Vec::new()),
                        in_nav: true,
                    });
                    level.len() - 1
                }
            };
            level = match &mut level[at].target {
                NavTarget::Section(children) => children,
                _ => unreachable!("found or made as a section just above"),
            };
        }
        level.push(NavItem {
            title: titles(page),
            target: NavTarget::Page(page.clone()),
            in_nav: true,
        });
    }
    nav
}

/// `nav:` entries: `page.md`, `Title: page.md`, `Title: https://...`, `Title: [entries]`.
fn read_nav(
    entries: &[serde_yaml::Value],
    titles: &dyn Fn(&str) -> String,
) -> Result<Vec<NavItem>, String> {
    let mut out = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let (title, value) = match entry {
            serde_yaml::Value::Mapping(map) if map.len() == 1 => {
                let (key, value) = map.iter().next().expect("one entry, checked above");
                let title = match key {
                    serde_yaml::Value::String(title) => title.clone(),
                    _ => return Err(format!("entry {} has a title that is not text", n + 1)),
                };
                (Some(title), value)
            }
            serde_yaml::Value::String(_) => (None, entry),
            _ => {
                return Err(format!(
                    "entry {} is neither `page.md` nor `Title: page.md` nor `Section: [...]`",
                    n + 1
                ))
            }
        };
        let target = match value {
            serde_yaml::Value::String(target) if is_address(target) => {
                NavTarget::Link(target.clone())
            }
            serde_yaml::Value::String(page) => {
                NavTarget::Page(page.trim_start_matches("./").to_string())
            }
            serde_yaml::Value::Sequence(children) => {
                NavTarget::Section(read_nav(children, titles)?)
            }
            _ => {
                return Err(format!(
                    "entry {} ({}) is neither a page, an address nor a list",
                    n + 1,
                    title.as_deref().unwrap_or("untitled")
                ))
            }
        };
        let title = title.unwrap_or_else(|| match &target {
            NavTarget::Page(page) => titles(page),
            NavTarget::Link(url) => url.clone(),
            NavTarget::Section(_) => String::new(),
        });
        out.push(NavItem {
            title,
            target,
            in_nav: true,
        });
    }
    Ok(out)
}

fn is_address(target: &str) -> bool {
    target.contains("://") || target.starts_with("mailto:")
}

/// A page's title when the nav gives none, as MkDocs finds it: its first `# ` heading, else its
/// file name.
fn page_title(docs_dir: &Path, page: &str) -> String {
    let heading = std::fs::read_to_string(docs_dir.join(page))
        .ok()
        .and_then(|text| first_heading(&text));
    heading.unwrap_or_else(|| {
        let mut parts = page.rsplit('/');
        let file = parts.next().unwrap_or(page);
        let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        match (is_index(file), parts.next()) {
            (true, Some(folder)) => title_from_name(folder),
            (true, None) => "Home".to_string(),
            (false, _) => title_from_name(stem),
        }
    })
}

/// The text of the first level-one ATX heading outside code fences.
fn first_heading(text: &str) -> Option<String> {
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        for mark in ["```", "~~~"] {
            if trimmed.starts_with(mark) {
                fence = match fence {
                    Some(open) if open == mark => None,
                    None => Some(mark),
                    other => other,
                };
            }
        }
        if fence.is_none() {
            if let Some(title) = line.strip_prefix("# ") {
                return Some(title.trim().trim_end_matches('#').trim().to_string());
            }
        }
    }
    None
}

/// `getting-started` → `Getting started`, as MkDocs titles files and folders.
fn title_from_name(name: &str) -> String {
    let spaced = name.replace(['-', '_'], " ");
    if spaced.to_lowercase() != spaced {
        return spaced;
    }
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}
