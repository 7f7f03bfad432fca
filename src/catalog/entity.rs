//! A catalog entity: the envelope Backstage defines (`apiVersion`, `kind`, `metadata`, `spec`)
//! plus where it came from.

use super::entity_ref::{EntityRef, DEFAULT_NAMESPACE};
use super::intern::Interned;
use super::value::Value;
use super::yaml::Pos;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Where an entity was read: a file (or URL) and the position of its document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub location: Arc<str>,
    pub pos: Pos,
}

/// Where an API's definition is: in the entity, or at a URL not yet fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Definition<'a> {
    Text(&'a str),
    /// `placeholder` is `$text`, `$json`, `$yaml`, `$openapi` or `$asyncapi`.
    Url {
        placeholder: &'a str,
        url: &'a str,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub api_version: Interned,
    pub kind: Interned,
    pub metadata: Value,
    pub spec: Value,
    pub reference: EntityRef,
    pub source: Source,
}

impl Entity {
    /// Builds an entity from a document that has at least a kind and a metadata.name, moving its
    /// metadata and spec out of the document rather than copying them.
    pub fn from_document(mut doc: Value, source: Source) -> Option<Entity> {
        let kind = Interned::from(doc.str_at("kind")?);
        let api_version = Interned::from(doc.str_at("apiVersion").unwrap_or_default());
        let metadata = doc.take("metadata")?;
        let name = metadata.str_at("name")?;
        let namespace = metadata.str_at("namespace").unwrap_or(DEFAULT_NAMESPACE);
        let reference = EntityRef::new(&kind, namespace, name);
        Some(Entity {
            api_version,
            kind,
            spec: doc.take("spec").unwrap_or_default(),
            metadata,
            reference,
            source,
        })
    }

    pub fn name(&self) -> &str {
        &self.reference.name
    }

    pub fn namespace(&self) -> &str {
        &self.reference.namespace
    }

    pub fn key(&self) -> String {
        self.reference.key()
    }

    pub fn is_kind(&self, kind: &str) -> bool {
        self.kind.eq_ignore_ascii_case(kind)
    }

    pub fn title(&self) -> Option<&str> {
        self.metadata.str_at("title")
    }

    /// The title when there is one, else the name: what a person calls the entity.
    pub fn display_name(&self) -> &str {
        self.title()
            .or_else(|| {
                self.spec
                    .path(&["profile", "displayName"])
                    .and_then(Value::as_str)
            })
            .unwrap_or(self.name())
    }

    pub fn description(&self) -> Option<&str> {
        self.metadata.str_at("description")
    }

    pub fn spec_str(&self, key: &str) -> Option<&str> {
        self.spec.str_at(key)
    }

    /// An API's `spec.definition`: its text, or the URL a placeholder names (fetched when the
    /// definition is shown; see `document.rs`).
    pub fn definition(&self) -> Option<Definition<'_>> {
        let value = self.spec.get("definition")?;
        if let Some(text) = value.as_str() {
            return Some(Definition::Text(text));
        }
        match value.as_map() {
            [(placeholder, Value::String(url))]
                if placeholder.starts_with('$')
                    && (url.starts_with("https://") || url.starts_with("http://")) =>
            {
                Some(Definition::Url { placeholder, url })
            }
            _ => None,
        }
    }

    pub fn owner(&self) -> Option<&str> {
        self.spec_str("owner")
    }

    pub fn lifecycle(&self) -> Option<&str> {
        self.spec_str("lifecycle")
    }

    pub fn spec_type(&self) -> Option<&str> {
        self.spec_str("type")
    }

    pub fn system(&self) -> Option<&str> {
        self.spec_str("system")
    }

    /// `metadata.links` as (url, title) pairs; a link without a url reads as empty.
    pub fn links(&self) -> Vec<(&str, Option<&str>)> {
        self.metadata
            .get("links")
            .map(Value::as_seq)
            .unwrap_or_default()
            .iter()
            .map(|link| (link.str_at("url").unwrap_or_default(), link.str_at("title")))
            .collect()
    }

    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.metadata
            .get("tags")
            .map(Value::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata.get("annotations")?.str_at(key)
    }

    pub fn email(&self) -> Option<&str> {
        self.spec
            .path(&["profile", "email"])
            .and_then(Value::as_str)
    }

    /// The entity as Backstage's API returns it (relations are added by the catalog).
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("apiVersion".into(), self.api_version.to_string().into());
        map.insert("kind".into(), self.kind.to_string().into());
        map.insert("metadata".into(), self.metadata.to_json());
        if self.spec != Value::Null {
            map.insert("spec".into(), self.spec.to_json());
        }
        serde_json::Value::Object(map)
    }
}
