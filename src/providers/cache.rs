//! The disk cache of HTTP answers: `cache_dir()/http/<hash of the URL>`, one file per URL holding
//! the body, its ETag and when it was fetched, so a second launch shows the last known data at once
//! (with its age) and works offline, and refreshes are conditional requests.
//!
//! Files are written atomically (not synced) and readable only by the user ([`crate::providers::private_file`]). Only
//! the URL's path (its query only as a hash: a query can carry a secret, like PagerDuty's
//! integration-key lookup), the ETag, the time and the body are stored: never request headers, so
//! never a token. A file that cannot be read back (truncated, another format, another URL under the
//! same hash) is ignored and rewritten by the next answer.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const FORMAT: &str = "greenroom-http-cache-v2";

/// A stored answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub url: String,
    pub etag: Option<String>,
    pub fetched_at: SystemTime,
    pub body: Vec<u8>,
}

impl Entry {
    /// How old the data is ("last known data, N min ago").
    pub fn age(&self) -> Duration {
        SystemTime::now()
            .duration_since(self.fetched_at)
            .unwrap_or_default()
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Meta {
    format: String,
    /// [`stored_url`]: the URL without its query in clear.
    url: String,
    etag: Option<String>,
    /// Milliseconds since the Unix epoch.
    fetched_at: u64,
    len: usize,
}

/// The cache folder.
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The HTTP cache under greenroom's cache folder (`Config::cache_dir()`).
    pub fn under(cache_dir: &Path) -> Cache {
        Cache {
            dir: cache_dir.join("http"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for a URL: a stable 128-bit FNV-1a hash, so the same URL maps to the same file in
    /// every greenroom version and process.
    pub fn path(&self, url: &str) -> PathBuf {
        let high = fnv1a(0xcbf2_9ce4_8422_2325, url.as_bytes());
        let low = fnv1a(0x8422_2325_cbf2_9ce4, url.as_bytes());
        self.dir.join(format!("{high:016x}{low:016x}.json"))
    }

    /// The stored answer for `url`, or `None` when there is none or it cannot be used. A damaged
    /// file is removed (the next answer writes it anew) and said to the user once
    /// ([`crate::notices`]); a file of another URL under the same hash is left alone.
    pub fn get(&self, url: &str) -> Option<Entry> {
        let path = self.path(url);
        let bytes = std::fs::read(&path).ok()?;
        let meta = bytes.iter().position(|&b| b == b'\n').and_then(|newline| {
            let meta: Meta = serde_json::from_slice(&bytes[..newline]).ok()?;
            (meta.format == FORMAT && meta.len == bytes.len() - newline - 1)
                .then_some((meta, newline))
        });
        let Some((meta, newline)) = meta else {
            let _ = std::fs::remove_file(&path);
            crate::notices::report(
                "http-cache",
                format!(
                    "{}: damaged HTTP cache file removed; its data is fetched again",
                    path.display()
                ),
            );
            return None;
        };
        let body = &bytes[newline + 1..];
        if meta.url != stored_url(url) {
            return None;
        }
        Some(Entry {
            url: url.into(),
            etag: meta.etag,
            fetched_at: SystemTime::UNIX_EPOCH + Duration::from_millis(meta.fetched_at),
            body: body.to_vec(),
        })
    }

    /// Stores an answer for `url` (atomically, mode 0600).
    pub fn put(&self, url: &str, entry: &Entry) -> std::io::Result<()> {
        let meta = Meta {
            format: FORMAT.into(),
            url: stored_url(url),
            etag: entry.etag.clone(),
            fetched_at: entry
                .fetched_at
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as u64,
            len: entry.body.len(),
        };
        let mut head = serde_json::to_vec(&meta).map_err(std::io::Error::other)?;
        head.push(b'\n');
        // Not synced: an entry lost in a power cut is fetched again, and a sync per answer would
        // cost more than the request.
        crate::providers::private_file::write_private_atomic(
            &self.path(url),
            &[&head, &entry.body],
            false,
        )
    }
}

/// The URL as a cache file names it: the query replaced by a hash of the whole URL, so a file
/// still tells which URL it answers without holding a secret the query may carry.
fn stored_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!(
            "{base}?#{:016x}",
            fnv1a(0x9e37_79b9_7f4a_7c15, url.as_bytes())
        ),
        None => url.to_string(),
    }
}

fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |hash, &b| {
        (hash ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str, body: &[u8]) -> Entry {
        Entry {
            url: url.into(),
            etag: Some("W/\"abc\"".into()),
            fetched_at: SystemTime::now() - Duration::from_secs(90),
            body: body.to_vec(),
        }
    }

    #[test]
    fn round_trip_with_age_and_private_files() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::under(dir.path());
        let url = "https://api.github.com/repos/o/r/actions/runs?per_page=10";
        assert!(cache.get(url).is_none());
        let stored = entry(
            url,
            b"{\"total_count\":0,\"workflow_runs\":[]}\nsecond line",
        );
        cache.put(url, &stored).unwrap();
        let back = cache.get(url).unwrap();
        assert_eq!(back.body, stored.body);
        assert_eq!(back.etag, stored.etag);
        assert!(
            back.age() >= Duration::from_secs(89) && back.age() < Duration::from_secs(120),
            "{:?}",
            back.age()
        );
        assert!(cache.path(url).starts_with(dir.path().join("http")));
        assert_eq!(
            cache.path(url),
            Cache::under(dir.path()).path(url),
            "stable names"
        );
        assert_ne!(
            cache.path(url),
            cache.path("https://api.github.com/repos/o/r/actions/runs?per_page=11")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(cache.path(url))
                    .unwrap()
                    .permissions()
                    .mode()
                    & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn a_query_is_stored_only_as_a_hash() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::under(dir.path());
        let url = "https://api.pagerduty.com/services?query=R0UTINGKEY4242";
        cache.put(url, &entry(url, b"{}")).unwrap();
        let file = std::fs::read_to_string(cache.path(url)).unwrap();
        assert!(!file.contains("R0UTINGKEY4242"), "{file}");
        assert_eq!(cache.get(url).unwrap().url, url);
        let other = "https://api.pagerduty.com/services?query=other";
        std::fs::copy(cache.path(url), cache.path(other)).unwrap();
        assert!(
            cache.get(other).is_none(),
            "another query is another answer"
        );
    }

    #[test]
    fn corrupt_files_are_removed_said_then_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::under(dir.path());
        let url = "https://example.com/a";
        cache.put(url, &entry(url, b"0123456789")).unwrap();
        let path = cache.path(url);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let reported = crate::notices::count("http-cache");
        assert!(cache.get(url).is_none(), "truncated body");
        assert!(!path.exists(), "a damaged file is removed");
        assert_eq!(
            crate::notices::count("http-cache"),
            reported + 1,
            "and said"
        );
        std::fs::write(&path, b"garbage").unwrap();
        assert!(cache.get(url).is_none(), "no header");
        std::fs::write(&path, b"{\"format\":1}\nbody").unwrap();
        assert!(cache.get(url).is_none(), "bad header");
        cache.put(url, &entry(url, b"fresh")).unwrap();
        assert_eq!(cache.get(url).unwrap().body, b"fresh");
        // Another URL whose file this is (a hash collision, or a moved file) is not trusted.
        std::fs::copy(&path, cache.path("https://example.com/b")).unwrap();
        assert!(cache.get("https://example.com/b").is_none());
        assert!(
            cache.path("https://example.com/b").exists(),
            "not damaged: kept"
        );
    }
}
