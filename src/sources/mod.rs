//! Which catalog to open, in the order `../shared/CLI.md` gives: `--catalog` paths, else
//! `--app-config` files, else the config's sources and `BACKSTAGE_URL`, else the current folder's
//! `app-config.yaml`, else `catalog-info.yaml` files under the current folder, else the demo; and
//! reading it.
//!
//! Several sources are merged with the rules of local files ([`Catalog::merge`]): an entity
//! defined twice is kept from the source listed first and both definitions are reported;
//! relations are made both ways. Each entity remembers the label of its source.
//!
//! **When a source changed** (so the snapshot is rebuilt only then): each source has a
//! [`Fingerprint`], kept in the snapshot.
//! - Files: the size and modification time of every file the catalog was read from and of every
//!   folder above them up to the named roots (a new file changes its folder's time). Checked
//!   against the snapshot's own catalog without parsing anything.
//! - A Backstage backend: a hash of the by-query pages (they carry no ETag; `totalItems` alone
//!   misses edits), so the pages are read, but the catalog is not rebuilt when they are the same.
//! - A GitHub organisation: a hash of the repository list and the files, which are asked for
//!   conditionally (a 304 costs no rate limit).
//!
//! A remote source that cannot be reached (network, timeout, 5xx, rate limit) makes the load
//! "offline": the caller keeps the snapshot when it has one, and says so.

pub mod app_config;
pub mod backstage;
pub mod github_org;
pub mod live;
pub mod snapshot;
pub mod watch;

use crate::catalog::load::{self, Loaded};
use crate::catalog::tree::Tree;
use crate::catalog::{Catalog, Part};
use crate::config::{Config, GitHubOrgSource, SourceConfig};
use crate::demo;
use crate::providers::backstage::{Backstage, Fnv, PAGE_SIZE};
use crate::providers::cache::Cache;
use crate::providers::http::{Client, Log, Options};
use crate::providers::ProviderError;
use live::{Kept, Live};
use snapshot::Fingerprint;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
pub enum CatalogSource {
    /// Files and folders the user named (a folder yields every Backstage descriptor in it).
    Paths(Vec<PathBuf>),
    /// The current folder's `catalog-info.yaml` files, found with nothing named or configured.
    Found(PathBuf),
    Demo,
    /// Several sources, merged in this order.
    Several(Vec<SourceSpec>),
}

/// One source of a merged catalog.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceSpec {
    Files(Vec<PathBuf>),
    Backstage {
        url: String,
    },
    GitHubOrg(GitHubOrgSource),
    /// A Backstage app's config files (merged in order): their catalog locations and rules.
    AppConfig(Vec<PathBuf>),
}

/// How fresh a command's catalog must be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Freshness {
    /// Read from the sources (a remote one that cannot be reached: the snapshot, said so).
    Sources,
    /// The snapshot when the sources' fingerprints prove it current, else the sources read (and
    /// kept as the next snapshot): the same answer as a cold read, without its cost.
    Checked,
    /// The snapshot as it is, its age said on stderr (`--offline`); the sources when there is none.
    Offline,
}

/// What reading the sources gave.
pub enum Refresh {
    /// Every source is as the snapshot's fingerprints say: nothing to rebuild.
    Unchanged,
    Loaded {
        loaded: Loaded,
        /// Remote sources that could not be reached now (their entities are missing).
        offline: Vec<String>,
        /// What each source gave, for re-reading only the files a save changes.
        live: Live,
    },
}

impl CatalogSource {
    pub fn choose(
        cli_paths: &[PathBuf],
        app_configs: &[PathBuf],
        force_demo: bool,
        config: &Config,
    ) -> CatalogSource {
        if force_demo {
            CatalogSource::Demo
        } else if !cli_paths.is_empty() {
            CatalogSource::Paths(cli_paths.to_vec())
        } else if !app_configs.is_empty() {
            CatalogSource::Several(vec![SourceSpec::AppConfig(app_configs.to_vec())])
        } else if let Some(specs) = configured(config) {
            match specs.as_slice() {
                [SourceSpec::Files(paths)] => CatalogSource::Paths(paths.clone()),
                _ => CatalogSource::Several(specs),
            }
        } else if let Some(files) = app_config::in_folder(Path::new(".")) {
            CatalogSource::Several(vec![SourceSpec::AppConfig(files)])
        } else if !is_greenroom_checkout(Path::new(".")) && has_catalog_files(Path::new("."), 4) {
            CatalogSource::Found(PathBuf::from("."))
        } else {
            CatalogSource::Demo
        }
    }

    pub fn is_demo(&self) -> bool {
        *self == CatalogSource::Demo
    }

    /// Points the config's GitHub and PagerDuty at the process's demo server (over any token or
    /// URL from the environment or the file), with a placeholder token, no disk cache, and the
    /// demo user as "you" when no identity is configured.
    pub fn point_at_demo(config: &mut Config) -> Result<(), String> {
        use crate::demo::api;
        config.demo_api = Some(crate::config::DemoApi {
            url: api::url()?,
            token: crate::config::Secret::new(api::DEMO_TOKEN),
        });
        if config.pagerduty.from_email.is_none() {
            config.pagerduty.from_email = Some(api::DEMO_EMAIL.into());
        }
        if config.identity.user.is_none() {
            config.identity.user = Some(api::DEMO_USER.into());
        }
        Ok(())
    }

    /// A short name for headers: the paths, or "demo", or each source's label.
    pub fn label(&self) -> String {
        match self {
            CatalogSource::Demo => "demo".into(),
            CatalogSource::Paths(paths) => paths_label(paths),
            CatalogSource::Found(dir) => dir.display().to_string(),
            CatalogSource::Several(specs) => specs
                .iter()
                .map(SourceSpec::label)
                .collect::<Vec<_>>()
                .join(" + "),
        }
    }

    /// The files and folders it reads from this machine (where a template's shared skeletons may
    /// be, when it is not in a git work tree).
    pub fn local_roots(&self) -> Vec<PathBuf> {
        match self {
            CatalogSource::Paths(paths) => paths.clone(),
            CatalogSource::Found(dir) => vec![dir.clone()],
            CatalogSource::Demo => Vec::new(),
            CatalogSource::Several(specs) => specs
                .iter()
                .flat_map(|spec| match spec {
                    SourceSpec::Files(paths) => paths.clone(),
                    // A Backstage app's file locations are relative to its config's folder.
                    SourceSpec::AppConfig(files) => files
                        .iter()
                        .filter_map(|f| f.parent().map(Path::to_path_buf))
                        .collect(),
                    _ => Vec::new(),
                })
                .collect(),
        }
    }

    /// Whether reading it needs the network.
    pub fn is_remote(&self) -> bool {
        matches!(self, CatalogSource::Several(specs) if specs.iter().any(|s| !matches!(s, SourceSpec::Files(_))))
    }

    /// Reads the catalog from its sources (`validate`'s way): progress on stderr when it is a
    /// terminal; a remote source that cannot be reached is replaced by the last snapshot when
    /// there is one (with a warning), else named in `unreadable`.
    pub fn load(&self, config: &Config) -> Loaded {
        self.load_logged(config, Log::Off, Freshness::Sources)
    }

    /// [`CatalogSource::load`], with the HTTP requests logged (`--verbose`), answering from the
    /// snapshot as `freshness` allows.
    pub fn load_logged(&self, config: &Config, log: Log, freshness: Freshness) -> Loaded {
        // The snapshot answers when the fingerprints prove the sources unchanged (nothing read),
        // when a remote source cannot be reached (with a warning), and under --offline.
        let path = snapshot::path_for(&config.cache_dir(), &self.label());
        let kept = self.is_remote() || freshness != Freshness::Sources;
        let snapshot = match kept {
            true => snapshot::read(&path).unwrap_or_else(|err| {
                crate::notices::report("snapshot", err);
                None
            }),
            false => None,
        };
        if freshness == Freshness::Offline {
            match snapshot {
                Some(snapshot) => {
                    eprintln!(
                        "greenroom: offline: the catalog as read {} ago (the snapshot); the sources were not checked",
                        snapshot.age()
                    );
                    return Loaded {
                        catalog: snapshot.catalog,
                        unreadable: Vec::new(),
                        skipped: Vec::new(),
                    };
                }
                None => eprintln!(
                    "greenroom: offline: no snapshot of this catalog yet; reading its sources"
                ),
            }
            return self.load_logged(config, log, Freshness::Checked);
        }
        let previous = snapshot
            .as_ref()
            .map(|s| (&s.catalog, s.fingerprints.as_slice()));
        let progress = StderrProgress::new();
        let refresh = self.read(config, previous, &|line| progress.show(&line), log);
        progress.finish();
        let (mut loaded, offline, live) = match refresh {
            Refresh::Unchanged => {
                return Loaded {
                    catalog: snapshot.map(|s| s.catalog).unwrap_or_default(),
                    unreadable: Vec::new(),
                    skipped: Vec::new(),
                }
            }
            Refresh::Loaded {
                loaded,
                offline,
                live,
            } => (loaded, offline, live),
        };
        if offline.is_empty() {
            if kept && loaded.unreadable.is_empty() {
                let fingerprints = live.fingerprints(&loaded.catalog);
                let _ = snapshot::write(&path, &loaded.catalog, &fingerprints);
            }
            return loaded;
        }
        match snapshot {
            Some(snapshot) => {
                eprintln!(
                    "greenroom: warning: offline ({}); using the snapshot from {} ago",
                    offline.join("; "),
                    snapshot.age()
                );
                Loaded {
                    catalog: snapshot.catalog,
                    unreadable: loaded.unreadable,
                    skipped: loaded.skipped,
                }
            }
            None => {
                loaded.unreadable.extend(offline);
                loaded
            }
        }
    }

    /// Reads the sources. With `previous` (the snapshot's catalog and fingerprints), answers
    /// [`Refresh::Unchanged`] when no source changed. `progress` gets a line now and then.
    pub fn load_with(
        &self,
        config: &Config,
        previous: Option<(&Catalog, &[Fingerprint])>,
        progress: &(dyn Fn(String) + Sync),
    ) -> Refresh {
        self.read(config, previous, progress, Log::Off)
    }

    fn read(
        &self,
        config: &Config,
        previous: Option<(&Catalog, &[Fingerprint])>,
        progress: &(dyn Fn(String) + Sync),
        log: Log,
    ) -> Refresh {
        let discover = match self {
            CatalogSource::Found(_) => load::Discover::CatalogFiles,
            _ => load::Discover::Descriptors,
        };
        let specs = match self {
            CatalogSource::Paths(paths) => vec![SourceSpec::Files(paths.clone())],
            CatalogSource::Found(dir) => vec![SourceSpec::Files(vec![dir.clone()])],
            CatalogSource::Demo => match demo::extract(&config.cache_dir()) {
                Ok(dir) => vec![SourceSpec::Files(vec![dir])],
                Err(err) => {
                    let live = Live {
                        refused: vec![format!(
                            "{}: cannot write the demo: {err}",
                            config.cache_dir().display()
                        )],
                        ..Live::default()
                    };
                    return Refresh::Loaded {
                        loaded: live.loaded(),
                        offline: Vec::new(),
                        live,
                    };
                }
            },
            CatalogSource::Several(specs) => specs.clone(),
        };
        // Local files first, by their times alone: when they and every remote source are
        // unchanged, nothing is parsed.
        let mut fingerprints: Vec<Option<Fingerprint>> = specs
            .iter()
            .map(|spec| match (spec, previous) {
                (SourceSpec::Files(paths), Some((catalog, _))) => Some(Fingerprint {
                    source: spec.label(),
                    hash: snapshot::files_fingerprint(catalog, &spec.label(), paths),
                }),
                _ => None,
            })
            .collect();
        let mut fetched: Vec<Option<Result<Part, String>>> = specs.iter().map(|_| None).collect();
        let mut offline = Vec::new();
        if specs.iter().any(|s| !matches!(s, SourceSpec::Files(_))) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime starts");
            let client = Arc::new(Client::new(
                Options::from_env(),
                Some(Cache::under(&config.cache_dir())),
                log,
            ));
            for (i, spec) in specs.iter().enumerate() {
                let label: Arc<str> = spec.label().into();
                let result = match spec {
                    SourceSpec::Files(_) => continue,
                    SourceSpec::Backstage { url } => runtime.block_on(read_backstage(
                        config,
                        url,
                        label.clone(),
                        &client,
                        progress,
                    )),
                    SourceSpec::GitHubOrg(org) => runtime.block_on(read_github_org(
                        config,
                        org,
                        label.clone(),
                        &client,
                        progress,
                    )),
                    SourceSpec::AppConfig(files) => runtime.block_on(read_app_config(
                        config,
                        files,
                        label.clone(),
                        &client,
                        progress,
                    )),
                };
                match result {
                    Ok((part, hash)) => {
                        fingerprints[i] = Some(Fingerprint {
                            source: label.to_string(),
                            hash,
                        });
                        fetched[i] = Some(Ok(part));
                    }
                    Err(Failure::Offline(message)) => offline.push(message),
                    Err(Failure::Broken(message)) => fetched[i] = Some(Err(message)),
                }
            }
        }
        if let Some((_, before)) = previous {
            let now: Vec<&Fingerprint> = fingerprints.iter().flatten().collect();
            if offline.is_empty()
                && fetched.iter().all(|f| !matches!(f, Some(Err(_))))
                && now.len() == specs.len()
                && now.iter().copied().eq(before.iter())
            {
                return Refresh::Unchanged;
            }
        }
        let mut sources = Vec::with_capacity(specs.len());
        let mut refused = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            let kept = match (spec, fetched[i].take()) {
                (SourceSpec::Files(paths), _) => {
                    progress(format!("reading {}", paths_label(paths)));
                    Kept::Files {
                        paths: paths.clone(),
                        tree: Tree::read(paths, discover),
                    }
                }
                (_, Some(Ok(part))) => Kept::Whole {
                    part,
                    hash: fingerprints[i].as_ref().map_or(0, |f| f.hash),
                },
                (_, Some(Err(message))) => {
                    refused.push(message);
                    Kept::Missing
                }
                (_, None) => Kept::Missing,
            };
            sources.push((Arc::from(spec.label()), kept));
        }
        let live = Live {
            sources,
            app_config_dirs: CatalogSource::Several(
                specs
                    .iter()
                    .filter(|s| matches!(s, SourceSpec::AppConfig(_)))
                    .cloned()
                    .collect(),
            )
            .local_roots(),
            refused,
        };
        let loaded = live.loaded();
        load::release_freed_memory();
        Refresh::Loaded {
            loaded,
            offline,
            live,
        }
    }
}

impl SourceSpec {
    /// How the source is named in the header, on entity pages and in the snapshot.
    pub fn label(&self) -> String {
        match self {
            SourceSpec::Files(paths) => paths_label(paths),
            SourceSpec::Backstage { url } => format!("backstage {}", without_userinfo(url)),
            SourceSpec::GitHubOrg(org) => {
                let mut label = format!("github org {}", org.github_org);
                if let Some(repos) = &org.repos {
                    label.push_str(&format!(" (repos /{repos}/)"));
                }
                label
            }
            SourceSpec::AppConfig(files) => format!("app-config {}", paths_label(files)),
        }
    }
}

fn paths_label(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn without_userinfo(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.as_str().trim_end_matches('/').to_string()
        }
        Err(_) => url.trim_end_matches('/').to_string(),
    }
}

/// The config's sources, with `BACKSTAGE_URL` / `[backstage] url` added when no source names
/// that backend; `None` when nothing is configured. Paths are read as one source (at the place
/// of the first), so Locations may point from one to another.
fn configured(config: &Config) -> Option<Vec<SourceSpec>> {
    let mut specs = Vec::new();
    let mut paths = Vec::new();
    for source in &config.catalog.sources {
        match source {
            SourceConfig::Path(path) => {
                if paths.is_empty() {
                    specs.push(SourceSpec::Files(Vec::new()));
                }
                paths.push(path.clone());
            }
            SourceConfig::Backstage(b) => specs.push(SourceSpec::Backstage {
                url: b.backstage.trim_end_matches('/').to_string(),
            }),
            SourceConfig::GitHubOrg(org) => specs.push(SourceSpec::GitHubOrg(org.clone())),
        }
    }
    for spec in &mut specs {
        if let SourceSpec::Files(files) = spec {
            *files = std::mem::take(&mut paths);
        }
    }
    if let Some(url) = config.backstage_url() {
        let url = url.trim_end_matches('/').to_string();
        if !specs
            .iter()
            .any(|s| matches!(s, SourceSpec::Backstage { url: u } if *u == url))
        {
            specs.push(SourceSpec::Backstage { url });
        }
    }
    (!specs.is_empty()).then_some(specs)
}

/// Why a remote source gave nothing: it cannot be reached now (use the snapshot), or it answered
/// in a way that will not fix itself (a rejected token, a wrong URL).
enum Failure {
    Offline(String),
    Broken(String),
}

impl From<ProviderError> for Failure {
    fn from(err: ProviderError) -> Failure {
        if err.is_transient() {
            Failure::Offline(err.to_string())
        } else {
            Failure::Broken(err.to_string())
        }
    }
}

async fn read_backstage(
    config: &Config,
    url: &str,
    label: Arc<str>,
    client: &Arc<Client>,
    progress: &(dyn Fn(String) + Sync),
) -> Result<(Part, u64), Failure> {
    let backstage = Backstage::new(url, config.backstage_token(), client.clone())?;
    progress(format!("{label}: asking for the catalog…"));
    let fetched = backstage
        .entities(PAGE_SIZE, &|read, total| {
            progress(format!(
                "{label}: {} of {} entities",
                crate::format::thousands(read as u64),
                crate::format::thousands(total as u64)
            ))
        })
        .await?;
    let hash = fetched.fingerprint;
    Ok((backstage::part(label, &backstage, fetched), hash))
}

async fn read_github_org(
    config: &Config,
    org: &GitHubOrgSource,
    label: Arc<str>,
    client: &Arc<Client>,
    progress: &(dyn Fn(String) + Sync),
) -> Result<(Part, u64), Failure> {
    let discovery = github_org::Discovery::new(
        &config.github_api_url(),
        crate::providers::github::token(config),
        client.clone(),
        &org.github_org,
        org.repos.as_deref(),
        org.path.as_deref(),
    )
    .map_err(Failure::Broken)?;
    let found = discovery.discover(progress).await?;
    progress(format!(
        "{label}: {} repositories ({} archived, {} filtered out, {} without a catalog file)",
        found.repos, found.archived, found.filtered, found.without_file
    ));
    let hash = found.fingerprint;
    Ok((github_org::part(label, found), hash))
}

async fn read_app_config(
    config: &Config,
    files: &[PathBuf],
    label: Arc<str>,
    client: &Arc<Client>,
    progress: &(dyn Fn(String) + Sync),
) -> Result<(Part, u64), Failure> {
    let mut app = app_config::AppConfig::read(files);
    let mut problems = std::mem::take(&mut app.problems);
    progress(format!("{label}: reading its file locations"));
    let read = app.read_files();
    let mut entities = read.entities;
    problems.extend(read.problems);
    let mut hasher = Fnv::default();
    let default_api = config.github_api_url();
    let (urls, refused) = app.url_locations(&default_api);
    problems.extend(refused);
    for (location, api) in urls {
        // greenroom's own token serves github.com; an Enterprise host needs its integration's.
        let token = app
            .token_for(location)
            .or_else(|| (api == default_api).then(|| crate::providers::github::token(config))?);
        let discovery = github_org::Discovery::new(&api, token, client.clone(), "", None, None)
            .map_err(Failure::Broken)?;
        progress(format!("{label}: reading {}", location.target));
        let (read, hash) = app.read_url(location, &discovery, progress).await?;
        hasher.write_u64(hash);
        entities.extend(read.entities);
        problems.extend(read.problems);
    }
    // The config files and every file read, with their folders (a new file matching a glob
    // changes its folder's time).
    let mut paths: Vec<&Path> = read.files.iter().map(PathBuf::as_path).collect();
    paths.extend(read.files.iter().filter_map(|f| f.parent()));
    paths.sort_unstable();
    paths.dedup();
    for path in paths {
        let (len, time) = snapshot::stamp(path);
        hasher.write(path.as_os_str().as_encoded_bytes());
        hasher.write(&len.to_le_bytes());
        hasher.write(&time.to_le_bytes());
    }
    Ok((
        Part {
            label,
            read: entities,
            problems,
        },
        hasher.finish(),
    ))
}

/// Progress lines on stderr, over each other, when stderr is a terminal (never in pipes or logs).
struct StderrProgress {
    on: bool,
    shown: std::sync::atomic::AtomicBool,
}

impl StderrProgress {
    fn new() -> StderrProgress {
        use std::io::IsTerminal;
        StderrProgress {
            on: std::io::stderr().is_terminal(),
            shown: Default::default(),
        }
    }

    fn show(&self, line: &str) {
        if self.on {
            eprint!("\r\x1b[2K{line}");
            self.shown.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn finish(&self) {
        if self.shown.load(std::sync::atomic::Ordering::Relaxed) {
            eprint!("\r\x1b[2K");
        }
    }
}

/// greenroom's own source checkout holds the demo's sources and test fixtures, not a user's
/// catalog: there, `cargo run --release` opens the bundled demo, as the README promises.
fn is_greenroom_checkout(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|text| text.lines().any(|l| l.trim() == "name = \"greenroom\""))
        && dir.join("src/demo/catalog-info.yaml").is_file()
}

/// Whether a folder holds a catalog file within `depth` levels: a cheap probe, so that starting
/// greenroom in a home folder does not walk all of it to find there is no catalog.
fn has_catalog_files(dir: &Path, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if load::CATALOG_FILE_NAMES.contains(&name.as_ref()) {
            return true;
        }
        if depth > 0
            && entry.file_type().is_ok_and(|t| t.is_dir())
            && !name.starts_with('.')
            && name != "node_modules"
            && name != "target"
        {
            subdirs.push(entry.path());
        }
    }
    subdirs.iter().any(|sub| has_catalog_files(sub, depth - 1))
}
