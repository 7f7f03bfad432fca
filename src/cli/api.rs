//! `greenroom api REF [--raw]`: an API entity's definition, as the list of its operations or as
//! the text itself.

use super::context::{resolve_or_explain, Context};
use super::output::{print_json, print_table, Format};
use crate::apidef::{self, Operation};
use crate::catalog::Definition;
use crate::providers::definition::Reader;
use crate::providers::github::GitHub;
use crate::providers::http::{Client, Log};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entity reference: [kind:][namespace/]name (an API).
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::entity_refs))]
    reference: String,
    /// Print the definition's text instead of its operations.
    #[arg(long)]
    raw: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let id = resolve_or_explain(&catalog, &args.reference)?;
    let entity = catalog.entity(id);
    let key = entity.reference.key();
    let fetched;
    let text = match entity.definition() {
        Some(Definition::Text(text)) => text,
        Some(Definition::Url { placeholder, url }) => {
            fetched = fetch(context, placeholder, url).map_err(|why| {
                eprintln!("greenroom: {key}: not fetched: {why}");
                ExitCode::from(1)
            })?;
            fetched.as_str()
        }
        None => {
            eprintln!("greenroom: {key} has no API definition (spec.definition)");
            return Err(ExitCode::from(1));
        }
    };
    if args.raw {
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
        return Ok(ExitCode::SUCCESS);
    }
    let spec_type = entity.spec_type().unwrap_or("");
    let definition = apidef::outline(spec_type, text).map_err(|err| {
        eprintln!("greenroom: {key}: the {spec_type} definition does not parse: {err}");
        ExitCode::from(1)
    })?;
    if args.format == Format::Json {
        let operations = definition.operations.iter().map(|op| {
            serde_json::json!({
                "method": op.method,
                "path": op.path,
                "operationId": op.operation_id,
                "summary": op.summary,
                "tags": op.tags,
                "deprecated": op.deprecated,
            })
        });
        print_json(&serde_json::Value::Array(operations.collect()));
        return Ok(ExitCode::SUCCESS);
    }
    let about: Vec<&str> = [definition.title.as_deref(), definition.version.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    println!(
        "{}",
        format!("{key}  {spec_type}  {}", about.join(" ")).trim_end()
    );
    if definition.operations.is_empty() && definition.webhooks.is_empty() {
        println!("no operations to list (greenroom api {key} --raw prints the definition)");
        return Ok(ExitCode::SUCCESS);
    }
    print_operations(&definition.operations);
    if !definition.webhooks.is_empty() {
        println!("\nwebhooks:");
        print_operations(&definition.webhooks);
    }
    Ok(ExitCode::SUCCESS)
}

/// A definition at a URL, read now: `[reading] allow` and the GitHub token apply as in the TUI.
fn fetch(context: &Context, placeholder: &str, url: &str) -> Result<String, String> {
    read_urls(context, |reader, runtime| {
        runtime
            .block_on(reader.definition(placeholder, url))
            .map(|fetched| fetched.value.0)
            .map_err(|err| err.to_string())
    })
}

/// Runs `read` with a [`Reader`] of URLs made from the config (the client, `[reading] allow`,
/// GitHub for its URLs) and a runtime to wait on it.
pub(super) fn read_urls<T>(
    context: &Context,
    read: impl FnOnce(&Reader, &tokio::runtime::Runtime) -> Result<T, String>,
) -> Result<T, String> {
    let client = Arc::new(Client::from_config(
        &context.config,
        Log::verbose(context.verbose),
    ));
    let reader = Reader {
        client: &client,
        reading: &context.config.reading,
        github: GitHub::from_config(&context.config, client.clone()),
    };
    let runtime = super::context::runtime().map_err(|_| "no async runtime".to_string())?;
    read(&reader, &runtime)
}

fn print_operations(operations: &[Operation]) {
    let rows: Vec<Vec<String>> = operations
        .iter()
        .map(|op| {
            let summary = op
                .summary
                .as_deref()
                .and_then(|s| s.lines().next())
                .unwrap_or("");
            vec![
                op.method.clone(),
                op.path.clone(),
                op.operation_id.clone().unwrap_or_else(|| "-".into()),
                op.tags.join(", "),
                match op.deprecated {
                    true => format!("(deprecated) {summary}"),
                    false => summary.to_string(),
                },
            ]
        })
        .collect();
    print_table(&["METHOD", "PATH", "OPERATION", "TAGS", "SUMMARY"], &rows);
}
