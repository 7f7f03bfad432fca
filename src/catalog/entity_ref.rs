//! Entity references, `[kind:][namespace/]name`, parsed and printed as Backstage's
//! `parseEntityRef` and `stringifyEntityRef` (`@backstage/catalog-model`, `entity/ref.ts`) do.

use super::intern::Interned;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const DEFAULT_NAMESPACE: &str = "default";

/// A reference with its parts as written. Equality and lookups go through [`EntityRef::key`],
/// which is case-insensitive like Backstage's comparisons. Kinds and namespaces are a handful of
/// strings repeated by every entity and relation: interned.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntityRef {
    pub kind: Interned,
    pub namespace: Interned,
    pub name: CompactString,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefError(pub String);

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl EntityRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        EntityRef {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// Parses a reference; a missing kind or namespace comes from the defaults, as in Backstage.
    /// The first `:` separates the kind unless a `/` comes before it; the first `/` after that
    /// separates the namespace.
    pub fn parse(
        text: &str,
        default_kind: Option<&str>,
        default_namespace: &str,
    ) -> Result<Self, RefError> {
        if text.is_empty() {
            return Err(RefError("entity reference must not be empty".into()));
        }
        let slash = text.find('/');
        let colon = text.find(':').filter(|c| slash.is_none_or(|s| *c < s));
        let kind = colon.map(|c| &text[..c]);
        let after_kind = colon.map_or(0, |c| c + 1);
        let slash = text[after_kind..].find('/').map(|s| s + after_kind);
        let namespace = slash.map(|s| &text[after_kind..s]);
        let name = &text[slash.map_or(after_kind, |s| s + 1)..];
        if kind == Some("") || namespace == Some("") || name.is_empty() {
            return Err(RefError(format!(
                "entity reference \"{text}\" is not of the form [<kind>:][<namespace>/]<name>"
            )));
        }
        // An empty default kind is no kind, as in Backstage's parseEntityRef: else its key
        // (":default/name") would not parse back.
        let Some(kind) = kind.or(default_kind.filter(|k| !k.is_empty())) else {
            return Err(RefError(format!(
                "entity reference \"{text}\" has no kind (e.g. did not start with \"component:\" or similar)"
            )));
        };
        let namespace = namespace.unwrap_or(if default_namespace.is_empty() {
            DEFAULT_NAMESPACE
        } else {
            default_namespace
        });
        Ok(EntityRef::new(kind, namespace, name))
    }

    /// The canonical, lower-case form used for lookups and in JSON relations.
    pub fn key(&self) -> String {
        let mut key =
            String::with_capacity(self.kind.len() + self.namespace.len() + self.name.len() + 2);
        for (part, separator) in [
            (&*self.kind, ':'),
            (&*self.namespace, '/'),
            (&*self.name, ' '),
        ] {
            if part.is_ascii() {
                key.extend(part.chars().map(|c| c.to_ascii_lowercase()));
            } else {
                key.push_str(&part.to_lowercase());
            }
            if separator != ' ' {
                key.push(separator);
            }
        }
        key
    }

    /// Short form for screens: the namespace is left out when it is the default one.
    pub fn short(&self) -> String {
        let kind = self.kind.to_lowercase();
        if self.namespace.eq_ignore_ascii_case(DEFAULT_NAMESPACE) {
            format!("{kind}:{}", self.name)
        } else {
            format!("{kind}:{}/{}", self.namespace, self.name)
        }
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the entity_ref fuzz target: `?` with an empty default kind parsed, and its key
    /// `:default/?` did not.
    #[test]
    fn an_empty_default_kind_is_no_kind() {
        assert!(EntityRef::parse("?", Some(""), "default").is_err());
        let parsed = EntityRef::parse("svc", Some("Component"), "").unwrap();
        assert_eq!(parsed.key(), "component:default/svc");
        assert!(EntityRef::parse(&parsed.key(), None, "default").is_ok());
    }

    fn parse(text: &str, kind: Option<&str>) -> Result<String, RefError> {
        EntityRef::parse(text, kind, "default").map(|r| r.key())
    }

    #[test]
    fn parses_like_backstage() {
        assert_eq!(
            parse("order-api", Some("API")).unwrap(),
            "api:default/order-api"
        );
        assert_eq!(
            parse("group:order-team", Some("Group")).unwrap(),
            "group:default/order-team"
        );
        assert_eq!(
            parse("resource:ns/orders-db", None).unwrap(),
            "resource:ns/orders-db"
        );
        assert_eq!(
            parse("ns/name", Some("Component")).unwrap(),
            "component:ns/name"
        );
        // a slash before the colon means the colon belongs to the name
        assert_eq!(
            parse("ns/a:b", Some("Component")).unwrap(),
            "component:ns/a:b"
        );
        assert_eq!(
            parse("Group:Default/Order-Team", None).unwrap(),
            "group:default/order-team"
        );
    }

    #[test]
    fn refuses_empty_parts_and_missing_kind() {
        assert!(parse("", Some("Group")).is_err());
        assert!(parse("group:", None).is_err());
        assert!(parse(":name", None).is_err());
        assert!(parse("ns/", Some("Group")).is_err());
        assert!(parse("/name", Some("Group")).is_err());
        assert!(parse("orders-db", None).unwrap_err().0.contains("no kind"));
    }
}
