//! Catalog entities as search documents: refs, names, titles, descriptions, tags, owners, and for
//! people and teams their display names and emails.

use super::{Field, SearchDoc, SearchIndex};
use crate::catalog::{Catalog, Entity};

/// One document per entity, in catalog order, so a hit's `doc` is the entity's id.
pub fn index(catalog: &Catalog) -> SearchIndex {
    SearchIndex::new(catalog.entities.iter().map(|e| doc(e)))
}

pub fn doc(entity: &Entity) -> SearchDoc {
    let mut doc = SearchDoc::new()
        .with(Field::Name, entity.name())
        .with(Field::Ref, entity.reference.short())
        .with(Field::Kind, entity.kind.to_string());
    let optional = [
        (Field::Title, entity.title()),
        (Field::Description, entity.description()),
        (Field::Owner, entity.owner()),
        (Field::Lifecycle, entity.lifecycle()),
        (Field::System, entity.system()),
        (Field::Type, entity.spec_type()),
        (Field::Email, entity.email()),
        (
            Field::DisplayName,
            entity
                .spec
                .path(&["profile", "displayName"])
                .and_then(|v| v.as_str()),
        ),
    ];
    for (field, text) in optional {
        if let Some(text) = text {
            doc.push(field, text);
        }
    }
    for tag in entity.tags() {
        doc.push(Field::Tag, tag);
    }
    doc
}
