//! The Backstage backend as a catalog source.
//!
//! Fast loopback tests against a fake backend (`tests/support/backstage.rs`): every by-query page
//! read with `fields` and the cursor; a rejected token named with the URL and never printed; a
//! backend that hangs times out and the TUI's loader keeps the snapshot and says offline; an
//! unchanged backend does not rebuild the snapshot, a changed one does.
//!
//! The peer test runs Backstage's own backend (`tests/backstage-peer`, `npm ci` there) on a clean
//! catalog file and checks that greenroom reads the same entities and relations it serves, and
//! that those relations are the ones greenroom computes from the same file. Without node or the
//! installed peer it is skipped with the reason printed, and fails when GREENROOM_REQUIRE_PEERS is
//! set (CI).

mod support;

use greenroom::catalog::Catalog;
use greenroom::config::{BackstageSource, Config, Secret, SourceConfig};
use greenroom::providers::backstage::Backstage;
use greenroom::providers::http::{Client, Log, Options};
use greenroom::sources::{CatalogSource, Refresh, SourceSpec};
use greenroom::tui::{LoadResult, LoaderMsg, LoaderStatus};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use support::backstage::{entities, get, peer_missing, FakeBackstage, Mode, Peer};
use support::binary::{self, contains, files_under};

const TOKEN: &str = "bs-token-6f1e9a";

fn config_for(url: &str, cache: &Path) -> Config {
    let mut config = Config::default();
    config.cache.dir = Some(cache.to_path_buf());
    config.catalog.sources = vec![SourceConfig::Backstage(BackstageSource {
        backstage: url.to_string(),
    })];
    config
}

/// What the loader thread sends for one launch: the catalogs and the statuses (progress lines
/// left out), in order.
fn launch(source: &CatalogSource, config: &Config) -> (Vec<LoadResult>, Vec<LoaderStatus>) {
    let (sender, receiver) = std::sync::mpsc::channel();
    greenroom::tui::load_in_background(source, config, std::time::Instant::now(), &sender);
    drop(sender);
    let (mut catalogs, mut statuses) = (Vec::new(), Vec::new());
    for message in receiver {
        match message {
            LoaderMsg::Catalog(result) => catalogs.push(result),
            LoaderMsg::Status(LoaderStatus::Progress(_))
            | LoaderMsg::Index { .. }
            | LoaderMsg::Endpoints { .. } => {}
            LoaderMsg::Status(status) => statuses.push(status),
        }
    }
    (catalogs, statuses)
}

#[test]
fn every_page_is_read_with_fields_and_the_cursor() {
    let fake = FakeBackstage::start(entities(2_300), Some(TOKEN));
    let cache = tempfile::tempdir().unwrap();
    let config = cache.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let run = binary::execute(
        binary::command(cache.path(), &config)
            .env("BACKSTAGE_URL", fake.url())
            .env("BACKSTAGE_TOKEN", TOKEN)
            .args(["list", "--format", "json"]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let listed: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(listed.len(), 2_301);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3, "2,301 entities in pages of 1,000");
    for (i, request) in requests.iter().enumerate() {
        assert_eq!(request.query("limit").as_deref(), Some("1000"));
        let fields = request.query("fields").expect("fields on every page");
        assert!(
            fields.contains("relations") && fields.contains("spec"),
            "{fields}"
        );
        assert!(!fields.contains("uid"), "{fields}");
        assert_eq!(
            request.header("authorization"),
            Some(&*format!("Bearer {TOKEN}"))
        );
        let expected_cursor = (i > 0).then(|| format!("offset:{}", i * 1000));
        assert_eq!(request.query("cursor"), expected_cursor);
    }
    // Relations as the backend served them (both sides), not recomputed.
    let svc = listed
        .iter()
        .find(|e| e["metadata"]["name"] == "svc-5")
        .unwrap();
    let relations: BTreeSet<String> = svc["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["type"].as_str().unwrap(),
                r["targetRef"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        relations,
        BTreeSet::from([
            "ownedBy group:default/team-a".to_string(),
            "dependsOn component:default/svc-6".to_string(),
            "dependencyOf component:default/svc-4".to_string(),
        ])
    );
    // The library call reports progress after each page.
    let client = Arc::new(Client::new(Options::default(), None, Log::Off));
    let backstage = Backstage::new(&fake.url(), Some(Secret::new(TOKEN)), client).unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let read = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(backstage.entities(999, &|read, total| seen.lock().unwrap().push((read, total))))
        .unwrap();
    assert_eq!(read.entities.len(), 2_301);
    assert_eq!(
        *seen.lock().unwrap(),
        [(999, 2_301), (1_998, 2_301), (2_301, 2_301)]
    );
}

#[test]
fn a_rejected_token_names_the_url_and_is_never_printed() {
    let fake = FakeBackstage::start(entities(3), Some("the-right-one"));
    let cache = tempfile::tempdir().unwrap();
    let config = cache.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    for args in [
        &["list"][..],
        &["--verbose", "list", "--format", "json"][..],
    ] {
        let run = binary::execute(
            binary::command(cache.path(), &config)
                .env("BACKSTAGE_URL", fake.url())
                .env("BACKSTAGE_TOKEN", TOKEN)
                .args(args),
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        run.assert_stderr_has("401");
        assert!(
            run.stderr
                .contains(&format!("{}/api/catalog/entities/by-query", fake.url())),
            "the message names the URL: {}",
            run.stderr
        );
        run.assert_stderr_has("BACKSTAGE_TOKEN");
        assert!(!contains(run.stderr.as_bytes(), TOKEN), "{}", run.stderr);
        assert!(!contains(run.stdout.as_bytes(), TOKEN));
    }
    for (file, bytes) in files_under(cache.path()) {
        assert!(!contains(&bytes, TOKEN), "{file} holds the token");
    }
}

#[test]
fn a_hanging_backend_times_out_and_the_snapshot_stays_until_the_backend_changes() {
    // A short client timeout for the hang (this test binary's other tests set the same).
    std::env::set_var("GREENROOM_HTTP_TIMEOUT_MS", "1500");
    std::env::set_var("GREENROOM_HTTP_RETRIES", "0");
    let fake = FakeBackstage::start(entities(40), None);
    let cache = tempfile::tempdir().unwrap();
    let config = config_for(&fake.url(), cache.path());
    let source = CatalogSource::Several(vec![SourceSpec::Backstage { url: fake.url() }]);

    let (catalogs, statuses) = launch(&source, &config);
    assert_eq!(catalogs.len(), 1, "no snapshot yet: the backend's catalog");
    assert_eq!(catalogs[0].data.catalog.len(), 41);
    assert!(statuses.is_empty(), "{statuses:?}");

    fake.set_mode(Mode::Hang);
    let (catalogs, statuses) = launch(&source, &config);
    assert_eq!(catalogs.len(), 1, "the snapshot, and no fresh catalog");
    assert!(catalogs[0].snapshot_age.is_some());
    assert_eq!(catalogs[0].data.catalog.len(), 41);
    match statuses.as_slice() {
        [LoaderStatus::Offline(why)] => {
            assert!(why.contains("timed out"), "{why}");
            assert!(why.contains(&fake.url()), "{why}");
        }
        other => panic!("expected offline, got {other:?}"),
    }
    // The header says so.
    let mut app = greenroom::tui::app_with(
        Catalog::default(),
        "backstage",
        false,
        greenroom::tui::theme::Theme::default(),
    );
    let mut snapshot = catalogs.into_iter().next().unwrap();
    snapshot.snapshot_age = Some(Duration::from_secs(120));
    app.on_loaded(snapshot);
    app.on_loader_status(statuses[0].clone());
    let backend = ratatui::backend::TestBackend::new(120, 20);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    terminal
        .draw(|frame| greenroom::tui::ui::draw(frame, &app))
        .unwrap();
    let header: String = (0..120)
        .map(|x| terminal.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(header.contains("OFFLINE"), "{header}");
    assert!(header.contains("snapshot from 2 min ago"), "{header}");

    fake.set_mode(Mode::Serve);
    let (catalogs, statuses) = launch(&source, &config);
    assert_eq!(catalogs.len(), 1, "the snapshot only");
    assert_eq!(statuses, [LoaderStatus::Unchanged]);

    fake.set_entities(entities(45));
    let (catalogs, statuses) = launch(&source, &config);
    assert_eq!(catalogs.len(), 2, "the snapshot, then the changed catalog");
    assert_eq!(catalogs[1].data.catalog.len(), 46);
    assert!(statuses.is_empty(), "{statuses:?}");
    let (catalogs, _) = launch(&source, &config);
    assert_eq!(
        catalogs[0].data.catalog.len(),
        46,
        "the changed catalog became the snapshot"
    );
}

/// A clean catalog for the peer: every kind, every relation field, no duplicate and no YAML error
/// (either would stall or empty Backstage's ingestion).
fn peer_catalog() -> String {
    let mut docs = vec![
        "apiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata: {name: commerce}\nspec: {owner: group:platform}".to_string(),
        "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: shop}\nspec: {owner: platform, domain: commerce}".to_string(),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: platform}\nspec: {type: department, children: [team-a, team-b]}".to_string(),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, parent: platform, children: [], members: [alice]}".to_string(),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-b}\nspec: {type: team, parent: platform, children: []}".to_string(),
        "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: alice}\nspec: {profile: {email: alice@example.com}, memberOf: [team-a]}".to_string(),
        "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: bob}\nspec: {memberOf: [team-b]}".to_string(),
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: orders-api}\nspec: {type: openapi, lifecycle: production, owner: team-a, system: shop, definition: 'openapi: 3.0.0'}".to_string(),
        "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {name: orders-db}\nspec: {type: database, owner: team-a, system: shop}".to_string(),
        "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: new-service, title: New service}\nspec: {type: service, owner: team-b, parameters: [], steps: [{id: log, action: 'debug:log', input: {message: hi}}]}".to_string(),
    ];
    for i in 0..40 {
        let owner = if i % 2 == 0 {
            "team-a"
        } else {
            "group:default/team-b"
        };
        let mut spec =
            format!("type: service, lifecycle: production, owner: {owner}, system: shop");
        if i > 0 {
            spec.push_str(&format!(", dependsOn: [component:svc-{}]", i - 1));
        }
        if i % 3 == 0 {
            spec.push_str(", providesApis: [orders-api]");
        } else {
            spec.push_str(", consumesApis: [orders-api], dependencyOf: [resource:orders-db]");
        }
        if i % 10 == 5 {
            spec.push_str(&format!(", subcomponentOf: svc-{}", i - 1));
        }
        docs.push(format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{i}\n  tags: [rust]\n  annotations: {{github.com/project-slug: acme/svc-{i}}}\nspec: {{{spec}}}"
        ));
    }
    docs.join("\n---\n") + "\n"
}

fn relation_set(entity: &Value) -> BTreeSet<(String, String)> {
    entity["relations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["type"].as_str().unwrap().to_string(),
                r["targetRef"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn key(entity: &Value) -> String {
    format!(
        "{}:{}/{}",
        entity["kind"].as_str().unwrap().to_lowercase(),
        entity["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default"),
        entity["metadata"]["name"].as_str().unwrap()
    )
}

#[test]
fn greenroom_reads_what_a_real_backstage_backend_serves() {
    if let Some(reason) = peer_missing() {
        assert!(
            std::env::var_os("GREENROOM_REQUIRE_PEERS").is_none(),
            "the Backstage peer is required (GREENROOM_REQUIRE_PEERS is set): {reason}"
        );
        println!("skipped: {reason}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let catalog_file = dir.path().join("catalog-info.yaml");
    std::fs::write(&catalog_file, peer_catalog()).unwrap();
    let mut peer = Peer::start(&catalog_file, &dir.path().join("backend.log"));
    // 50 entities and the generated Location of the configured location.
    peer.wait_for(51, Duration::from_secs(240))
        .unwrap_or_else(|err| panic!("the Backstage backend did not ingest the catalog: {err}"));
    let served: BTreeMap<String, Value> = peer
        .all_entities()
        .into_iter()
        .map(|e| (key(&e), e))
        .collect();
    assert_eq!(served.len(), 51);

    // greenroom, as a source, through its own pages.
    let cache = tempfile::tempdir().unwrap();
    let config = config_for(&peer.url, cache.path());
    let source = CatalogSource::Several(vec![SourceSpec::Backstage {
        url: peer.url.clone(),
    }]);
    let Refresh::Loaded {
        loaded, offline, ..
    } = source.load_with(&config, None, &|_| {})
    else {
        panic!("no previous catalog: it loads");
    };
    assert!(
        offline.is_empty() && loaded.unreadable.is_empty(),
        "{offline:?} {:?}",
        loaded.unreadable
    );
    let catalog = loaded.catalog;
    let read: BTreeSet<String> = catalog.entities.iter().map(|e| e.key()).collect();
    assert_eq!(read, served.keys().cloned().collect::<BTreeSet<_>>());
    assert!(
        catalog.problems.is_empty(),
        "a clean catalog: {:?}",
        catalog.problems
    );
    for (key, entity) in &served {
        let id = catalog.get(key).unwrap();
        let mine = catalog.entity_json(id);
        assert_eq!(
            relation_set(&mine),
            relation_set(entity),
            "relations of {key}"
        );
        assert_eq!(mine["spec"], entity["spec"], "spec of {key}");
        assert_eq!(
            mine["metadata"]["annotations"], entity["metadata"]["annotations"],
            "annotations of {key}"
        );
    }

    // The backend's relations are the ones greenroom computes from the same file.
    let local = greenroom::catalog::load::load_paths(std::slice::from_ref(&catalog_file)).catalog;
    for entity in &local.entities {
        let key = entity.key();
        let id = local.get(&key).unwrap();
        assert_eq!(
            relation_set(&local.entity_json(id)),
            relation_set(&served[&key]),
            "greenroom's relations of {key} from the file"
        );
    }

    // Real cursor pages, 7 entities each.
    let client = Arc::new(Client::new(Options::default(), None, Log::Off));
    let backstage = Backstage::new(&peer.url, None, client).unwrap();
    let pages = std::sync::Mutex::new(0);
    let read = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(backstage.entities(7, &|_, _| *pages.lock().unwrap() += 1))
        .unwrap();
    assert_eq!(read.entities.len(), 51);
    assert_eq!(read.total, 51);
    assert_eq!(*pages.lock().unwrap(), 8);

    // As a user: BACKSTAGE_URL and `greenroom list`.
    let config_path = cache.path().join("config.toml");
    std::fs::write(&config_path, "").unwrap();
    let run = binary::execute(
        binary::command(cache.path(), &config_path)
            .env("BACKSTAGE_URL", &peer.url)
            .args(["list", "--format", "json"]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let listed: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        listed.iter().map(key).collect::<BTreeSet<_>>(),
        served.keys().cloned().collect::<BTreeSet<_>>()
    );
    assert!(get(&peer.url, "/api/catalog/entities/by-query?limit=1").is_ok());
}

#[test]
fn files_and_a_backend_merge_with_the_file_rules_and_each_entity_names_its_source() {
    let fake = FakeBackstage::start(entities(3), None);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog-info.yaml");
    let local = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: local-web\nspec:\n  type: website\n  lifecycle: production\n  owner: team-a\n  dependsOn: [component:svc-1]\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-0\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-a\n";
    std::fs::write(&file, local).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut config = config_for(&fake.url(), cache.path());
    config
        .catalog
        .sources
        .insert(0, SourceConfig::Path(dir.path().to_path_buf()));
    let source = CatalogSource::choose(&[], &[], false, &config);
    assert!(
        matches!(&source, CatalogSource::Several(specs) if specs.len() == 2),
        "{source:?}"
    );

    let (catalogs, _) = launch(&source, &config);
    let catalog = &catalogs[0].data.catalog;
    assert_eq!(
        catalog.len(),
        5,
        "local-web, svc-0 (once), svc-1, svc-2, team-a"
    );
    // The source listed first keeps a duplicate; both definitions are reported.
    let svc0 = catalog.get("component:default/svc-0").unwrap();
    assert_eq!(catalog.entity(svc0).lifecycle(), Some("experimental"));
    let duplicates: Vec<String> = catalog
        .problems
        .iter()
        .filter(|p| {
            p.message
                .starts_with("duplicate entity component:default/svc-0")
        })
        .map(|p| p.location.to_string())
        .collect();
    assert_eq!(duplicates.len(), 2, "{:?}", catalog.problems);
    assert!(
        duplicates.iter().any(|l| l.starts_with(&fake.url())),
        "{duplicates:?}"
    );
    // Relations cross sources, both ways.
    let web = catalog.get("component:default/local-web").unwrap();
    let relations = relation_set(&catalog.entity_json(web));
    assert!(relations.contains(&("ownedBy".into(), "group:default/team-a".into())));
    assert!(relations.contains(&("dependsOn".into(), "component:default/svc-1".into())));
    let team = catalog.get("group:default/team-a").unwrap();
    assert!(relation_set(&catalog.entity_json(team))
        .contains(&("ownerOf".into(), "component:default/local-web".into())));
    // Each entity knows its source, and its page says it.
    let backend_label = format!("backstage {}", fake.url());
    let svc1 = catalog.get("component:default/svc-1").unwrap();
    assert_eq!(catalog.origin(svc1), Some(backend_label.as_str()));
    assert_eq!(
        catalog.origin(web),
        Some(dir.path().display().to_string().as_str())
    );
    let page: Vec<String> = greenroom::tui::panes::entity::build(catalog, svc1)
        .iter()
        .map(|line| line.spans.iter().map(|(text, _)| text.as_str()).collect())
        .collect();
    assert!(
        page.iter()
            .any(|l| l.contains("from") && l.contains(&backend_label)),
        "{page:#?}"
    );

    // Nothing changed: the snapshot stays. A changed file: rebuilt.
    let (catalogs, statuses) = launch(&source, &config);
    assert_eq!(catalogs.len(), 1);
    assert_eq!(statuses, [LoaderStatus::Unchanged]);
    std::fs::write(
        &file,
        format!("{local}---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-b\nspec:\n  type: team\n  children: []\n"),
    )
    .unwrap();
    let (catalogs, statuses) = launch(&source, &config);
    assert_eq!(catalogs.len(), 2, "{statuses:?}");
    assert_eq!(catalogs[1].data.catalog.len(), 6);
}

#[test]
fn subcommands_use_the_snapshot_when_the_backend_cannot_be_reached() {
    let fake = FakeBackstage::start(entities(12), None);
    let url = fake.url();
    let cache = tempfile::tempdir().unwrap();
    let config = cache.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let list = || {
        binary::execute(
            binary::command(cache.path(), &config)
                .env("BACKSTAGE_URL", &url)
                .env("GREENROOM_HTTP_RETRIES", "0")
                .args(["list", "--format", "json"]),
        )
    };
    let online = list();
    assert_eq!(online.code, 0, "{}", online.stderr);
    drop(fake);
    let offline = list();
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert_eq!(offline.stdout, online.stdout, "the snapshot's entities");
    offline.assert_stderr_has_all(&["offline", &url]);
}
