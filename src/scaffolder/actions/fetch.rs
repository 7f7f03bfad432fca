//! `fetch:template`, `fetch:plain` and `fetch:plain:file`: a skeleton beside the template, copied
//! into the workspace, rendered or not (plugins/scaffolder-backend `fetch/templateActionHandler.ts`,
//! `fetch/plain.ts`, `fetch/plainFile.ts`).
//!
//! The skeleton is read from the template's folder (`url` relative to the template file; shared
//! skeletons elsewhere in its repository are reached with `../`, never outside it), or from GitHub for a
//! `https://github.com/OWNER/REPO/tree/REF/PATH` (or `/blob/` for one file) url, through the Git
//! Data API with the configured token; a template itself read from GitHub (org discovery, or a
//! backend's `managed-by-location`) has its relative urls read from its folder there. A symlink
//! in a skeleton is refused: following one could copy any file of this machine into a repository.

use super::context::{json_type, ActionContext};
use super::glob::glob_matches;
use crate::catalog::load::normalize;
use crate::scaffolder::options::RunOptions;
use crate::scaffolder::template::{Context, Syntax, Templater};
use crate::scaffolder::workspace::{join, safe_path, WorkspaceError};
use crate::scaffolder::Template;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One skeleton entry: `a/b/` for a folder, `a/b` for a file (with its contents).
struct SkeletonEntry {
    rel: String,
    dir: bool,
    contents: Vec<u8>,
    executable: bool,
}

/// What a `url` names: a folder's entries, or one file.
enum Fetched {
    Dir(Vec<SkeletonEntry>),
    File(SkeletonEntry),
}

/// Takes the template and options, not the action context: a reference to the context (with its
/// log callback) held across an await would make the run's future not `Send`.
async fn fetch(template: &Template, options: &RunOptions, url: &str) -> Result<Fetched, String> {
    if url.contains("://") {
        return fetch_github(options, url).await;
    }
    if let (None, Some(base)) = (&template.base_dir, &template.base_url) {
        return fetch_github(options, &github_relative(base, url)?).await;
    }
    let path = resolve_url(template, url)?;
    if path.is_dir() {
        return walk(&path).map(Fetched::Dir);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Fetched::File(SkeletonEntry {
        rel: name,
        dir: false,
        contents: std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?,
        executable: is_executable(&path),
    }))
}

/// A `url` relative to a template file on GitHub (`https://HOST/O/R/blob/REF/DIR/template.yaml`)
/// as a tree url (`https://HOST/O/R/tree/REF/DIR/URL`), as Backstage resolves it against the
/// template's URL; `../` may reach anywhere in the repository, not above it.
fn github_relative(base: &str, url: &str) -> Result<String, String> {
    let (repo, rest) = base.split_once("/blob/").ok_or_else(|| {
        format!("url {url:?}: the template's location {base} is not a GitHub file url")
    })?;
    let (reference, file) = rest.split_once('/').unwrap_or((rest, ""));
    let folder = file.rsplit_once('/').map_or("", |(dir, _)| dir);
    let joined = match folder.is_empty() {
        true => url.to_string(),
        false => format!("{folder}/{url}"),
    };
    let rel = safe_path(&joined)
        .map_err(|_| format!("url {url:?} leads outside the template's repository {repo}"))?;
    Ok(match rel.is_empty() {
        true => format!("{repo}/tree/{reference}"),
        false => format!("{repo}/tree/{reference}/{rel}"),
    })
}

/// `https://HOST/OWNER/REPO/tree|blob/REF/PATH` read with GitHub's Git Data API: the ref's
/// tree, then each blob under PATH.
async fn fetch_github(options: &RunOptions, url: &str) -> Result<Fetched, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("url {url:?}: {e}"))?;
    let parts: Vec<String> = parsed
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).map(|p| p.to_string()).collect())
        .unwrap_or_default();
    let (owner, repo, kind, reference, path) = match parts.as_slice() {
        [owner, repo, kind, reference, rest @ ..] if kind == "tree" || kind == "blob" => {
            (owner, repo, kind.as_str(), reference, rest.join("/"))
        }
        [owner, repo] => (owner, repo, "tree", &"HEAD".to_string(), String::new()),
        _ => {
            return Err(format!(
                "url {url:?}: only GitHub urls (https://github.com/OWNER/REPO/tree/REF/PATH) are fetched; run other remote templates on a Backstage backend"
            ))
        }
    };
    let gh = options.github.as_ref().ok_or_else(|| {
        format!("url {url:?}: reading from GitHub needs a token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`")
    })?;
    let get = |path: String| async move {
        let response = gh
            .client()
            .send(
                gh.service(),
                crate::providers::http::Call::get(super::github::api_url(gh, &path)),
            )
            .await
            .map_err(|e| e.to_string())?;
        serde_json::from_slice::<serde_json::Value>(&response.body)
            .map_err(|e| format!("GitHub answered {path} with something that is not JSON: {e}"))
    };
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let tree = get(format!(
        "/repos/{}/{}/git/trees/{}?recursive=1",
        enc(owner),
        enc(repo),
        enc(reference)
    ))
    .await?;
    if tree.get("truncated").and_then(Value::as_bool) == Some(true) {
        return Err(format!(
            "url {url:?}: the repository is too large to read through the API"
        ));
    }
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    let mut entries = Vec::new();
    let mut total = 0usize;
    for item in tree
        .get("tree")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or_default();
        let item_path = field("path");
        let rel = if kind == "blob" {
            if item_path != path {
                continue;
            }
            item_path
                .rsplit('/')
                .next()
                .unwrap_or(item_path)
                .to_string()
        } else if let Some(rel) = item_path.strip_prefix(&prefix) {
            rel.to_string()
        } else {
            continue;
        };
        match (field("type"), field("mode")) {
            ("tree", _) => entries.push(SkeletonEntry {
                rel: format!("{rel}/"),
                dir: true,
                contents: Vec::new(),
                executable: false,
            }),
            (_, "120000") => {
                return Err(format!(
                    "url {url:?}: {item_path} is a symlink; symlinks are refused"
                ))
            }
            ("blob", mode) => {
                let blob = get(format!(
                    "/repos/{}/{}/git/blobs/{}",
                    enc(owner),
                    enc(repo),
                    enc(field("sha"))
                ))
                .await?;
                let encoded: String = blob
                    .get("content")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect();
                use base64::Engine as _;
                let contents = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .map_err(|e| format!("{item_path}: {e}"))?;
                total += contents.len();
                if total > crate::scaffolder::workspace::MAX_BYTES {
                    return Err(format!(
                        "url {url:?}: more than {} MiB",
                        crate::scaffolder::workspace::MAX_BYTES >> 20
                    ));
                }
                entries.push(SkeletonEntry {
                    rel,
                    dir: false,
                    contents,
                    executable: mode == "100755",
                });
            }
            // Submodules are not followed.
            _ => {}
        }
    }
    if kind == "blob" {
        return entries
            .pop()
            .map(Fetched::File)
            .ok_or_else(|| format!("url {url:?}: no such file"));
    }
    if entries.is_empty() {
        return Err(format!("url {url:?}: no such folder, or it is empty"));
    }
    entries.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(Fetched::Dir(entries))
}

/// Resolves `url` against the template's folder. Shared skeletons (`../../skeletons/x`) may be
/// anywhere in the template's repository ([`repository_root`]), never outside it: checked as
/// written, then canonicalized, so a symlink on the way cannot lead out either.
fn resolve_url(template: &Template, url: &str) -> Result<PathBuf, String> {
    if url.contains("://") {
        return Err(format!(
            "url {url:?}: only paths relative to the template are fetched locally (run templates that fetch remote URLs on a Backstage backend)"
        ));
    }
    let base = template.base_dir.as_ref().ok_or_else(|| {
        format!("url {url:?}: the template was not read from a local file, so relative urls have no base")
    })?;
    let base = normalize(&std::path::absolute(base).map_err(|e| format!("url {url:?}: {e}"))?);
    let root = repository_root(template, &base);
    let folder = base.strip_prefix(&root).unwrap_or(Path::new(""));
    let joined = match folder.as_os_str().is_empty() {
        true => url.to_string(),
        false => format!("{}/{url}", folder.display()),
    };
    let rel = safe_path(&joined).map_err(|_| {
        format!(
            "url {url:?} leads outside the template's repository {}",
            root.display()
        )
    })?;
    let path = root.join(&rel);
    if !path.exists() {
        return Err(format!("url {url:?}: {} does not exist", path.display()));
    }
    let canonical = |p: &Path| p.canonicalize().map_err(|e| format!("url {url:?}: {e}"));
    let real = canonical(&path)?;
    // The template's own folder may be reached through a symlink (a checkout linked into a
    // catalog folder); what the url names must stay in that folder or the repository.
    if !real.starts_with(canonical(&root)?) && !real.starts_with(canonical(&base)?) {
        return Err(format!(
            "url {url:?}: {} is a symlink to {}, outside the template's repository {}; refusing to follow it",
            path.display(),
            real.display(),
            root.display()
        ));
    }
    Ok(path)
}

/// How far a relative `url` may reach from the template's folder `base` (absolute, normalized):
/// the git work tree holding it (nearest folder with a `.git`), else the catalog source it was
/// read from, else its own folder.
fn repository_root(template: &Template, base: &Path) -> PathBuf {
    if let Some(git) = base
        .ancestors()
        .find(|dir| std::fs::symlink_metadata(dir.join(".git")).is_ok())
    {
        return git.to_path_buf();
    }
    template
        .source_root
        .as_deref()
        .and_then(|root| std::path::absolute(root).ok())
        .map(|root| normalize(&root))
        .filter(|root| base.starts_with(root))
        .unwrap_or_else(|| base.to_path_buf())
}

fn walk(root: &Path) -> Result<Vec<SkeletonEntry>, String> {
    let mut out = Vec::new();
    let mut total = 0u64;
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let mut children: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .collect();
        children.sort_by_key(|c| c.file_name());
        for child in children {
            let name = child.file_name().to_string_lossy().into_owned();
            let path = child.path();
            let meta =
                std::fs::symlink_metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let rel = format!("{prefix}{name}");
            if meta.file_type().is_symlink() {
                return Err(format!(
                    "the skeleton has a symlink, {}; symlinks are refused (they could copy files from outside the template)",
                    path.display()
                ));
            }
            if meta.is_dir() {
                out.push(SkeletonEntry {
                    rel: format!("{rel}/"),
                    dir: true,
                    contents: Vec::new(),
                    executable: false,
                });
                stack.push((path, format!("{rel}/")));
            } else {
                total += meta.len();
                if total > crate::scaffolder::workspace::MAX_BYTES as u64 {
                    return Err(format!(
                        "{}: more than {} MiB",
                        root.display(),
                        crate::scaffolder::workspace::MAX_BYTES >> 20
                    ));
                }
                let contents =
                    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                out.push(SkeletonEntry {
                    rel,
                    dir: false,
                    contents,
                    executable: is_executable(&path),
                });
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Text is rendered; binary files (a NUL byte in the first 8 KB, or not UTF-8) are copied as they
/// are, like Backstage's `isBinaryFile` check.
fn as_text(bytes: &[u8]) -> Option<&str> {
    if bytes.iter().take(8000).any(|b| *b == 0) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

fn glob_patterns(patterns: &[String]) -> Result<Vec<glob::Pattern>, String> {
    patterns
        .iter()
        .map(|p| {
            glob::Pattern::new(p.trim_start_matches("./"))
                .map_err(|e| format!("copyWithoutTemplating pattern {p:?}: {e}"))
        })
        .collect()
}

/// Backstage's `containsSkippedContent`: a rendered path that is empty, starts with `/` or has
/// `//` had a part rendered away (how templates leave out a file or folder conditionally).
fn skipped(rendered: &str) -> bool {
    rendered.is_empty() || rendered.starts_with('/') || rendered.contains("//")
}

pub async fn template(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let url = ctx.required_str("url")?.to_string();
    let target =
        safe_path(ctx.str("targetPath").unwrap_or("./")).map_err(|e| format!("targetPath: {e}"))?;
    if ctx.input.contains_key("copyWithoutRender")
        && ctx.input.contains_key("copyWithoutTemplating")
    {
        return Err(
            "copyWithoutRender and copyWithoutTemplating can not be used at the same time".into(),
        );
    }
    let (copy_only, render_filename) = match ctx.strings("copyWithoutRender") {
        Ok(Some(p)) => {
            ctx.log("[Deprecated] copyWithoutRender is deprecated. Please use copyWithoutTemplating instead.");
            (Some(p), false)
        }
        Ok(None) => (
            ctx.strings("copyWithoutTemplating")
                .map_err(|_| "copyWithoutTemplating must be an array".to_string())?,
            true,
        ),
        Err(_) => return Err("copyWithoutRender must be an array".into()),
    };
    let cookiecutter = ctx.bool("cookiecutterCompat")?;
    let extension = match ctx.input.get("templateFileExtension") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) => Some(".njk".to_string()),
        Some(Value::String(ext)) if ext.starts_with('.') => Some(ext.clone()),
        Some(Value::String(ext)) => Some(format!(".{ext}")),
        Some(other) => {
            return Err(format!(
                "templateFileExtension must be a boolean or a string, got {}",
                json_type(other)
            ))
        }
    };
    if extension.is_some() && (copy_only.is_some() || cookiecutter) {
        return Err("templateFileExtension is incompatible with copyWithoutRender/copyWithoutTemplating and cookiecutterCompat".into());
    }
    let replace = ctx.bool("replace")?;
    let templater = Templater::new(Syntax {
        cookiecutter,
        trim_blocks: ctx.bool("trimBlocks")?,
        lstrip_blocks: ctx.bool("lstripBlocks")?,
    });
    let values = ctx
        .input
        .get("values")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    let mut context = serde_json::Map::new();
    context.insert(
        if cookiecutter {
            "cookiecutter"
        } else {
            "values"
        }
        .into(),
        values,
    );
    let context = Context::new(&Value::Object(context));
    let patterns = glob_patterns(copy_only.as_deref().unwrap_or_default())?;

    let entries = match fetch(ctx.template, ctx.options, &url).await? {
        Fetched::Dir(entries) => entries,
        Fetched::File(_) => {
            return Err(format!(
                "url {url:?} is a file; fetch:template needs a folder"
            ))
        }
    };
    ctx.log(format!(
        "Processing {} template files/directories with input values",
        entries.len()
    ));
    let render = |text: &str, what: &str| {
        templater
            .render(text, &context)
            .map_err(|e| format!("{what}: {e}"))
    };
    for entry in entries {
        let (render_contents, output_path) = match &extension {
            Some(ext) => {
                let templated = !entry.dir && entry.rel.ends_with(ext.as_str());
                let path = if templated {
                    &entry.rel[..entry.rel.len() - ext.len()]
                } else {
                    &entry.rel
                };
                (
                    templated,
                    render(path, &format!("file name {}", entry.rel))?,
                )
            }
            None => {
                let templated = !glob_matches(&patterns, &entry.rel);
                let path = if render_filename || templated {
                    render(&entry.rel, &format!("file name {}", entry.rel))?
                } else {
                    entry.rel.clone()
                };
                (templated, path)
            }
        };
        if skipped(&output_path) {
            continue;
        }
        let destination = join(&target, &output_path)
            .map_err(|e| format!("{} renders to {output_path:?}: {e}", entry.rel))?;
        if destination.is_empty() {
            continue;
        }
        if ctx.workspace.exists(&destination) && !replace && !entry.dir {
            ctx.log(format!(
                "{destination} exists; kept (set replace: true to overwrite)"
            ));
            continue;
        }
        if entry.dir {
            ctx.workspace.mkdir(&destination).map_err(werr)?;
            continue;
        }
        let contents = match (render_contents, as_text(&entry.contents)) {
            (true, Some(text)) => render(text, &format!("file {}", entry.rel))?.into_bytes(),
            _ => entry.contents,
        };
        ctx.workspace
            .write(&destination, contents, entry.executable)
            .map_err(werr)?;
    }
    ctx.log(format!(
        "Template result written to {}",
        if target.is_empty() { "./" } else { &target }
    ));
    Ok(())
}

fn werr(e: WorkspaceError) -> String {
    e.0
}

pub async fn plain(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let url = ctx.required_str("url")?.to_string();
    let target =
        safe_path(ctx.str("targetPath").unwrap_or("./")).map_err(|e| format!("targetPath: {e}"))?;
    ctx.log(format!("Fetching plain content from {url}"));
    let entries = match fetch(ctx.template, ctx.options, &url).await? {
        Fetched::Dir(entries) => entries,
        Fetched::File(file) => vec![file],
    };
    for entry in entries {
        let destination = join(&target, &entry.rel).map_err(werr)?;
        if entry.dir {
            ctx.workspace.mkdir(&destination).map_err(werr)?;
        } else {
            ctx.workspace
                .write(&destination, entry.contents, entry.executable)
                .map_err(werr)?;
        }
    }
    Ok(())
}

pub async fn plain_file(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let url = ctx.required_str("url")?.to_string();
    let target = ctx.required_str("targetPath")?.to_string();
    let destination = safe_path(&target).map_err(|e| format!("targetPath: {e}"))?;
    ctx.log(format!("Fetching plain content from {url}"));
    match fetch(ctx.template, ctx.options, &url).await? {
        Fetched::File(file) => ctx
            .workspace
            .write(&destination, file.contents, file.executable)
            .map_err(werr),
        Fetched::Dir(_) => Err(format!(
            "url {url:?} is a folder; fetch:plain:file needs a file"
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_urls_of_a_template_on_github() {
        let base = "https://github.com/acme/templates/blob/main/node/template.yaml";
        assert_eq!(
            super::github_relative(base, "./skeleton").unwrap(),
            "https://github.com/acme/templates/tree/main/node/skeleton"
        );
        assert_eq!(
            super::github_relative(base, "./").unwrap(),
            "https://github.com/acme/templates/tree/main/node"
        );
        assert_eq!(
            super::github_relative(base, "../skeletons/ci/").unwrap(),
            "https://github.com/acme/templates/tree/main/skeletons/ci"
        );
        assert!(super::github_relative(base, "../../x").is_err());
        let at_root = "https://github.com/acme/one/blob/main/template.yaml";
        assert_eq!(
            super::github_relative(at_root, "./skeleton").unwrap(),
            "https://github.com/acme/one/tree/main/skeleton"
        );
        assert!(super::github_relative(at_root, "../x").is_err());
    }
}
