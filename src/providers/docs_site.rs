//! TechDocs sites at URLs (`backstage.io/techdocs-ref: url:URL`, URL the folder of the site's
//! `mkdocs.yml`), read as definitions at URLs are (`definition::Reader`: `[reading] allow`,
//! github.com through the contents API with the token, cached with ETags) into a folder under the
//! cache, which `techdocs::Site` then reads as any local site. A folder cannot be listed over HTTP:
//! the pages fetched are the ones the nav names, or `index.md` when it names none.

use super::definition::Reader;
use super::error::DOCS_HOST;
use super::ProviderError;
use crate::techdocs::site::named_pages;
use std::path::{Component, Path, PathBuf};

/// The folder a site was fetched into (a type of its own: replies are told apart by type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteFolder(pub PathBuf);

/// Where the site at `url` is kept under the cache folder `cache`.
pub fn folder(cache: &Path, url: &str) -> PathBuf {
    // FNV-1a: the same folder for the same URL from one version to the next.
    let hash = url.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    cache.join("techdocs").join(format!("{hash:016x}"))
}

/// Fetches the site at `url` into [`folder`] and returns that folder. Its `mkdocs.yml` must be
/// had (else the error says why: not allowed, offline, not found); a page of the nav that is not
/// found is left out, and opening it says so.
pub async fn fetch(reader: &Reader<'_>, url: &str, cache: &Path) -> Result<PathBuf, ProviderError> {
    let base = folder_url(url);
    let config_url = format!("{base}mkdocs.yml");
    let config = reader.read(&config_url, DOCS_HOST).await?.value;
    let invalid = |detail: String| ProviderError::Definition {
        target: config_url.clone(),
        detail,
    };
    let (docs_dir, mut pages) =
        named_pages(Path::new(&config_url), &config).map_err(|err| invalid(err.message))?;
    if !inside(&docs_dir) {
        return Err(invalid(format!(
            "docs_dir {docs_dir:?} leaves the site's folder"
        )));
    }
    if pages.is_empty() {
        pages.push("index.md".into());
    }
    let dir = folder(cache, url);
    let mut files = vec![(dir.join("mkdocs.yml"), config)];
    // Pages outside the folder are never asked for nor written.
    for page in pages.iter().filter(|p| inside(p) && p.ends_with(".md")) {
        match reader
            .read(&format!("{base}{docs_dir}/{page}"), DOCS_HOST)
            .await
        {
            Ok(text) => files.push((dir.join(&docs_dir).join(page), text.value)),
            Err(ProviderError::NotFound { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    // A new copy each time: a page the nav dropped goes.
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        super::private_file::write_private_atomic(&path, &[text.as_bytes()], false).map_err(
            |err| ProviderError::Definition {
                target: path.display().to_string(),
                detail: format!("cannot be written: {err}"),
            },
        )?;
    }
    Ok(dir)
}

/// The folder's URL, ending in `/`: a GitHub folder (`/OWNER/REPO/tree/REF/PATH`) as the blob
/// URLs of its files, which the reader fetches through the contents API.
fn folder_url(url: &str) -> String {
    let mut base = url.trim_end_matches('/').to_string();
    if let Ok(parsed) = url::Url::parse(&base) {
        let segments: Vec<&str> = parsed
            .path_segments()
            .map(Iterator::collect)
            .unwrap_or_default();
        if segments.get(2) == Some(&"tree") {
            let mut blob = parsed.clone();
            let mut path = segments.clone();
            path[2] = "blob";
            blob.set_path(&path.join("/"));
            base = blob.to_string();
        }
    }
    base + "/"
}

/// A relative path that stays inside its folder.
fn inside(path: &str) -> bool {
    Path::new(path)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_urls_end_in_a_slash_and_github_folders_become_blobs() {
        assert_eq!(
            folder_url("https://docs.example.com/site"),
            "https://docs.example.com/site/"
        );
        assert_eq!(
            folder_url("https://github.com/acme/shop/tree/main/docs-site/"),
            "https://github.com/acme/shop/blob/main/docs-site/"
        );
        assert_eq!(
            folder_url("https://github.com/acme/shop/tree/v2"),
            "https://github.com/acme/shop/blob/v2/"
        );
        assert!(inside("guide/setup.md") && inside("docs"));
        assert!(!inside("../secrets.md") && !inside("/etc/passwd") && !inside("a/../../b.md"));
        let cache = Path::new("/c");
        assert_eq!(folder(cache, "https://a/x"), folder(cache, "https://a/x"));
        assert_ne!(folder(cache, "https://a/x"), folder(cache, "https://a/y"));
    }
}
