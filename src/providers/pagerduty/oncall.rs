//! Who is on call: the on-call chains of escalation policies (level by level, each person once
//! per level) and the users in them, with their contact methods.

use super::client::{network, require_id, stored, unasked, Got, Mode, PagerDuty};
use super::decode::{RawOnCall, RawUser};
use super::model::{distinct_ids, OnCall, User};
use crate::providers::http::CachePolicy;
use crate::providers::{Fetched, ProviderError};
use std::collections::BTreeSet;
use url::Url;

/// Who is on call now for an escalation policy: level 1 first; within a level by name; each
/// person once per level.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OnCallChain {
    pub escalation_policy_id: String,
    pub oncalls: Vec<OnCall>,
}

impl OnCallChain {
    /// The first level's people: who gets paged first.
    pub fn first(&self) -> impl Iterator<Item = &OnCall> {
        let level = self.oncalls.first().map(|o| o.escalation_level);
        self.oncalls
            .iter()
            .filter(move |o| Some(o.escalation_level) == level)
    }
}

/// Orders on-calls by level, then name, and drops repeats of a person at a level (one per
/// schedule they are on).
pub fn order_oncalls(oncalls: &mut Vec<OnCall>) {
    oncalls.sort_by(|a, b| {
        (
            a.escalation_level,
            a.escalation_policy.id.as_str(),
            a.user.name.to_lowercase(),
            a.user.id.as_str(),
        )
            .cmp(&(
                b.escalation_level,
                b.escalation_policy.id.as_str(),
                b.user.name.to_lowercase(),
                b.user.id.as_str(),
            ))
    });
    let mut seen = BTreeSet::new();
    oncalls.retain(|o| {
        seen.insert((
            o.escalation_policy.id.clone(),
            o.escalation_level,
            o.user.id.clone(),
        ))
    });
}

/// The on-calls of one policy as its chain.
fn chain(policy_id: &str, oncalls: Fetched<Vec<OnCall>>) -> Fetched<OnCallChain> {
    Fetched {
        value: OnCallChain {
            escalation_policy_id: policy_id.to_string(),
            oncalls: oncalls.value,
        },
        fetched_at: oncalls.fetched_at,
        from_cache: oncalls.from_cache,
    }
}

impl PagerDuty {
    /// `GET /oncalls?escalation_policy_ids[]=…&include[]=users`: who is on call now for these
    /// policies, in [`order_oncalls`] order.
    pub fn oncalls_url(&self, policy_ids: &[String]) -> Url {
        let mut url = self.api.url("/oncalls");
        {
            let mut query = url.query_pairs_mut();
            for id in policy_ids {
                query.append_pair("escalation_policy_ids[]", id);
            }
            query.append_pair("include[]", "users");
        }
        url
    }

    async fn oncalls_in(&self, policy_ids: &[String], mode: Mode) -> Got<Vec<OnCall>> {
        let ids = distinct_ids(policy_ids);
        if ids.is_empty() {
            return Ok(unasked(Vec::new()));
        }
        let mut oncalls = self
            .all::<RawOnCall>(&self.oncalls_url(&ids), "oncalls", mode)
            .await?;
        // Only the policies asked for (see `open_incidents_in`).
        oncalls
            .value
            .retain(|o| ids.contains(&o.escalation_policy.id));
        order_oncalls(&mut oncalls.value);
        Ok(oncalls)
    }

    pub async fn oncalls(
        &self,
        policy_ids: &[String],
        cache: CachePolicy,
    ) -> Result<Fetched<Vec<OnCall>>, ProviderError> {
        network(self.oncalls_in(policy_ids, Mode::Network(cache)).await)
    }

    /// One escalation policy's on-call chain, by level.
    pub async fn oncall_chain(
        &self,
        policy_id: &str,
        cache: CachePolicy,
    ) -> Result<Fetched<OnCallChain>, ProviderError> {
        let oncalls = self.oncalls(&[policy_id.to_string()], cache).await?;
        Ok(chain(policy_id, oncalls))
    }

    pub async fn cached_oncall_chain(&self, policy_id: &str) -> Option<Fetched<OnCallChain>> {
        let oncalls = stored(
            self.oncalls_in(&[policy_id.to_string()], Mode::Stored)
                .await,
        )?;
        Some(Fetched {
            from_cache: true,
            ..chain(policy_id, oncalls)
        })
    }

    /// `GET /users/{id}?include[]=contact_methods`
    pub async fn user(&self, id: &str, cache: CachePolicy) -> Result<Fetched<User>, ProviderError> {
        require_id(id, "user", "a user ID is letters and digits")?;
        let mut url = self.api.url(&format!("/users/{id}"));
        url.query_pairs_mut()
            .append_pair("include[]", "contact_methods");
        network(self.one::<RawUser>(url, "user", Mode::Network(cache)).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::pagerduty::decode::{decode_page, fixture};
    use crate::providers::pagerduty::model::OnCallUser;

    #[test]
    fn ordering_of_oncalls() {
        let (oncalls, _) = decode_page::<RawOnCall>(&fixture("oncalls.json"), "oncalls").unwrap();
        let base = oncalls.into_iter().next().unwrap();
        let person = |level: u32, id: &str, name: &str| OnCall {
            escalation_level: level,
            user: OnCallUser {
                id: id.into(),
                name: name.into(),
                email: None,
                html_url: None,
            },
            ..base.clone()
        };
        let mut oncalls = vec![
            person(3, "U3", "Zoe"),
            person(1, "U2", "bob"),
            person(1, "U1", "Alice"),
            person(2, "U4", "Carl"),
            person(1, "U1", "Alice"),
        ];
        order_oncalls(&mut oncalls);
        let names: Vec<(u32, &str)> = oncalls
            .iter()
            .map(|o| (o.escalation_level, o.user.name.as_str()))
            .collect();
        assert_eq!(names, [(1, "Alice"), (1, "bob"), (2, "Carl"), (3, "Zoe")]);
        let chain = OnCallChain {
            escalation_policy_id: "PT20YPA".into(),
            oncalls,
        };
        assert_eq!(chain.first().count(), 2);
    }
}
