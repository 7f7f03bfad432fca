//! Generate a realistic, deterministic Backstage catalog tree for benchmarks and demos.
//!
//! ```text
//! cargo run --release --example gen_catalog -- N OUT_DIR [--seed S]
//! ```
//!
//! Layout (every entity file is called `catalog-info.yaml`, so both "follow the root
//! Location" and "discover every catalog-info.yaml under the folder" find the same set):
//!
//! ```text
//! OUT/catalog-info.yaml                          Location with `targets` globs
//! OUT/org/<org>/catalog-info.yaml                the organization group
//! OUT/org/<department>/catalog-info.yaml         department + its teams + their users
//! OUT/domains/<domain>/catalog-info.yaml         domain + its systems
//! OUT/services/<system>/<name>/catalog-info.yaml component [+ the APIs it provides]
//!                                                [+ the resources it hosts]
//! ```
//!
//! Entity mix: 55% components, 15% APIs, 10% resources, 10% users, 5% groups,
//! 3% systems, 2% domains (plus the one root Location), which gives about 0.575 files
//! per entity: 10k entities ≈ 5.75k files, 100k ≈ 57.5k files. Each API carries an inline
//! OpenAPI definition of 2 to 6 operations on one resource (what endpoint search finds).
//!
//! Every reference (owner, system, domain, parent/children, members/memberOf,
//! dependsOn, providesApis/consumesApis, subcomponentOf) resolves to a generated entity.
//! Reference spellings vary the way they do in real repos (`team-a`, `group:team-a`,
//! `group:default/team-a`, `api:x`). `dependsOn` between components points to earlier
//! components except for a deliberate ~0.2% of components with a back edge that closes a
//! 2- or 3-cycle, so the graph is mostly acyclic with a few real cycles (about 10 per
//! 10k entities); `subcomponentOf` is strictly acyclic.
//!
//! The same N and seed always give byte-identical output: all structural randomness is
//! drawn serially from one splitmix64 stream, and per-entity details (ids, versions)
//! come from a generator seeded by (seed, kind, index), so rendering can run in
//! parallel with rayon without affecting the bytes.
//!
//! OUT_DIR must be empty or absent, or a previous output of this tool (recognised by
//! its `.gen_catalog` marker), which is then removed first.

use rayon::prelude::*;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

const MARKER: &str = ".gen_catalog";

// ---------------------------------------------------------------- PRNG (splitmix64)

#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// Independent stream for entity `idx` of kind `tag`.
    fn derived(seed: u64, tag: u64, idx: usize) -> Self {
        let mut r = Rng(seed
            ^ tag.wrapping_mul(0xA076_1D64_78BD_642F)
            ^ (idx as u64).wrapping_mul(0xE703_7ED1_A0B4_28DB));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 11) as u128 * n as u128) >> 53) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
    /// Small count with a given distribution of weights for 0, 1, 2, ...
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

// ---------------------------------------------------------------- vocabulary

const COMPANY: &str = "acme";
const EMAIL_DOMAIN: &str = "acme.example.com";

const AREAS: &[&str] = &[
    "payments",
    "checkout",
    "billing",
    "invoicing",
    "identity",
    "auth",
    "accounts",
    "search",
    "catalog",
    "inventory",
    "pricing",
    "orders",
    "fulfillment",
    "shipping",
    "logistics",
    "warehouse",
    "returns",
    "loyalty",
    "rewards",
    "promotions",
    "marketing",
    "ads",
    "analytics",
    "reporting",
    "insights",
    "recommendations",
    "personalization",
    "notifications",
    "messaging",
    "email",
    "sms",
    "push",
    "chat",
    "support",
    "helpdesk",
    "onboarding",
    "kyc",
    "fraud",
    "risk",
    "compliance",
    "audit",
    "ledger",
    "treasury",
    "payroll",
    "hr",
    "recruiting",
    "scheduling",
    "booking",
    "reservations",
    "maps",
    "geo",
    "media",
    "images",
    "video",
    "streaming",
    "content",
    "cms",
    "docs",
    "feedback",
    "reviews",
    "ratings",
    "subscriptions",
    "entitlements",
    "licensing",
    "partners",
    "merchants",
    "sellers",
    "buyers",
    "customers",
    "profiles",
    "sessions",
    "gateway",
    "edge",
    "platform",
    "observability",
    "metrics",
    "logging",
    "tracing",
    "alerting",
    "deploy",
    "build",
    "ci",
    "secrets",
    "config",
    "flags",
    "experiments",
    "ml",
    "features",
    "data",
    "etl",
];

const QUALIFIERS: &[&str] = &[
    "core",
    "public",
    "internal",
    "admin",
    "partner",
    "mobile",
    "web",
    "batch",
    "realtime",
    "legacy",
    "next",
    "global",
    "regional",
    "shared",
    "async",
    "sync",
    "backoffice",
    "self-serve",
];

const SERVICE_NOUNS: &[&str] = &[
    "service",
    "api",
    "gateway",
    "worker",
    "processor",
    "scheduler",
    "engine",
    "store",
    "indexer",
    "router",
    "proxy",
    "adapter",
    "connector",
    "sync",
    "exporter",
    "importer",
    "aggregator",
    "dispatcher",
    "resolver",
    "validator",
    "manager",
    "tracker",
    "collector",
    "publisher",
    "consumer",
    "handler",
    "orchestrator",
    "registry",
    "cache",
    "backend",
    "bff",
];

const WEBSITE_NOUNS: &[&str] = &[
    "ui",
    "web",
    "portal",
    "dashboard",
    "console",
    "app",
    "frontend",
    "site",
];
const LIBRARY_NOUNS: &[&str] = &[
    "sdk", "client", "lib", "utils", "common", "kit", "models", "schemas",
];

const DOMAIN_WORDS: &[&str] = &[
    "commerce",
    "finance",
    "identity",
    "growth",
    "logistics",
    "content",
    "platform",
    "data",
    "security",
    "customer",
    "marketplace",
    "operations",
    "engagement",
    "infrastructure",
    "intelligence",
    "media",
    "mobility",
    "health",
    "travel",
    "retail",
    "enterprise",
    "developer",
];

const DEPARTMENT_WORDS: &[&str] = &[
    "engineering",
    "product",
    "data-science",
    "infrastructure",
    "security",
    "platform",
    "mobile",
    "web",
    "payments-eng",
    "commerce-eng",
    "growth-eng",
    "core-services",
    "sre",
    "developer-experience",
    "research",
    "it",
    "analytics",
    "operations",
];

const TEAM_ADJ: &[&str] = &[
    "red", "blue", "green", "amber", "silver", "golden", "swift", "bright", "bold", "quiet",
    "rapid", "steady", "north", "south", "east", "west", "alpha", "delta", "sigma", "omega",
    "cosmic", "lunar", "solar", "polar", "iron", "crystal", "velvet", "neon", "arctic", "coral",
];

const TEAM_NOUNS: &[&str] = &[
    "falcons", "otters", "foxes", "wolves", "owls", "pandas", "tigers", "lynx", "herons",
    "badgers", "ravens", "dolphins", "koalas", "bison", "cranes", "hawks", "orcas", "moose",
    "geckos", "lemurs", "puffins", "walruses", "beavers", "jaguars", "yaks", "eagles",
];

const FIRST_NAMES: &[&str] = &[
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "daniel",
    "nancy",
    "matthew",
    "lisa",
    "anthony",
    "betty",
    "mark",
    "margaret",
    "donald",
    "sandra",
    "steven",
    "ashley",
    "paul",
    "kimberly",
    "andrew",
    "emily",
    "joshua",
    "donna",
    "kenneth",
    "michelle",
    "kevin",
    "dorothy",
    "brian",
    "carol",
    "george",
    "amanda",
    "timothy",
    "melissa",
    "ronald",
    "deborah",
    "aisha",
    "wei",
    "yuki",
    "priya",
    "arjun",
    "fatima",
    "omar",
    "sofia",
    "mateo",
    "lucia",
    "hiroshi",
    "mei",
    "chen",
    "ananya",
    "ivan",
    "olga",
    "lars",
    "ingrid",
    "kwame",
    "amara",
    "diego",
    "camila",
    "noah",
    "emma",
    "liam",
    "olivia",
    "elijah",
    "ava",
    "lucas",
    "mia",
    "leila",
    "tariq",
    "nadia",
    "jonas",
];

const LAST_NAMES: &[&str] = &[
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "rivera",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
    "kim",
    "patel",
    "singh",
    "wang",
    "zhang",
    "tanaka",
    "suzuki",
    "kowalski",
    "novak",
    "muller",
    "schmidt",
    "rossi",
    "bianchi",
    "dubois",
    "lefebvre",
    "silva",
    "santos",
    "okafor",
    "mensah",
    "ivanova",
    "petrov",
    "larsen",
    "berg",
    "khan",
    "ali",
    "haddad",
    "cohen",
    "friedman",
    "oconnor",
    "murphy",
    "kelly",
];

const LANG_TAGS: &[&str] = &[
    "java",
    "kotlin",
    "go",
    "rust",
    "python",
    "typescript",
    "javascript",
    "scala",
    "ruby",
    "csharp",
];
const MISC_TAGS: &[&str] = &[
    "grpc",
    "rest",
    "graphql",
    "kafka",
    "postgres",
    "redis",
    "internal",
    "public",
    "pci",
    "gdpr",
    "tier-1",
    "tier-2",
    "tier-3",
    "spring-boot",
    "react",
    "nextjs",
    "kubernetes",
    "serverless",
    "lambda",
    "batch",
    "streaming",
    "cron",
    "monolith",
    "microservice",
];
const LIFECYCLES: &[&str] = &[
    "production",
    "production",
    "production",
    "production",
    "experimental",
    "deprecated",
];

const RESOURCE_KINDS: &[(&str, &str, &str)] = &[
    // (spec.type, name suffix, tag)
    ("database", "db", "postgres"),
    ("database", "postgres", "postgres"),
    ("database", "mysql", "mysql"),
    ("database", "dynamo", "dynamodb"),
    ("cache", "redis", "redis"),
    ("queue", "queue", "sqs"),
    ("queue", "events", "kafka"),
    ("queue", "topic", "kafka"),
    ("storage", "bucket", "s3"),
    ("search-index", "index", "elasticsearch"),
];

const PATH_NOUNS: &[&str] = &[
    "orders",
    "items",
    "accounts",
    "users",
    "payments",
    "invoices",
    "sessions",
    "events",
    "products",
    "carts",
    "shipments",
    "refunds",
    "tokens",
    "reports",
    "jobs",
    "messages",
];

// ---------------------------------------------------------------- model

#[derive(Clone, Copy, PartialEq)]
enum GroupType {
    Organization,
    Department,
    Team,
}

struct Group {
    name: String,
    display: String,
    ty: GroupType,
    parent: Option<usize>,
    children: Vec<usize>,
    members: Vec<usize>,
}

struct User {
    name: String,
    display: String,
    groups: Vec<usize>,
}

struct Domain {
    name: String,
    owner: usize,
    systems: Vec<usize>,
}

struct System {
    name: String,
    owner: usize,
    components: Vec<usize>,
}

#[derive(Clone, Copy)]
enum CompType {
    Service,
    Website,
    Library,
}

struct Component {
    name: String,
    ty: CompType,
    system: usize,
    owner: usize,
    depends_comp: Vec<usize>,
    depends_res: Vec<usize>,
    provides: Vec<usize>,
    consumes: Vec<usize>,
    subcomponent_of: Option<usize>,
    resources: Vec<usize>,
}

struct Api {
    name: String,
    host: usize,
}

struct Resource {
    name: String,
    kind: usize,
    host: usize,
}

struct Model {
    seed: u64,
    groups: Vec<Group>,
    users: Vec<User>,
    domains: Vec<Domain>,
    systems: Vec<System>,
    components: Vec<Component>,
    apis: Vec<Api>,
    resources: Vec<Resource>,
}

/// Unique-name allocator shared by all kinds (names are unique per kind in Backstage;
/// we keep them globally unique, which reads better and is never wrong).
struct Names(HashSet<String>);

impl Names {
    fn take(&mut self, base: &str) -> String {
        let mut base: String = base.chars().take(56).collect();
        while base.ends_with('-') {
            base.pop();
        }
        if self.0.insert(base.clone()) {
            return base;
        }
        for n in 2.. {
            let cand = format!("{base}-{n}");
            if self.0.insert(cand.clone()) {
                return cand;
            }
        }
        unreachable!()
    }
}

fn title_case(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn build(n: usize, seed: u64) -> Model {
    let mut rng = Rng::new(seed);
    let mut names = Names(HashSet::new());

    let pct = |p: usize| ((n * p + 50) / 100).max(1);
    let n_domains = pct(2);
    let n_systems = pct(3).max(n_domains);
    let n_groups = pct(5).max(3);
    let n_users = pct(10).max(n_groups);
    let n_resources = pct(10);
    let n_apis = pct(15);
    let n_components = n - n_domains - n_systems - n_groups - n_users - n_resources - n_apis;

    // ---- org: organization -> departments -> teams
    let n_depts = ((n_groups - 1) / 11).max(1);
    let n_teams = n_groups - 1 - n_depts;
    let mut groups = Vec::with_capacity(n_groups);
    groups.push(Group {
        name: names.take(COMPANY),
        display: "ACME Corp".to_string(),
        ty: GroupType::Organization,
        parent: None,
        children: vec![],
        members: vec![],
    });
    for _ in 0..n_depts {
        let word = *rng.pick(DEPARTMENT_WORDS);
        let name = names.take(word);
        groups.push(Group {
            display: title_case(&name),
            name,
            ty: GroupType::Department,
            parent: Some(0),
            children: vec![],
            members: vec![],
        });
        let id = groups.len() - 1;
        groups[0].children.push(id);
    }
    for t in 0..n_teams {
        // Every department gets at least one team.
        let dept = if t < n_depts {
            1 + t
        } else {
            1 + rng.below(n_depts)
        };
        let base = format!("team-{}-{}", rng.pick(TEAM_ADJ), rng.pick(TEAM_NOUNS));
        let name = names.take(&base);
        groups.push(Group {
            display: title_case(&name[5..]),
            name,
            ty: GroupType::Team,
            parent: Some(dept),
            children: vec![],
            members: vec![],
        });
        let id = groups.len() - 1;
        groups[dept].children.push(id);
    }
    let teams: Vec<usize> = (1 + n_depts..n_groups).collect();

    // ---- users: each in one team (every team gets at least one), some in two,
    // department leads also members of their department.
    let mut users = Vec::with_capacity(n_users);
    for u in 0..n_users {
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(LAST_NAMES);
        let name = names.take(&format!("{first}-{last}"));
        let team = if u < teams.len() {
            teams[u]
        } else {
            *rng.pick(&teams)
        };
        let mut gs = vec![team];
        if rng.chance(0.1) {
            let other = *rng.pick(&teams);
            if other != team {
                gs.push(other);
            }
        }
        for &g in &gs {
            groups[g].members.push(u);
        }
        users.push(User {
            name,
            display: format!("{} {}", title_case(first), title_case(last)),
            groups: gs,
        });
    }
    for d in 1..=n_depts {
        let kids = groups[d].children.clone();
        let team = *rng.pick(&kids);
        if let Some(&lead) = groups[team].members.first() {
            groups[d].members.push(lead);
            users[lead].groups.push(d);
        }
    }

    // ---- domains and systems
    let mut domains = Vec::with_capacity(n_domains);
    for _ in 0..n_domains {
        let word = *rng.pick(DOMAIN_WORDS);
        let base = if rng.chance(0.5) {
            word.to_string()
        } else {
            format!("{}-{word}", rng.pick(AREAS))
        };
        let name = names.take(&base);
        // Domains belong to departments mostly.
        let owner = if rng.chance(0.8) {
            1 + rng.below(n_depts)
        } else {
            *rng.pick(&teams)
        };
        domains.push(Domain {
            name,
            owner,
            systems: vec![],
        });
    }
    let mut systems = Vec::with_capacity(n_systems);
    for s in 0..n_systems {
        let domain = if s < n_domains {
            s
        } else {
            rng.below(n_domains)
        };
        let base = if rng.chance(0.5) {
            rng.pick(AREAS).to_string()
        } else {
            format!(
                "{}-{}",
                rng.pick(AREAS),
                rng.pick(&["platform", "suite", "system", "hub", "stack"])
            )
        };
        let name = names.take(&base);
        systems.push(System {
            name,
            owner: *rng.pick(&teams),
            components: vec![],
        });
        domains[domain].systems.push(s);
    }

    // ---- components
    let mut components: Vec<Component> = Vec::with_capacity(n_components);
    for c in 0..n_components {
        let system = if c < n_systems {
            c
        } else {
            rng.below(n_systems)
        };
        let ty = match rng.weighted(&[75, 15, 10]) {
            0 => CompType::Service,
            1 => CompType::Website,
            _ => CompType::Library,
        };
        let area = if rng.chance(0.6) {
            // Name after the system's area, like real repos do.
            systems[system].name.split('-').next().unwrap().to_string()
        } else {
            rng.pick(AREAS).to_string()
        };
        let noun = match ty {
            CompType::Service => *rng.pick(SERVICE_NOUNS),
            CompType::Website => *rng.pick(WEBSITE_NOUNS),
            CompType::Library => *rng.pick(LIBRARY_NOUNS),
        };
        let base = if rng.chance(0.25) {
            format!("{area}-{}-{noun}", rng.pick(QUALIFIERS))
        } else {
            format!("{area}-{noun}")
        };
        let name = names.take(&base);
        let owner = if rng.chance(0.7) {
            systems[system].owner
        } else {
            *rng.pick(&teams)
        };

        // dependsOn other components: earlier ones (acyclic), preferring the same system,
        // plus a rare back edge that closes a real cycle.
        let mut depends_comp = Vec::new();
        if c > 0 {
            let k = rng.weighted(&[40, 35, 15, 7, 3]);
            for _ in 0..k {
                let same = &systems[system].components;
                let j = if !same.is_empty() && rng.chance(0.6) {
                    *rng.pick(same)
                } else {
                    rng.below(c)
                };
                if !depends_comp.contains(&j) {
                    depends_comp.push(j);
                }
            }
        }
        let subcomponent_of = if !systems[system].components.is_empty() && rng.chance(0.04) {
            Some(*rng.pick(&systems[system].components))
        } else {
            None
        };
        components.push(Component {
            name,
            ty,
            system,
            owner,
            depends_comp,
            depends_res: vec![],
            provides: vec![],
            consumes: vec![],
            subcomponent_of,
            resources: vec![],
        });
        systems[system].components.push(c);
    }
    // A few real cycles, as found in real catalogs: ~0.2% of components get a back edge
    // to a direct dependent (2-cycle) or to a dependent of a dependent (3-cycle).
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n_components];
    for (c, comp) in components.iter().enumerate() {
        for &d in &comp.depends_comp {
            dependents[d].push(c);
        }
    }
    for c in 0..n_components {
        if rng.chance(0.002) && !dependents[c].is_empty() {
            let d = *rng.pick(&dependents[c]);
            let target = if rng.chance(0.5) && !dependents[d].is_empty() {
                *rng.pick(&dependents[d])
            } else {
                d
            };
            if target != c && !components[c].depends_comp.contains(&target) {
                components[c].depends_comp.push(target);
            }
        }
    }

    // ---- APIs: each provided by a distinct service (or any component if services run
    // out), and written into that component's file.
    let mut hosts: Vec<usize> = (0..n_components)
        .filter(|&c| matches!(components[c].ty, CompType::Service))
        .collect();
    rng.shuffle(&mut hosts);
    let mut others: Vec<usize> = (0..n_components)
        .filter(|&c| !matches!(components[c].ty, CompType::Service))
        .collect();
    rng.shuffle(&mut others);
    hosts.extend(others);
    let mut apis = Vec::with_capacity(n_apis);
    for a in 0..n_apis {
        let host = hosts[a % hosts.len()];
        let cname = &components[host].name;
        let base = if cname.ends_with("-api") {
            cname.clone()
        } else {
            format!("{cname}-api")
        };
        let name = names.take(&base);
        apis.push(Api { name, host });
        components[host].provides.push(a);
    }

    // ---- resources: hosted in (and depended on by) a random component's file
    let mut res_hosts: Vec<usize> = (0..n_components).collect();
    rng.shuffle(&mut res_hosts);
    let mut resources = Vec::with_capacity(n_resources);
    for r in 0..n_resources {
        let host = res_hosts[r % res_hosts.len()];
        let kind = rng.below(RESOURCE_KINDS.len());
        let cname = &components[host].name;
        let area = cname.split('-').next().unwrap();
        let name = names.take(&format!("{area}-{}", RESOURCE_KINDS[kind].1));
        resources.push(Resource { name, kind, host });
        components[host].resources.push(r);
        components[host].depends_res.push(r);
    }
    for comp in components.iter_mut() {
        if n_resources > 0 && rng.chance(0.1) {
            let r = rng.below(n_resources);
            if !comp.depends_res.contains(&r) {
                comp.depends_res.push(r);
            }
        }
    }

    // ---- consumesApis: APIs of the components we depend on, plus a random one.
    for c in 0..n_components {
        let mut consumes = Vec::new();
        for &d in &components[c].depends_comp {
            for &a in &components[d].provides {
                if rng.chance(0.5) && !consumes.contains(&a) {
                    consumes.push(a);
                }
            }
        }
        if n_apis > 0 && rng.chance(0.2) {
            let a = rng.below(n_apis);
            if apis[a].host != c && !consumes.contains(&a) {
                consumes.push(a);
            }
        }
        components[c].consumes = consumes;
    }

    Model {
        seed,
        groups,
        users,
        domains,
        systems,
        components,
        apis,
        resources,
    }
}

// ---------------------------------------------------------------- rendering

const HEADER: &str = "apiVersion: backstage.io/v1alpha1\n";

/// A reference spelled the way humans write them: mostly bare, sometimes qualified.
fn group_ref(out: &mut String, r: &mut Rng, name: &str) {
    match r.weighted(&[70, 20, 10]) {
        0 => out.push_str(name),
        1 => {
            let _ = write!(out, "group:{name}");
        }
        _ => {
            let _ = write!(out, "group:default/{name}");
        }
    }
}

fn tags(out: &mut String, tags: &[&str]) {
    if tags.is_empty() {
        return;
    }
    out.push_str("  tags:\n");
    for t in tags {
        let _ = writeln!(out, "    - {t}");
    }
}

fn render_component(m: &Model, c: usize, out: &mut String) {
    let comp = &m.components[c];
    let mut r = Rng::derived(m.seed, 1, c);
    let sys = &m.systems[comp.system];
    let (ty, verb) = match comp.ty {
        CompType::Service => ("service", "Backend service"),
        CompType::Website => ("website", "Web frontend"),
        CompType::Library => ("library", "Shared library"),
    };
    let area = comp.name.split('-').next().unwrap();
    let lang = *r.pick(LANG_TAGS);
    let mut t = if r.chance(0.85) { vec![lang] } else { vec![] };
    for _ in 0..r.weighted(&[65, 30, 5]) {
        let x = *r.pick(MISC_TAGS);
        if !t.contains(&x) {
            t.push(x);
        }
    }

    out.push_str(HEADER);
    out.push_str("kind: Component\nmetadata:\n");
    let _ = writeln!(out, "  name: {}", comp.name);
    if r.chance(0.15) {
        let _ = writeln!(out, "  title: {}", title_case(&comp.name));
    }
    if r.chance(0.6) {
        let _ = writeln!(out, "  description: {verb} for {area}");
    }
    out.push_str("  annotations:\n");
    let _ = writeln!(out, "    github.com/project-slug: {COMPANY}/{}", comp.name);
    if matches!(comp.ty, CompType::Service) && r.chance(0.35) {
        out.push_str("    pagerduty.com/service-id: P");
        for _ in 0..6 {
            out.push(b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"[r.below(34)] as char);
        }
        out.push('\n');
    }
    if r.chance(0.25) {
        out.push_str("    backstage.io/techdocs-ref: dir:.\n");
    }
    tags(out, &t);
    if r.chance(0.15) {
        out.push_str("  links:\n");
        let _ = writeln!(
            out,
            "    - url: https://grafana.{EMAIL_DOMAIN}/d/{}\n      title: Dashboard\n      icon: dashboard",
            comp.name
        );
        if r.chance(0.3) {
            let _ = writeln!(
                out,
                "    - url: https://runbooks.{EMAIL_DOMAIN}/{}\n      title: Runbook\n      icon: docs",
                comp.name
            );
        }
    }
    out.push_str("spec:\n");
    let _ = writeln!(out, "  type: {ty}");
    let _ = writeln!(out, "  lifecycle: {}", r.pick(LIFECYCLES));
    out.push_str("  owner: ");
    group_ref(out, &mut r, &m.groups[comp.owner].name);
    out.push('\n');
    let _ = writeln!(out, "  system: {}", sys.name);
    if let Some(p) = comp.subcomponent_of {
        let _ = writeln!(out, "  subcomponentOf: {}", m.components[p].name);
    }
    if !comp.provides.is_empty() {
        out.push_str("  providesApis:\n");
        for &a in &comp.provides {
            let _ = writeln!(out, "    - {}", m.apis[a].name);
        }
    }
    if !comp.consumes.is_empty() {
        out.push_str("  consumesApis:\n");
        for &a in &comp.consumes {
            let pre = if r.chance(0.3) { "api:" } else { "" };
            let _ = writeln!(out, "    - {pre}{}", m.apis[a].name);
        }
    }
    if !comp.depends_comp.is_empty() || !comp.depends_res.is_empty() {
        out.push_str("  dependsOn:\n");
        for &d in &comp.depends_comp {
            let _ = writeln!(out, "    - component:{}", m.components[d].name);
        }
        for &d in &comp.depends_res {
            let _ = writeln!(out, "    - resource:{}", m.resources[d].name);
        }
    }
}

fn render_api(m: &Model, a: usize, out: &mut String) {
    let api = &m.apis[a];
    let comp = &m.components[api.host];
    let mut r = Rng::derived(m.seed, 2, a);
    let title = title_case(&api.name);
    let noun = *r.pick(PATH_NOUNS);
    out.push_str("---\n");
    out.push_str(HEADER);
    out.push_str("kind: API\nmetadata:\n");
    let _ = writeln!(out, "  name: {}", api.name);
    if r.chance(0.5) {
        let _ = writeln!(out, "  description: HTTP API of {}", comp.name);
    }
    if r.chance(0.3) {
        tags(out, &["rest", "openapi"][..1 + r.below(2)]);
    }
    out.push_str("spec:\n  type: openapi\n");
    let _ = writeln!(out, "  lifecycle: {}", r.pick(LIFECYCLES));
    out.push_str("  owner: ");
    group_ref(out, &mut r, &m.groups[comp.owner].name);
    out.push('\n');
    let _ = writeln!(out, "  system: {}", m.systems[comp.system].name);
    let _ = write!(
        out,
        "  definition: |\n    openapi: 3.0.3\n    info:\n      title: {title}\n      version: {}.{}.{}\n    paths:\n",
        r.below(4),
        r.below(20),
        r.below(10)
    );
    operations(&mut r, noun, out);
}

/// What an API of the generated catalog serves, so that endpoint search has something to find
/// at scale: 2 to 6 operations on one resource (its collection and its items, under a version
/// prefix), each with an operationId and a summary, as an OpenAPI `paths` block indented for
/// the entity's `definition: |`.
fn operations(r: &mut Rng, noun: &str, out: &mut String) {
    // (on the item?, method, operationId verb, summary, success status)
    const OPERATIONS: [(bool, &str, &str, &str, &str); 6] = [
        (false, "get", "list", "List the", "200"),
        (false, "post", "create", "Create one of the", "201"),
        (true, "get", "get", "Get one of the", "200"),
        (true, "put", "replace", "Replace one of the", "200"),
        (true, "patch", "update", "Update one of the", "200"),
        (true, "delete", "delete", "Delete one of the", "204"),
    ];
    let version = 1 + r.below(2);
    let count = 2 + r.below(5);
    let mut chosen: Vec<usize> = (0..OPERATIONS.len()).collect();
    r.shuffle(&mut chosen);
    chosen.truncate(count);
    chosen.sort_unstable();
    let capital = title_case(noun);
    for on_item in [false, true] {
        let mut ops = chosen
            .iter()
            .map(|&i| OPERATIONS[i])
            .filter(|o| o.0 == on_item)
            .peekable();
        if ops.peek().is_none() {
            continue;
        }
        let item = if on_item { "/{id}" } else { "" };
        let _ = writeln!(out, "      /v{version}/{noun}{item}:");
        for (_, method, verb, summary, status) in ops {
            let _ = write!(
                out,
                "        {method}:\n          operationId: {verb}{capital}\n          summary: {summary} {noun}\n          responses:\n            \"{status}\":\n              description: OK\n"
            );
        }
    }
}

fn render_resource(m: &Model, x: usize, out: &mut String) {
    let res = &m.resources[x];
    let comp = &m.components[res.host];
    let mut r = Rng::derived(m.seed, 3, x);
    let (ty, _, tag) = RESOURCE_KINDS[res.kind];
    out.push_str("---\n");
    out.push_str(HEADER);
    out.push_str("kind: Resource\nmetadata:\n");
    let _ = writeln!(out, "  name: {}", res.name);
    let _ = writeln!(
        out,
        "  description: {} {ty} used by {}",
        title_case(tag),
        comp.name
    );
    tags(out, &[tag]);
    out.push_str("spec:\n");
    let _ = writeln!(out, "  type: {ty}");
    out.push_str("  owner: ");
    group_ref(out, &mut r, &m.groups[comp.owner].name);
    out.push('\n');
    let _ = writeln!(out, "  system: {}", m.systems[comp.system].name);
}

fn render_group(m: &Model, g: usize, out: &mut String) {
    let grp = &m.groups[g];
    let ty = match grp.ty {
        GroupType::Organization => "organization",
        GroupType::Department => "department",
        GroupType::Team => "team",
    };
    out.push_str(HEADER);
    out.push_str("kind: Group\nmetadata:\n");
    let _ = writeln!(out, "  name: {}", grp.name);
    out.push_str("spec:\n");
    let _ = writeln!(out, "  type: {ty}");
    let _ = writeln!(
        out,
        "  profile:\n    displayName: {}\n    email: {}@{EMAIL_DOMAIN}",
        grp.display, grp.name
    );
    if let Some(p) = grp.parent {
        let _ = writeln!(out, "  parent: {}", m.groups[p].name);
    }
    if grp.children.is_empty() {
        out.push_str("  children: []\n");
    } else {
        out.push_str("  children:\n");
        for &c in &grp.children {
            let _ = writeln!(out, "    - {}", m.groups[c].name);
        }
    }
    if !grp.members.is_empty() {
        out.push_str("  members:\n");
        for &u in &grp.members {
            let _ = writeln!(out, "    - {}", m.users[u].name);
        }
    }
}

fn render_user(m: &Model, u: usize, out: &mut String) {
    let user = &m.users[u];
    out.push_str(HEADER);
    out.push_str("kind: User\nmetadata:\n");
    let _ = writeln!(out, "  name: {}", user.name);
    out.push_str("spec:\n  profile:\n");
    let _ = writeln!(out, "    displayName: {}", user.display);
    let _ = writeln!(
        out,
        "    email: {}@{EMAIL_DOMAIN}",
        user.name.replace('-', ".")
    );
    out.push_str("  memberOf:\n");
    for &g in &user.groups {
        let _ = writeln!(out, "    - {}", m.groups[g].name);
    }
}

fn render_domain(m: &Model, d: usize, out: &mut String) {
    let dom = &m.domains[d];
    let mut r = Rng::derived(m.seed, 4, d);
    out.push_str(HEADER);
    out.push_str("kind: Domain\nmetadata:\n");
    let _ = writeln!(out, "  name: {}", dom.name);
    let _ = writeln!(out, "  title: {}", title_case(&dom.name));
    let _ = writeln!(
        out,
        "  description: Everything about {}",
        dom.name.replace('-', " ")
    );
    out.push_str("spec:\n  owner: ");
    group_ref(out, &mut r, &m.groups[dom.owner].name);
    out.push('\n');
    for &s in &dom.systems {
        let sys = &m.systems[s];
        out.push_str("---\n");
        out.push_str(HEADER);
        out.push_str("kind: System\nmetadata:\n");
        let _ = writeln!(out, "  name: {}", sys.name);
        let _ = writeln!(
            out,
            "  description: The {} system",
            sys.name.replace('-', " ")
        );
        if r.chance(0.5) {
            let _ = writeln!(
                out,
                "  links:\n    - url: https://wiki.{EMAIL_DOMAIN}/{}\n      title: Wiki",
                sys.name
            );
        }
        out.push_str("spec:\n  owner: ");
        group_ref(out, &mut r, &m.groups[sys.owner].name);
        out.push('\n');
        let _ = writeln!(out, "  domain: {}", dom.name);
    }
}

enum FileJob {
    Root,
    Org,
    Department(usize),
    Domain(usize),
    Component(usize),
}

fn render(m: &Model, job: &FileJob, out: &mut String) -> PathBuf {
    match *job {
        FileJob::Root => {
            out.push_str(HEADER);
            out.push_str(
                "kind: Location\nmetadata:\n  name: generated-catalog\n  description: Root of the generated catalog\nspec:\n  targets:\n    - ./org/*/catalog-info.yaml\n    - ./domains/*/catalog-info.yaml\n    - ./services/*/*/catalog-info.yaml\n",
            );
            PathBuf::from("catalog-info.yaml")
        }
        FileJob::Org => {
            render_group(m, 0, out);
            PathBuf::from(format!("org/{}/catalog-info.yaml", m.groups[0].name))
        }
        FileJob::Department(d) => {
            // The department, its teams, and the users whose first team is one of them.
            let mut first = true;
            let mut sep = |out: &mut String| {
                if !std::mem::take(&mut first) {
                    out.push_str("---\n");
                }
            };
            sep(out);
            render_group(m, d, out);
            for &t in &m.groups[d].children {
                sep(out);
                render_group(m, t, out);
                for &u in &m.groups[t].members {
                    if m.users[u].groups[0] == t {
                        sep(out);
                        render_user(m, u, out);
                    }
                }
            }
            PathBuf::from(format!("org/{}/catalog-info.yaml", m.groups[d].name))
        }
        FileJob::Domain(d) => {
            render_domain(m, d, out);
            PathBuf::from(format!("domains/{}/catalog-info.yaml", m.domains[d].name))
        }
        FileJob::Component(c) => {
            let comp = &m.components[c];
            render_component(m, c, out);
            for &a in &comp.provides {
                render_api(m, a, out);
            }
            for &x in &comp.resources {
                render_resource(m, x, out);
            }
            PathBuf::from(format!(
                "services/{}/{}/catalog-info.yaml",
                m.systems[comp.system].name, comp.name
            ))
        }
    }
}

// ---------------------------------------------------------------- main

fn usage() -> ! {
    eprintln!("usage: gen_catalog N OUT_DIR [--seed S]");
    std::process::exit(2);
}

fn prepare_out(out: &Path) -> std::io::Result<()> {
    if out.exists() {
        let nonempty = std::fs::read_dir(out)?.next().is_some();
        if nonempty {
            if out.join(MARKER).exists() {
                std::fs::remove_dir_all(out)?;
            } else {
                eprintln!(
                    "gen_catalog: {} exists, is not empty and was not written by gen_catalog; refusing to touch it",
                    out.display()
                );
                std::process::exit(1);
            }
        }
    }
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join(MARKER),
        "written by greenroom's examples/gen_catalog.rs\n",
    )
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut pos = Vec::new();
    let mut seed: u64 = 42;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => {
                seed = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "-h" | "--help" => usage(),
            _ => pos.push(a),
        }
    }
    if pos.len() != 2 {
        usage();
    }
    let n: usize = pos[0].parse().unwrap_or_else(|_| usage());
    if n < 40 {
        eprintln!("gen_catalog: N must be at least 40");
        std::process::exit(2);
    }
    let out = PathBuf::from(&pos[1]);

    let t_clear = Instant::now();
    prepare_out(&out)?;
    let t_clear = t_clear.elapsed();

    let t0 = Instant::now();
    let m = build(n, seed);
    let t_build = t0.elapsed();
    let mut jobs = vec![FileJob::Root, FileJob::Org];
    let depts = m
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.ty == GroupType::Department)
        .map(|(i, _)| i);
    jobs.extend(depts.map(FileJob::Department));
    jobs.extend((0..m.domains.len()).map(FileJob::Domain));
    jobs.extend((0..m.components.len()).map(FileJob::Component));

    // Render and write in parallel; each file is one buffer and one write call.
    let bytes: u64 = jobs
        .par_iter()
        .map_init(String::new, |buf, job| -> std::io::Result<u64> {
            buf.clear();
            let rel = render(&m, job, buf);
            let path = out.join(rel);
            std::fs::create_dir_all(path.parent().unwrap())?;
            std::fs::write(&path, buf.as_bytes())?;
            Ok(buf.len() as u64)
        })
        .try_reduce(|| 0, |a, b| Ok(a + b))?;
    let total = t0.elapsed();

    let entities = m.groups.len()
        + m.users.len()
        + m.domains.len()
        + m.systems.len()
        + m.components.len()
        + m.apis.len()
        + m.resources.len();
    println!(
        "{entities} entities (+1 Location) in {} files, {:.2} MB, seed {seed} -> {}",
        jobs.len(),
        bytes as f64 / 1e6,
        out.display()
    );
    println!(
        "  components {}  apis {}  resources {}  users {}  groups {}  systems {}  domains {}",
        m.components.len(),
        m.apis.len(),
        m.resources.len(),
        m.users.len(),
        m.groups.len(),
        m.systems.len(),
        m.domains.len()
    );
    println!(
        "  model {:.0} ms, generate total {:.0} ms (clearing the old output took {:.0} ms more)",
        t_build.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        t_clear.as_secs_f64() * 1e3
    );
    Ok(())
}
