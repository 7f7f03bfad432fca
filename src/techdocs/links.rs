//! Where a link in a page leads, as MkDocs resolves it: `other.md#anchor` relative to the page's
//! folder, `sub/` to that folder's index, `#anchor` within the page, anything with a scheme out of
//! the site. Anchors are Python-Markdown's `toc` slugs, so links written for the real site work.

/// What following a link does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A page of the site (its path under `docs_dir`), at a heading when `anchor` is set.
    Page {
        path: String,
        anchor: Option<String>,
    },
    /// A heading of the page the link is on.
    Anchor(String),
    /// A web address (or `mailto:`): the browser's business.
    External(String),
    /// A file of the site that is not a page (an image, a PDF), or a path that leaves the site.
    File(String),
}

/// Resolves `href`, written in the page at `from` (a path under `docs_dir`, `/`-separated).
pub fn resolve(from: &str, href: &str) -> Target {
    let href = href.trim();
    if let Some(anchor) = href.strip_prefix('#') {
        return Target::Anchor(anchor.to_string());
    }
    if has_scheme(href) || href.starts_with("//") {
        return Target::External(href.to_string());
    }
    let (path, anchor) = match href.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor.to_string()).filter(|a| !a.is_empty())),
        None => (href, None),
    };
    // A query string means nothing to a file on disk.
    let path = path.split('?').next().unwrap_or(path);
    let base = if path.starts_with('/') {
        ""
    } else {
        from.rsplit_once('/').map_or("", |(dir, _)| dir)
    };
    let Some(mut joined) = normalize(base, path) else {
        return Target::File(href.to_string());
    };
    if joined.is_empty() || path.ends_with('/') {
        joined = match joined.is_empty() {
            true => "index.md".to_string(),
            false => format!("{joined}/index.md"),
        };
    }
    if joined.ends_with(".md") || joined.ends_with(".markdown") {
        Target::Page {
            path: joined,
            anchor,
        }
    } else {
        Target::File(joined)
    }
}

/// `base/path` with `.` and `..` folded; `None` when `..` climbs out of the site.
fn normalize(base: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in base.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

fn has_scheme(href: &str) -> bool {
    let Some((scheme, _)) = href.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A heading's anchor as Python-Markdown's `toc` extension makes it (MkDocs' default): lower
/// case, characters other than letters, digits, `_`, `-` and spaces dropped, runs of spaces and
/// hyphens one hyphen. Accented letters lose their accent there (NFKD, then ASCII); here they are
/// kept, which only matters for links typed by hand to such headings.
pub fn slug(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '_' | '-') || c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let mut out = String::with_capacity(kept.len());
    let mut gap = false;
    for c in kept.trim().chars() {
        if c == '-' || c.is_whitespace() {
            if !gap {
                out.push('-');
            }
            gap = true;
        } else {
            out.push(c);
            gap = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, anchor: Option<&str>) -> Target {
        Target::Page {
            path: path.into(),
            anchor: anchor.map(Into::into),
        }
    }

    #[test]
    fn resolves_relative_links_as_mkdocs_does() {
        assert_eq!(
            resolve("guide/setup.md", "deploy.md"),
            page("guide/deploy.md", None)
        );
        assert_eq!(
            resolve("guide/setup.md", "../reference/api.md#errors"),
            page("reference/api.md", Some("errors"))
        );
        assert_eq!(
            resolve("index.md", "./guide/"),
            page("guide/index.md", None)
        );
        assert_eq!(
            resolve("guide/setup.md", "/index.md"),
            page("index.md", None)
        );
        assert_eq!(
            resolve("guide/setup.md", "#steps"),
            Target::Anchor("steps".into())
        );
        assert_eq!(
            resolve("index.md", "https://example.com/a.md"),
            Target::External("https://example.com/a.md".into())
        );
        assert_eq!(
            resolve("index.md", "mailto:team@example.com"),
            Target::External("mailto:team@example.com".into())
        );
        assert_eq!(
            resolve("a/b.md", "img/x.png"),
            Target::File("a/img/x.png".into())
        );
        assert_eq!(
            resolve("index.md", "../../etc/passwd"),
            Target::File("../../etc/passwd".into())
        );
    }

    #[test]
    fn slugs_match_python_markdown() {
        assert_eq!(slug("Rolling back"), "rolling-back");
        assert_eq!(slug("Step 2: deploy (prod)"), "step-2-deploy-prod");
        assert_eq!(slug("  a -- b  "), "a-b");
        assert_eq!(slug("snake_case"), "snake_case");
    }
}
