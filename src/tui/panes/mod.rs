//! One module per pane. Each has its state, an `update` that applies an action to it and may
//! return the next action, and a `draw` that only reads.

pub mod apidef;
pub mod catalog;
pub mod catalog_search;
pub mod cicd;
pub mod command;
pub mod cost;
pub mod deps;
pub mod docs;
pub mod dora;
pub mod entity;
pub mod help;
pub mod incident_view;
pub mod incidents;
pub mod insights;
pub mod maturity;
pub mod preview;
pub mod problems;
pub mod remote;
pub mod scorecard;
pub mod template_form;
pub mod template_run;
pub mod templates;

pub use super::widgets::confirm::draw_question;
pub use super::widgets::cursor::{scroll, visible_offset, ListCursor};
use super::widgets::detail::{line, PageLine, Tone};

/// Whether the providers the not-yet-built panes will need are configured; computed once at
/// start-up from the config and the environment, never holding a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderEnv {
    pub github_token: bool,
    pub github_api_url: String,
    pub pagerduty_token: bool,
    /// `[pagerduty] from_email` is set (acknowledging and resolving need it).
    pub pagerduty_from_email: bool,
    /// `[identity] user`: the user's own User entity, for the inbox.
    pub identity: Option<String>,
    pub aws_credentials: bool,
}

impl ProviderEnv {
    pub fn detect(config: &crate::config::Config) -> ProviderEnv {
        let env = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let aws_files = directories::BaseDirs::new().is_some_and(|d| {
            d.home_dir().join(".aws/credentials").is_file()
                || d.home_dir().join(".aws/config").is_file()
        });
        ProviderEnv {
            github_token: config.github_token().is_some(),
            github_api_url: config.github_api_url(),
            pagerduty_token: config.pagerduty_token().is_some(),
            pagerduty_from_email: config
                .pagerduty
                .from_email
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty()),
            identity: config.identity.user.clone(),
            aws_credentials: env("AWS_ACCESS_KEY_ID") || env("AWS_PROFILE") || aws_files,
        }
    }
}

/// How many entities carry any of these annotations (computed once per catalog).
pub fn count_annotated(catalog: &crate::catalog::Catalog, keys: &[&str]) -> usize {
    catalog
        .entities
        .iter()
        .filter(|e| keys.iter().any(|k| e.annotation(k).is_some()))
        .count()
}

/// The lines telling what the selected entity has of these annotations.
pub fn annotation_lines(
    catalog: &crate::catalog::Catalog,
    focus: Option<crate::catalog::EntityId>,
    keys: &[&str],
    missing_hint: &str,
) -> Vec<PageLine> {
    let mut out = Vec::new();
    let Some(id) = focus else {
        out.push(line(&[(
            "Selected entity: none (pick one in the Catalog, 1)",
            Tone::Muted,
        )]));
        return out;
    };
    let e = catalog.entity(id);
    out.push(line(&[
        ("Selected entity: ", Tone::Heading),
        (&e.key(), Tone::Link),
    ]));
    let mut any = false;
    for key in keys {
        if let Some(value) = e.annotation(key) {
            any = true;
            out.push(line(&[
                ("  ✓ ", Tone::Accent),
                (&format!("{key}: "), Tone::Muted),
                (value, Tone::Base),
            ]));
        }
    }
    if !any {
        out.push(line(&[
            ("  ✗ ", Tone::Warning),
            (
                &format!("no {} annotation: {missing_hint}", keys.join(" / ")),
                Tone::Warning,
            ),
        ]));
    }
    out
}

/// The text of a provider pane without its provider: what the pane shows, what the provider
/// needs (the token first, with whether it is set), how many entities carry its annotations, and
/// what the selected entity has of them.
pub struct Setup<'a> {
    pub heading: &'a str,
    /// "PagerDuty is not configured. It needs:".
    pub intro: &'a str,
    /// The need for a token, ending in "— now: ".
    pub token: &'a str,
    pub token_set: bool,
    /// The other needs, one a line.
    pub needs: &'a [&'a str],
    /// "{annotated} of {entities} entities have {have}.".
    pub annotated: usize,
    pub have: &'a str,
    pub annotations: &'a [&'a str],
    pub missing_hint: &'a str,
}

impl Setup<'_> {
    pub fn lines(
        &self,
        catalog: &crate::catalog::Catalog,
        focus: Option<crate::catalog::EntityId>,
    ) -> Vec<PageLine> {
        let token = if self.token_set {
            ("found", Tone::Accent)
        } else {
            ("not set", Tone::Warning)
        };
        let mut lines = vec![
            line(&[(self.heading, Tone::Heading)]),
            line(&[(self.intro, Tone::Base)]),
            line(&[(self.token, Tone::Base), token]),
        ];
        lines.extend(self.needs.iter().map(|need| line(&[(need, Tone::Base)])));
        lines.push(line(&[(
            &format!(
                "{} of {} entities have {}.",
                self.annotated,
                catalog.len(),
                self.have
            ),
            Tone::Muted,
        )]));
        lines.push(PageLine::default());
        lines.extend(annotation_lines(
            catalog,
            focus,
            self.annotations,
            self.missing_hint,
        ));
        lines
    }
}
