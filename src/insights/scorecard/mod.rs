//! Scorecards as code: rules declared in a TOML file in the repository (`[scorecard] file` in
//! config.toml, else the bundled [`DEFAULT`]), each a check over an entity and its live data, grouped
//! in levels (bronze, silver, gold) with OpsLevel's rubric semantics: an entity reaches a level only
//! by passing every rule of that level and of every level below it.
//!
//! Pure: [`Scorecard::parse`] reads the file, [`evaluate`] scores a catalog against it with the live
//! facts the caller gathered ([`LiveFacts`]); nothing here touches the network or a terminal (the
//! one file read is the README beside an entity's source, for the `docs` check).

mod eval;
pub mod live;

pub use eval::{
    docs_evidence, evaluate, member_count, owner_group_with_members, owner_key, CiFacts,
    EntityScore, ExemptionNote, LiveFacts, NextLevel, Outcome, Report, RuleInfo, RuleResult,
    TeamRollup,
};

use chrono::NaiveDate;
use serde::Deserialize;
use std::path::Path;

/// The scorecard greenroom ships, used when config.toml names none.
pub const DEFAULT: &str = include_str!("default.toml");

/// Where the default scorecard is said to come from in messages.
pub const DEFAULT_NAME: &str = "the default scorecard (src/insights/scorecard/default.toml)";

#[derive(Clone, Debug, PartialEq)]
pub struct Scorecard {
    pub name: String,
    /// Lowest first.
    pub levels: Vec<String>,
    pub applies_to: AppliesTo,
    pub rules: Vec<Rule>,
    pub exemptions: Vec<Exemption>,
}

/// Which entities a scorecard scores. Empty lists match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppliesTo {
    pub kinds: Vec<String>,
    pub types: Vec<String>,
    pub lifecycles: Vec<String>,
}

impl AppliesTo {
    pub fn matches(&self, entity: &crate::catalog::Entity) -> bool {
        let any = |list: &[String], value: Option<&str>| {
            list.is_empty() || value.is_some_and(|v| list.iter().any(|x| x.eq_ignore_ascii_case(v)))
        };
        any(&self.kinds, Some(&entity.kind))
            && any(&self.types, entity.spec_type())
            && any(&self.lifecycles, entity.lifecycle())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub id: String,
    pub title: String,
    /// Index into [`Scorecard::levels`].
    pub level: usize,
    pub check: Check,
}

/// What a rule checks.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// `spec.owner` resolves to a Group of the catalog that has at least one member.
    Owner,
    Description,
    /// `spec.system` names a System of the catalog.
    System,
    Lifecycle,
    /// `backstage.io/techdocs-ref`, or a README beside the entity's catalog file.
    Docs,
    /// A usable `pagerduty.com/service-id` or `pagerduty.com/integration-key`.
    PagerDuty,
    /// A usable `github.com/project-slug`.
    GitHub,
    /// Live: the last `runs` completed runs on the default branch all succeeded.
    CiGreen {
        runs: u32,
    },
    /// Live: no open high-urgency incident older than this many hours.
    Incidents {
        older_than_hours: u32,
    },
    /// A custom check on one field.
    Field {
        field: Field,
        test: Test,
    },
}

impl Check {
    /// Whether the check needs data from GitHub or PagerDuty.
    pub fn is_live(&self) -> bool {
        matches!(self, Check::CiGreen { .. } | Check::Incidents { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    Annotation(String),
    Label(String),
    /// Any of the entity's tags.
    Tag,
    /// A dotted path under `spec` (`spec.tier`, or `tier`).
    Spec(String),
}

#[derive(Clone, Debug)]
pub enum Test {
    Exists,
    Equals(String),
    Matches(regex::Regex),
    OneOf(Vec<String>),
}

impl PartialEq for Test {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Test::Exists, Test::Exists) => true,
            (Test::Equals(a), Test::Equals(b)) => a == b,
            (Test::Matches(a), Test::Matches(b)) => a.as_str() == b.as_str(),
            (Test::OneOf(a), Test::OneOf(b)) => a == b,
            _ => false,
        }
    }
}

/// A rule that does not apply to one entity until a date, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exemption {
    /// The entity's canonical key (`component:default/name`).
    pub entity: String,
    pub rule: String,
    /// The last day it applies (UTC).
    pub until: NaiveDate,
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScorecard {
    name: Option<String>,
    levels: Vec<String>,
    #[serde(default)]
    applies_to: RawAppliesTo,
    #[serde(default)]
    rules: Vec<toml::Spanned<RawRule>>,
    #[serde(default)]
    exemptions: Vec<toml::Spanned<RawExemption>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawAppliesTo {
    kinds: Vec<String>,
    types: Vec<String>,
    lifecycles: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    title: Option<String>,
    level: String,
    check: String,
    runs: Option<u32>,
    older_than_hours: Option<u32>,
    key: Option<String>,
    path: Option<String>,
    equals: Option<String>,
    matches: Option<String>,
    one_of: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExemption {
    entity: String,
    rule: String,
    until: DateText,
    reason: String,
}

/// A date written as a TOML date (`2027-03-31`) or a string (`"2027-03-31"`).
#[derive(Deserialize)]
#[serde(untagged)]
enum DateText {
    Date(toml::value::Datetime),
    Text(String),
}

const CHECKS: &str = "owner, description, system, lifecycle, docs, pagerduty, github, ci_green, incidents, annotation, label, tag, spec";

impl Scorecard {
    /// The bundled default.
    pub fn default_scorecard() -> Scorecard {
        Scorecard::parse(DEFAULT).expect("the bundled default scorecard is valid")
    }

    /// Reads a scorecard file; errors name the file, and the line and field where they can.
    pub fn load(path: &Path) -> Result<Scorecard, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("{}: cannot read the scorecard: {err}", path.display()))?;
        Scorecard::parse(&text).map_err(|err| format!("{}:{err}", path.display()))
    }

    /// Parses scorecard text. Errors start with `LINE:COL: ` (for the caller to put the file
    /// before) and name the field.
    pub fn parse(text: &str) -> Result<Scorecard, String> {
        let at = |offset: usize| {
            let before = &text[..offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("{line}:{col}: ")
        };
        let raw: RawScorecard = toml::from_str(text).map_err(|err| {
            let position = err.span().map(|s| at(s.start)).unwrap_or_default();
            format!("{position}{}", err.message().trim_end())
        })?;
        let levels: Vec<String> = raw.levels.iter().map(|l| l.trim().to_string()).collect();
        if levels.is_empty() || levels.iter().any(String::is_empty) {
            return Err("1:1: levels must name at least one level, e.g. levels = [\"bronze\", \"silver\", \"gold\"]".into());
        }
        for (i, level) in levels.iter().enumerate() {
            if levels[..i].iter().any(|l| l.eq_ignore_ascii_case(level)) {
                return Err(format!("1:1: levels names {level:?} twice"));
            }
        }
        let mut rules = Vec::new();
        for spanned in raw.rules {
            let where_ = at(spanned.span().start);
            let raw_rule = spanned.into_inner();
            let rule = rule_from(raw_rule, &levels).map_err(|err| format!("{where_}{err}"))?;
            if rules.iter().any(|r: &Rule| r.id == rule.id) {
                return Err(format!("{where_}rule id {:?} is used twice", rule.id));
            }
            rules.push(rule);
        }
        let mut exemptions = Vec::new();
        for spanned in raw.exemptions {
            let where_ = at(spanned.span().start);
            let e = spanned.into_inner();
            if !rules.iter().any(|r| r.id == e.rule) {
                return Err(format!(
                    "{where_}exemption: rule {:?} is not a rule of this scorecard",
                    e.rule
                ));
            }
            let until_text = match &e.until {
                DateText::Date(d) => d.to_string(),
                DateText::Text(t) => t.trim().to_string(),
            };
            let until = NaiveDate::parse_from_str(&until_text, "%Y-%m-%d").map_err(|_| {
                format!("{where_}exemption: until {until_text:?} is not a date (YYYY-MM-DD)")
            })?;
            if e.reason.trim().is_empty() {
                return Err(format!("{where_}exemption: reason is empty; say why"));
            }
            let entity = crate::catalog::EntityRef::parse(
                e.entity.trim(),
                Some("component"),
                crate::catalog::entity_ref::DEFAULT_NAMESPACE,
            )
            .map_err(|err| format!("{where_}exemption: entity {:?}: {}", e.entity, err.0))?;
            exemptions.push(Exemption {
                entity: entity.key(),
                rule: e.rule,
                until,
                reason: e.reason.trim().to_string(),
            });
        }
        Ok(Scorecard {
            name: raw.name.unwrap_or_else(|| "Scorecard".into()),
            levels,
            applies_to: AppliesTo {
                kinds: raw.applies_to.kinds,
                types: raw.applies_to.types,
                lifecycles: raw.applies_to.lifecycles,
            },
            rules,
            exemptions,
        })
    }

    /// The index of a level by name (any case).
    pub fn level_index(&self, name: &str) -> Option<usize> {
        self.levels
            .iter()
            .position(|l| l.eq_ignore_ascii_case(name.trim()))
    }

    pub fn has_live_rules(&self) -> bool {
        self.rules.iter().any(|r| r.check.is_live())
    }

    /// The largest `runs` of any `ci_green` rule (how many runs to ask for).
    pub fn ci_runs_needed(&self) -> Option<u32> {
        self.rules
            .iter()
            .filter_map(|r| match r.check {
                Check::CiGreen { runs } => Some(runs),
                _ => None,
            })
            .max()
    }

    pub fn needs_incidents(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r.check, Check::Incidents { .. }))
    }
}

fn rule_from(raw: RawRule, levels: &[String]) -> Result<Rule, String> {
    let id = raw.id.trim().to_string();
    if id.is_empty() {
        return Err("rule: id is empty".into());
    }
    let level = levels
        .iter()
        .position(|l| l.eq_ignore_ascii_case(raw.level.trim()))
        .ok_or_else(|| {
            format!(
                "rule {id:?}: level {:?} is not one of levels ({})",
                raw.level,
                levels.join(", ")
            )
        })?;
    let test = || -> Result<Test, String> {
        let given = [
            raw.equals.is_some(),
            raw.matches.is_some(),
            raw.one_of.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(format!(
                "rule {id:?}: give one of equals, matches, one_of (or none: exists)"
            ));
        }
        if let Some(value) = &raw.equals {
            return Ok(Test::Equals(value.clone()));
        }
        if let Some(pattern) = &raw.matches {
            return regex::Regex::new(pattern)
                .map(Test::Matches)
                .map_err(|err| format!("rule {id:?}: matches {pattern:?} is not a regex: {err}"));
        }
        if let Some(values) = &raw.one_of {
            if values.is_empty() {
                return Err(format!("rule {id:?}: one_of is empty"));
            }
            return Ok(Test::OneOf(values.clone()));
        }
        Ok(Test::Exists)
    };
    let needs = |value: &Option<String>, name: &str| -> Result<String, String> {
        value
            .as_ref()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("rule {id:?}: check {:?} needs {name}", raw.check))
    };
    let check = match raw.check.trim() {
        "owner" => Check::Owner,
        "description" => Check::Description,
        "system" => Check::System,
        "lifecycle" => Check::Lifecycle,
        "docs" => Check::Docs,
        "pagerduty" => Check::PagerDuty,
        "github" => Check::GitHub,
        "ci_green" => Check::CiGreen {
            runs: match raw.runs.unwrap_or(5) {
                0 => return Err(format!("rule {id:?}: runs must be at least 1")),
                n => n.min(100),
            },
        },
        "incidents" => Check::Incidents {
            older_than_hours: raw.older_than_hours.unwrap_or(24),
        },
        "annotation" => Check::Field {
            field: Field::Annotation(needs(&raw.key, "key (the annotation)")?),
            test: test()?,
        },
        "label" => Check::Field {
            field: Field::Label(needs(&raw.key, "key (the label)")?),
            test: test()?,
        },
        "tag" => Check::Field {
            field: Field::Tag,
            test: test()?,
        },
        "spec" => {
            let path = needs(&raw.path, "path (e.g. \"spec.tier\")")?;
            let path = path.strip_prefix("spec.").unwrap_or(&path).to_string();
            Check::Field {
                field: Field::Spec(path),
                test: test()?,
            }
        }
        other => {
            return Err(format!(
                "rule {id:?}: unknown check {other:?}; one of {CHECKS}"
            ))
        }
    };
    Ok(Rule {
        title: raw
            .title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| id.clone()),
        id,
        level,
        check,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_parses() {
        let card = Scorecard::default_scorecard();
        assert_eq!(card.levels, ["bronze", "silver", "gold"]);
        assert_eq!(card.rules.len(), 9);
        assert_eq!(card.ci_runs_needed(), Some(5));
        assert!(card.needs_incidents());
    }

    #[test]
    fn errors_name_line_and_field() {
        let text = "levels = [\"bronze\"]\n\n[[rules]]\nid = \"x\"\nlevel = \"bronze\"\ncheck = \"nope\"\n";
        let err = Scorecard::parse(text).unwrap_err();
        assert!(
            err.starts_with("3:1: rule \"x\": unknown check \"nope\""),
            "{err}"
        );
        let err = Scorecard::parse(
            "levels = [\"bronze\"]\n[[rules]]\nid = \"x\"\nlevel = \"gold\"\ncheck = \"owner\"\n",
        )
        .unwrap_err();
        assert!(
            err.contains("level \"gold\" is not one of levels (bronze)"),
            "{err}"
        );
        let err = Scorecard::parse("levels = [\"b\"]\n[[rules]]\nid = \"x\"\nlevel = \"b\"\ncheck = \"annotation\"\nkey = \"a\"\nmatches = \"(\"\n").unwrap_err();
        assert!(err.contains("is not a regex"), "{err}");
        let err = Scorecard::parse("levels = [\"b\"]\ncolour = 1\n").unwrap_err();
        assert!(err.starts_with("2:1:") && err.contains("colour"), "{err}");
        let err = Scorecard::parse("levels = [\"b\"]\n[[rules]]\nid = \"x\"\nlevel = \"b\"\ncheck = \"owner\"\n[[exemptions]]\nentity = \"a\"\nrule = \"x\"\nuntil = \"soon\"\nreason = \"r\"\n").unwrap_err();
        assert!(err.starts_with("6:1: exemption: until \"soon\""), "{err}");
    }

    #[test]
    fn dates_as_toml_dates_or_strings() {
        let text = "levels = [\"b\"]\n[[rules]]\nid = \"x\"\nlevel = \"b\"\ncheck = \"owner\"\n[[exemptions]]\nentity = \"a\"\nrule = \"x\"\nuntil = 2027-01-02\nreason = \"r\"\n[[exemptions]]\nentity = \"api:b\"\nrule = \"x\"\nuntil = \"2027-01-03\"\nreason = \"r\"\n";
        let card = Scorecard::parse(text).unwrap();
        assert_eq!(card.exemptions[0].entity, "component:default/a");
        assert_eq!(card.exemptions[0].until.to_string(), "2027-01-02");
        assert_eq!(card.exemptions[1].entity, "api:default/b");
    }
}
