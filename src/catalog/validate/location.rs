//! Stage 7: plugin-catalog-backend DefaultCatalogProcessingOrchestrator runSpecialLocationStep
//! (the static part; greenroom follows the targets itself in load.rs), and the
//! [`LocationContext`] it needs.

use super::issue::{Issue, Stage};
use crate::catalog::yaml::Node;

/// The location a document was read from, for the Location step. greenroom reads local files,
/// which Backstage calls `file` locations.
#[derive(Clone, Debug)]
pub struct LocationContext<'a> {
    /// The type of the location that read the document (`file`, `url`).
    pub location_type: &'a str,
}

impl Default for LocationContext<'_> {
    fn default() -> Self {
        LocationContext {
            location_type: "file",
        }
    }
}

pub(super) fn check_location(doc: &Node, location: &LocationContext<'_>) -> Result<(), Issue> {
    let spec = doc.get("spec").expect("kind schema requires spec");
    // `type = spec.type ?? <type of the location that read the file>`; a type other than that
    // one must be in allowedLocationTypes (CatalogBuilder's default: ["url"]).
    let type_node = spec.get("type");
    let location_type = type_node
        .and_then(Node::as_str)
        .unwrap_or(location.location_type);
    if location_type != location.location_type && location_type != "url" {
        let node = type_node.expect("differs from the default");
        return Err(Issue::error(
            Stage::Location,
            node.pos,
            format!(
                "spec.type: {location_type:?} is not an allowed Location type here: a Location read from a {} location may have type {:?} or \"url\" (Backstage's allowedLocationTypes)",
                location.location_type, location.location_type
            ),
        ));
    }
    // `file` targets must not end with a path separator.
    if location_type == "file" {
        let target = spec
            .get("target")
            .into_iter()
            .map(|t| ("spec.target".to_string(), t));
        let targets = spec
            .get("targets")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        let targets = targets
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("spec.targets[{i}]"), t));
        for (field, node) in target.chain(targets) {
            let value = node.as_str().unwrap_or_default();
            if value.ends_with('/') {
                return Err(Issue::error(
                    Stage::Location,
                    node.pos,
                    format!("{field}: {value:?} ends with a path separator: a file Location's targets must name files, e.g. {value}catalog-info.yaml"),
                ));
            }
        }
    }
    Ok(())
}
