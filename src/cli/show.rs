//! `greenroom show REF`: one entity, its fields, annotations, links, relations both ways and its
//! problems.

use super::context::{resolve_or_explain, Context};
use super::output::{print_json, Format};
use crate::catalog::value::Value;
use crate::catalog::Target;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entity reference: [kind:][namespace/]name.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::entity_refs))]
    reference: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let id = resolve_or_explain(&catalog, &args.reference)?;
    if args.format == Format::Json {
        print_json(&catalog.entity_json(id));
        return Ok(ExitCode::SUCCESS);
    }
    let entity = catalog.entity(id);
    println!("{}", entity.reference.key());
    if let Some(title) = entity.title() {
        println!("  title: {title}");
    }
    if let Some(description) = entity.description() {
        println!("  description: {description}");
    }
    println!("  source: {}:{}", entity.source.location, entity.source.pos);
    let spec_fields: Vec<(&str, String)> = entity
        .spec
        .as_map()
        .iter()
        .filter_map(|(k, v)| scalar_or_list(v).map(|text| (&**k, text)))
        .collect();
    if !spec_fields.is_empty() {
        println!("spec:");
        for (key, value) in spec_fields {
            println!("  {key}: {value}");
        }
    }
    for section in ["labels", "annotations"] {
        let entries = entity
            .metadata
            .get(section)
            .map(Value::as_map)
            .unwrap_or_default();
        if !entries.is_empty() {
            println!("{section}:");
            for (key, value) in entries {
                println!("  {key}: {}", scalar_or_list(value).unwrap_or_default());
            }
        }
    }
    let tags: Vec<&str> = entity.tags().collect();
    if !tags.is_empty() {
        println!("tags: {}", tags.join(", "));
    }
    let links = entity.links();
    if !links.is_empty() {
        println!("links:");
        for (url, title) in links {
            match title {
                Some(title) => println!("  {title}: {url}"),
                None => println!("  {url}"),
            }
        }
    }
    let relations = catalog.relations(id);
    if !relations.is_empty() {
        println!("relations:");
        let width = relations
            .iter()
            .map(|r| r.kind.name().len())
            .max()
            .unwrap_or(0);
        for relation in relations {
            let missing = if matches!(relation.target, Target::Missing(_)) {
                "  (missing)"
            } else {
                ""
            };
            println!(
                "  {:<width$}  {}{missing}",
                relation.kind.name(),
                catalog.target_ref(relation.target).key()
            );
        }
    }
    let problems = catalog.problems_of(id);
    if !problems.is_empty() {
        println!("problems:");
        for problem in problems {
            println!("  {problem}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A spec or metadata value as one line, when it is a scalar or a list of scalars.
fn scalar_or_list(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Seq(items)
            if items
                .iter()
                .all(|i| !matches!(i, Value::Seq(_) | Value::Map(_))) =>
        {
            Some(
                items
                    .iter()
                    .filter_map(scalar_or_list)
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        }
        _ => None,
    }
}
