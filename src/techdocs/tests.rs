//! The site model on the fixture sites in tests/fixtures/techdocs/.

use super::*;
use crate::catalog::load::load_paths;
use std::path::Path;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/techdocs")
        .join(path)
}

fn titles(items: &[NavItem]) -> Vec<String> {
    items
        .iter()
        .map(|item| match &item.target {
            NavTarget::Section(children) => {
                format!("{} [{}]", item.title, titles(children).join(", "))
            }
            NavTarget::Page(page) if !item.in_nav => format!("{} ({page}, not in nav)", item.title),
            NavTarget::Page(page) => format!("{} ({page})", item.title),
            NavTarget::Link(url) => format!("{} <{url}>", item.title),
        })
        .collect()
}

#[test]
fn reads_a_nested_nav_then_the_pages_it_leaves_out() {
    let site = Site::open(&fixture("handbook")).unwrap();
    assert_eq!(site.name.as_deref(), Some("Handbook"));
    assert_eq!(
        titles(&site.nav),
        [
            "Home (index.md)",
            "Guide [Setup (guide/setup.md), Deploying (guide/deploy.md), Reference [API (reference/api.md), Status page <https://status.example.com>]]",
            "Glossary (glossary.md)",
            "Extra notes (extra.md, not in nav)",
        ]
    );
    assert_eq!(
        site.pages(),
        [
            "index.md",
            "guide/setup.md",
            "guide/deploy.md",
            "reference/api.md",
            "glossary.md",
            "extra.md"
        ]
    );
    assert_eq!(site.first_page(), Some("index.md"));
    assert_eq!(site.title("guide/deploy.md"), Some("Deploying"));
    assert!(site.read("guide/setup.md").unwrap().starts_with("# Setup"));
}

#[test]
fn a_nav_page_missing_on_disk_is_an_error_naming_the_file() {
    let site = Site::open(&fixture("handbook")).unwrap();
    let err = site.read("glossary.md").unwrap_err();
    assert_eq!(err.path, fixture("handbook/docs/glossary.md"));
    assert!(err.to_string().contains("glossary.md: not found"), "{err}");
}

#[test]
fn without_a_nav_pages_come_in_folder_order_index_first() {
    let site = Site::open(&fixture("nonav/site")).unwrap();
    assert_eq!(
        titles(&site.nav),
        [
            "Welcome (index.md)",
            "Alpha (alpha.md)",
            "Beta notes (beta-notes.md)",
            "Topics [Caching (topics/caching.md)]",
        ]
    );
}

#[test]
fn broken_or_missing_mkdocs_yml_names_the_file_and_line() {
    let err = Site::open(&fixture("broken")).unwrap_err();
    assert_eq!(err.path, fixture("broken/mkdocs.yml"));
    assert_eq!(err.line, Some(5), "{err}");
    assert!(err.to_string().contains("not valid YAML"), "{err}");
    let err = Site::open(&fixture("nonav")).unwrap_err();
    assert_eq!(err.path, fixture("nonav/mkdocs.yml"));
    assert!(err.to_string().contains("not found"), "{err}");
}

#[test]
fn a_nav_that_is_not_pages_says_which_entry() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    std::fs::write(
        dir.path().join("mkdocs.yml"),
        "nav:\n  - index.md\n  - 42\n",
    )
    .unwrap();
    let err = Site::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("nav: entry 2"), "{err}");
    std::fs::write(dir.path().join("mkdocs.yml"), "nav: index.md\n").unwrap();
    let err = Site::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("nav: not a list"), "{err}");
}

#[test]
fn locates_a_site_relative_to_the_catalog_file_else_the_readme() {
    let loaded = load_paths(&[fixture("")]);
    let catalog = loaded.catalog;
    let entity = |name: &str| catalog.entity(catalog.resolve(name).unwrap());
    match locate(entity("plain-site")) {
        Ok(Docs::Site(site)) => assert_eq!(site.config, fixture("nonav/site/mkdocs.yml")),
        other => panic!("{other:?}"),
    }
    match locate(entity("broken-docs")) {
        Err(Missing::Site(err)) => assert_eq!(err.line, Some(5)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_url_ref_is_left_to_be_fetched_and_its_nav_names_the_pages() {
    let read = crate::catalog::document::read_file(
        &std::sync::Arc::from("/x/catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\n  annotations:\n    backstage.io/techdocs-ref: url:https://github.com/acme/web/tree/main\nspec: {type: service, lifecycle: production, owner: t}\n",
    );
    let missing = locate(&read.entities[0].entity).unwrap_err();
    assert_eq!(
        missing,
        Missing::Url {
            key: "component:default/web".into(),
            url: "https://github.com/acme/web/tree/main".into()
        }
    );
    assert!(missing
        .to_string()
        .contains("`greenroom docs component:default/web` fetches them"));
    let config = Path::new("https://h/site/mkdocs.yml");
    let (docs_dir, pages) = site::named_pages(
        config,
        "docs_dir: pages\nnav:\n  - index.md\n  - Guide: [guide/a.md, {B: guide/b.md}]\n  - Out: https://example.com\n",
    )
    .unwrap();
    assert_eq!(docs_dir, "pages");
    assert_eq!(pages, ["index.md", "guide/a.md", "guide/b.md"]);
    let err = site::named_pages(config, "nav: 3\n").unwrap_err();
    assert_eq!(err.message, "nav: not a list of pages and sections");
}
