//! `catalog:write` and `catalog:register` (plugins/scaffolder-backend `builtin/catalog/write.ts`,
//! `register.ts`).
//!
//! Where `catalog:register` registers: with a Backstage backend configured (`BACKSTAGE_URL`), it
//! `POST`s the catalog-info URL to `/api/catalog/locations` as Backstage does. Otherwise it adds the
//! written `catalog-info.yaml` to the local catalog: a `Location` document whose target is that
//! file is appended to the catalog file greenroom was started on (`--catalog FILE`, or the root
//! `catalog-info.yaml` of the catalog folder), so the next load shows the new entity.

use super::context::ActionContext;
use crate::catalog::entity_ref::EntityRef;
use crate::providers::http::{Call, Service};
use crate::scaffolder::options::Registration;
use crate::scaffolder::workspace::safe_path;
use serde_json::{json, Value};

/// `catalog:fetch` (builtin/catalog/fetch.ts) from the catalog greenroom loaded: `entityRef` to
/// `entity`, `entityRefs` to `entities`; a missing entity fails the step unless `optional`
/// (then the output is null).
pub fn fetch(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let catalog = ctx
        .options
        .catalog
        .clone()
        .ok_or("catalog:fetch needs the catalog, and this run has none")?;
    let optional = ctx.bool("optional")?;
    let default_kind = ctx.str("defaultKind").map(str::to_string);
    let default_namespace = ctx.str("defaultNamespace").unwrap_or("default").to_string();
    let lookup = |text: &str| -> Result<Value, String> {
        let reference = EntityRef::parse(text, default_kind.as_deref(), &default_namespace)
            .map_err(|e| format!("entity reference {text:?}: {e}"))?;
        match catalog.get(&reference.key()) {
            Some(id) => Ok(catalog.entity_json(id)),
            None if optional => Ok(Value::Null),
            None => Err(format!("Entity {} not found", reference.key())),
        }
    };
    if let Some(text) = ctx.str("entityRef") {
        let entity = lookup(text)?;
        ctx.set_output("entity", entity);
    }
    if let Some(refs) = ctx.strings("entityRefs")? {
        let entities = refs
            .iter()
            .map(|r| lookup(r))
            .collect::<Result<Vec<_>, _>>()?;
        ctx.set_output("entities", entities);
    }
    if !ctx.input.contains_key("entityRef") && !ctx.input.contains_key("entityRefs") {
        return Err("input entityRef or entityRefs is required".into());
    }
    Ok(())
}

pub fn write(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let path = safe_path(ctx.str("filePath").unwrap_or("catalog-info.yaml"))
        .map_err(|e| format!("filePath: {e}"))?;
    let mut entity = ctx
        .input
        .get("entity")
        .filter(|e| e.is_object())
        .ok_or("entity must be an object")?
        .clone();
    // Backstage records which template wrote the entity (after the template's own annotations).
    if !entity["metadata"].is_object() {
        entity["metadata"] = json!({});
    }
    if !entity["metadata"]["annotations"].is_object() {
        entity["metadata"]["annotations"] = json!({});
    }
    entity["metadata"]["annotations"]["backstage.io/source-template"] =
        json!(ctx.template.reference);
    let yaml = serde_yaml::to_string(&entity).map_err(|e| format!("entity: {e}"))?;
    ctx.log(format!("Writing {path}"));
    ctx.workspace
        .write(&path, yaml.into_bytes(), false)
        .map_err(|e| e.0)
}

/// `catalogInfoUrl`, or `repoContentsUrl` joined with `catalogInfoPath` (default
/// `/catalog-info.yaml`), and the workspace path of that file.
fn target(ctx: &ActionContext<'_>) -> Result<(String, String), String> {
    let path = ctx.str("catalogInfoPath").unwrap_or("/catalog-info.yaml");
    let url = match (ctx.str("catalogInfoUrl"), ctx.str("repoContentsUrl")) {
        (Some(url), _) => url.to_string(),
        (None, Some(base)) => format!(
            "{}/{}",
            base.trim_end_matches('/'),
            path.trim_start_matches('/')
        ),
        (None, None) => {
            return Err(
                "input catalogInfoUrl, or repoContentsUrl (with catalogInfoPath), is required"
                    .into(),
            )
        }
    };
    // A repository path: `/catalog-info.yaml` is the file at the root.
    let local =
        safe_path(path.trim_start_matches('/')).map_err(|e| format!("catalogInfoPath: {e}"))?;
    Ok((url, local))
}

/// The entity the new file declares: the first that is not a Location, as Backstage picks it.
fn entity_ref_in(ctx: &ActionContext<'_>, local: &str) -> Option<String> {
    let text = std::str::from_utf8(ctx.workspace.file(local)?).ok()?;
    let docs: Vec<Value> = serde_yaml::Deserializer::from_str(text)
        .filter_map(|d| serde::Deserialize::deserialize(d).ok())
        .collect();
    let pick = docs
        .iter()
        .find(|d| d.get("kind").and_then(Value::as_str) != Some("Location"))
        .or(docs.first())?;
    let kind = pick.get("kind")?.as_str()?;
    let metadata = pick.get("metadata")?;
    let name = metadata.get("name")?.as_str()?;
    let namespace = metadata
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or("default");
    Some(format!(
        "{}:{}/{name}",
        kind.to_lowercase(),
        namespace.to_lowercase()
    ))
}

pub fn preview_register(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let (url, local) = target(ctx)?;
    let place = match &ctx.options.registration {
        Registration::Backstage { url: base, .. } => format!("POST {base}/api/catalog/locations"),
        Registration::LocalLocation(file) => format!("a Location appended to {}", file.display()),
        Registration::None => {
            "nowhere: no Backstage backend and no local catalog file is configured".into()
        }
    };
    ctx.log(format!("would register {url} in the catalog ({place})"));
    if let Some(entity_ref) = entity_ref_in(ctx, &local) {
        ctx.set_output("entityRef", entity_ref);
    }
    ctx.set_output("catalogInfoUrl", url);
    Ok(())
}

pub async fn register(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let (url, local) = target(ctx)?;
    let optional = ctx.bool("optional")?;
    let entity_ref = entity_ref_in(ctx, &local);
    let result = match &ctx.options.registration {
        Registration::Backstage { url: base, token, client } => {
            let mut service = Service::new("Backstage", base, "check BACKSTAGE_TOKEN").map_err(|e| e.to_string())?;
            if let Some(token) = token {
                service = service.auth("Bearer", token.clone());
            }
            let call = Call::post_json(service.url("/api/catalog/locations"), &json!({ "type": "url", "target": url }));
            ctx.log(format!("Registering {url} in the catalog at {base}"));
            match client.send(&service, call).await {
                Ok(response) => {
                    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
                    let from_server = body
                        .get("entities")
                        .and_then(Value::as_array)
                        .and_then(|list| {
                            list.iter()
                                .find(|e| e.get("kind").and_then(Value::as_str) != Some("Location"))
                                .or(list.first())
                        })
                        .and_then(|e| {
                            let kind = e.get("kind")?.as_str()?.to_lowercase();
                            let md = e.get("metadata")?;
                            let ns = md.get("namespace").and_then(Value::as_str).unwrap_or("default");
                            Some(format!("{kind}:{ns}/{}", md.get("name")?.as_str()?))
                        });
                    Ok(from_server.or(entity_ref.clone()))
                }
                Err(e) => Err(e.to_string()),
            }
        }
        Registration::LocalLocation(file) => {
            let output_dir = ctx.options.output_dir.as_ref().ok_or("no output folder to register a local file from")?;
            let written = std::path::absolute(output_dir.join(&local)).map_err(|e| e.to_string())?;
            append_location(file, &written, &ctx.template.name).map(|target| {
                ctx.log(format!("Registered {target} in the local catalog {}", file.display()));
                entity_ref.clone()
            })
        }
        Registration::None => Err("no catalog to register in: set BACKSTAGE_URL, or start greenroom on a local catalog file (--catalog FILE)".into()),
    };
    match result {
        Ok(entity_ref) => {
            if let Some(entity_ref) = entity_ref {
                ctx.set_output("entityRef", entity_ref);
            }
            ctx.set_output("catalogInfoUrl", url);
            Ok(())
        }
        Err(e) if optional => {
            ctx.log(format!(
                "Registration failed and optional is set, so the step goes on: {e}"
            ));
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Appends `---` and a Location document whose target is `written` (relative to `file`) to the
/// catalog file `file`, and returns that target. greenroom follows Location targets inside the
/// catalog's folder only (as Backstage confines file targets), so a file written elsewhere is
/// refused with what to do instead.
fn append_location(
    file: &std::path::Path,
    written: &std::path::Path,
    template: &str,
) -> Result<String, String> {
    use std::io::Write;
    let file = std::path::absolute(file).map_err(|e| e.to_string())?;
    let folder = file.parent().unwrap_or(std::path::Path::new("/"));
    let rel = written.strip_prefix(folder).map_err(|_| {
        format!(
            "{} is outside the catalog folder {}, and greenroom only follows Location targets inside it: write the output under that folder (--output), or load it with --catalog",
            written.display(),
            folder.display()
        )
    })?;
    let target = format!("./{}", rel.to_string_lossy().replace('\\', "/"));
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    if text
        .lines()
        .any(|l| l.trim() == format!("target: {target}"))
    {
        return Ok(target);
    }
    let hash = target.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    let doc = format!(
        "{}---\n# Registered by greenroom template run ({template}).\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: generated-{hash:016x}\nspec:\n  type: file\n  target: {target}\n",
        if text.ends_with('\n') || text.is_empty() { "" } else { "\n" }
    );
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    out.write_all(doc.as_bytes())
        .map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(target)
}
