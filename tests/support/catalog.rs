//! Catalogs the provider tests write: Backstage entity YAML built from the parts a test varies
//! (names, annotations, owners), so each test names only what its catalog is about.

/// A production service `name` owned by `owner`, with `annotations` (`key: value` each).
pub fn component(name: &str, annotations: &[&str], owner: &str) -> String {
    let mut yaml =
        format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n");
    if !annotations.is_empty() {
        yaml.push_str("  annotations:\n");
        for annotation in annotations {
            yaml.push_str(&format!("    {annotation}\n"));
        }
    }
    yaml.push_str(&format!(
        "spec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    ));
    yaml
}

/// A team `name` with no child groups.
pub fn team(name: &str) -> String {
    format!("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\nspec:\n  type: team\n  children: []\n")
}

/// A user `name` with an e-mail address, member of the group `member_of`.
pub fn user_entity(name: &str, email: &str, member_of: &str) -> String {
    format!("apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: {name}\nspec:\n  profile:\n    email: {email}\n  memberOf: [{member_of}]\n")
}

/// The entities as one multi-document YAML file.
pub fn documents(entities: &[String]) -> String {
    entities.join("---\n")
}

/// `payment-service` with both a GitHub repository and a PagerDuty service, owned by payments.
pub fn payment_service_on_github_and_pagerduty() -> String {
    component(
        "payment-service",
        &[
            "github.com/project-slug: myorg/payment-service",
            "pagerduty.com/service-id: PPAYMNT",
        ],
        "group:payments",
    )
}
