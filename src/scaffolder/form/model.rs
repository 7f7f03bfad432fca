//! The form's types: a [`Field`] with its [`Widget`] (how it is edited), the choices and entity
//! pickers it offers, what the review page does with it, and a [`FieldError`].

use serde_json::Value;

/// A value that breaks the form's schema: the field's dotted path and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// One choice of a select: the value stored and the label shown (`enumNames`, a `oneOf` branch's
/// `title`, or the value itself).
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub value: Value,
    pub label: String,
}

/// How a field is edited.
#[derive(Clone, Debug, PartialEq)]
pub enum Widget {
    /// One line of text (also `EntityNamePicker`, checked against Backstage's name rule).
    Text {
        entity_name: bool,
    },
    /// `ui:widget: textarea`: several lines.
    TextArea,
    /// `ui:widget: password` or `ui:field: Secret`: typed masked, stored as a secret.
    Password,
    Number {
        integer: bool,
    },
    Boolean,
    /// `enum` (or `oneOf` of `const`s); `radio` when `ui:widget: radio` asks for it.
    Select {
        choices: Vec<Choice>,
        radio: bool,
    },
    /// An array whose items are an `enum`: any subset of the choices.
    MultiSelect {
        choices: Vec<Choice>,
    },
    /// An array of free strings, typed comma separated; `tags` for `EntityTagsPicker`.
    List {
        tags: bool,
    },
    /// `EntityPicker`, `OwnerPicker`, `MultiEntityPicker`: entity refs from the catalog.
    Entity(Picker),
    /// `RepoUrlPicker`: host, owner and repo, stored as `host?owner=o&repo=r`.
    RepoUrl(RepoUrlOptions),
    /// Anything else (arrays of objects, free objects): typed as JSON.
    Json,
}

/// What an entity picker offers: entities matching `kinds` and any one of `filters`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Picker {
    /// MultiEntityPicker: an array of refs.
    pub multiple: bool,
    /// `allowedKinds` (OwnerPicker: Group and User unless the template says otherwise).
    pub kinds: Vec<String>,
    /// `catalogFilter`: an entity is offered when it matches any one of these.
    pub filters: Vec<Vec<(String, FilterValue)>>,
    pub default_kind: Option<String>,
    pub default_namespace: Option<String>,
    /// A typed ref that matches nothing may be the value (`allowArbitraryValues`, default true).
    pub allow_arbitrary: bool,
}

/// One `catalogFilter` condition on a field (`kind`, `spec.type`, `metadata.tags`, ...).
#[derive(Clone, Debug, PartialEq)]
pub enum FilterValue {
    /// Any of these values (case-insensitive, as the catalog compares).
    AnyOf(Vec<String>),
    /// `{ exists: true }`: the field is present.
    Exists,
}

/// `RepoUrlPicker`'s `ui:options`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RepoUrlOptions {
    pub allowed_hosts: Vec<String>,
    pub allowed_owners: Vec<String>,
    pub allowed_repos: Vec<String>,
}

/// What the review page does with a field (`ui:backstage.review`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Review {
    Show,
    Hide,
    /// Shown as this text instead of the value (secrets: always masked).
    Mask(String),
}

/// The mask shown for secrets wherever a value would be.
pub const MASK: &str = "••••••";

/// One field of a page.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Dotted path in the values: `name`, `database.size`.
    pub path: String,
    /// The property's own name (a secret's key in `secrets`).
    pub key: String,
    pub title: String,
    pub description: Option<String>,
    pub help: Option<String>,
    pub placeholder: Option<String>,
    pub autofocus: bool,
    pub readonly: bool,
    pub required: bool,
    pub secret: bool,
    pub review: Review,
    pub widget: Widget,
    pub default: Option<Value>,
    /// The property's schema, for validation.
    pub schema: Value,
}
