//! `greenroom docs REF [--page PATH]`: an entity's TechDocs page (default: the first of its
//! site's nav) or its README, rendered as text by the same renderer as the Docs pane.

use super::context::{resolve_or_explain, Context};
use crate::providers::docs_site;
use crate::techdocs::{self, Docs, Missing, Site};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entity reference: [kind:][namespace/]name.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::entity_refs))]
    reference: String,
    /// A page of the entity's TechDocs site, by its path under docs_dir (e.g. guide/setup.md).
    #[arg(long, value_name = "PATH")]
    page: Option<String>,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let id = resolve_or_explain(&catalog, &args.reference)?;
    let entity = catalog.entity(id);
    let key = entity.key();
    let fail = |message: String| {
        eprintln!("greenroom: {message}");
        ExitCode::from(1)
    };
    let located = match techdocs::locate(entity) {
        Err(Missing::Url { url, .. }) => fetch(context, &url)
            .map_err(|why| fail(format!("{key}: not fetched: {why}")))
            .and_then(|dir| Site::open(&dir).map_err(|err| fail(err.to_string())))
            .map(Docs::Site)?,
        other => other.map_err(|missing| fail(missing.to_string()))?,
    };
    let text = match located {
        Docs::Site(site) => {
            let pages = site.pages();
            let page = match args.page.as_deref() {
                Some(wanted) => {
                    let wanted = wanted.trim_start_matches("./");
                    pages
                        .iter()
                        .copied()
                        .find(|p| *p == wanted)
                        .ok_or_else(|| {
                            fail(format!(
                                "{key}: no page {wanted} in {}; its pages: {}",
                                site.config.display(),
                                pages.join(", ")
                            ))
                        })?
                }
                None => site.first_page().ok_or_else(|| {
                    fail(format!(
                        "{key}: {} has no pages (none in its nav, no .md files in {})",
                        site.config.display(),
                        site.docs_dir.display()
                    ))
                })?,
            };
            site.read(page).map_err(|err| fail(err.to_string()))?
        }
        Docs::File(path) => {
            if let Some(page) = &args.page {
                return Err(fail(format!(
                    "{key} has no TechDocs site (no backstage.io/techdocs-ref: dir:), so no page {page}; its docs are {}",
                    path.display()
                )));
            }
            techdocs::read_file(&path).map_err(|err| fail(err.to_string()))?
        }
    };
    print!("{}", techdocs::render(&text).text());
    Ok(ExitCode::SUCCESS)
}

/// A site at a URL, fetched now into the cache: `[reading] allow` and the GitHub token apply as
/// for definitions.
fn fetch(context: &Context, url: &str) -> Result<std::path::PathBuf, String> {
    super::api::read_urls(context, |reader, runtime| {
        runtime
            .block_on(docs_site::fetch(reader, url, &context.config.cache_dir()))
            .map_err(|err| err.to_string())
    })
}
