use super::*;
use crate::scaffolder::Template;
use serde_json::{json, Value};

fn template(parameters: &str) -> Template {
    let yaml = format!(
        "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  owner: team\n  type: service\n  parameters:\n{}\n  steps: []\n",
        parameters
            .lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    Template::from_yaml(&yaml, None).unwrap()
}

fn page(yaml: &str) -> Value {
    serde_yaml::from_str(yaml).unwrap()
}

fn paths(fields: &[Field]) -> Vec<&str> {
    fields.iter().map(|f| f.path.as_str()).collect()
}

fn error_of(t: &Template, values: Value, path: &str) -> Option<String> {
    validate(t, &values)
        .into_iter()
        .find(|e| e.path == path)
        .map(|e| e.message)
}

const POSTGRES: &str = "- title: Database Configuration
  required: [name, environment, size]
  properties:
    name:
      type: string
      pattern: '^[a-z][a-z0-9-]*[a-z0-9]$'
      minLength: 3
      maxLength: 40
    environment:
      type: string
      enum: [dev, staging, production]
    size:
      type: string
      enum: [small, medium, large]
      enumNames: [Small (10GB), Medium (100GB), Large (1TB)]";

#[test]
fn every_bad_field_is_named_with_what_is_wrong() {
    let t = template(POSTGRES);
    let errors = validate(&t, &json!({"name": "Bad_Name", "environment": "prod"}));
    assert_eq!(
        errors,
        vec![
            FieldError {
                path: "name".into(),
                message: "must match pattern \"^[a-z][a-z0-9-]*[a-z0-9]$\"".into()
            },
            FieldError {
                path: "environment".into(),
                message: "must be one of: dev, staging, production".into()
            },
            FieldError {
                path: "size".into(),
                message: "is required".into()
            },
        ]
    );
    assert!(validate(
        &t,
        &json!({"name": "orders", "environment": "dev", "size": "small"})
    )
    .is_empty());
}

#[test]
fn string_lengths_count_characters_and_an_empty_text_is_no_value() {
    let t = template(POSTGRES);
    let v = |name: &str| json!({"name": name, "environment": "dev", "size": "small"});
    assert_eq!(
        error_of(&t, v("ab"), "name").as_deref(),
        Some("must have at least 3 characters")
    );
    assert_eq!(
        error_of(&t, v(&"a".repeat(41)), "name").as_deref(),
        Some("must have at most 40 characters")
    );
    assert_eq!(error_of(&t, v(""), "name").as_deref(), Some("is required"));
    assert_eq!(
        error_of(&t, v("ééé"), "name").map(|m| m.contains("pattern")),
        Some(true)
    );
}

#[test]
fn enum_names_label_the_choices() {
    let t = template(POSTGRES);
    let fields = page_fields(&t.parameters[0], &json!({}));
    let Widget::Select { choices, radio } = &fields[2].widget else {
        panic!("{:?}", fields[2].widget)
    };
    assert!(!radio);
    assert_eq!(choices[1].value, json!("medium"));
    assert_eq!(choices[1].label, "Medium (100GB)");
    assert_eq!(display(&fields[2], Some(&json!("large"))), "Large (1TB)");
    assert!(fields.iter().all(|f| f.required));
}

#[test]
fn numbers_integers_minimum_maximum_and_typed_text() {
    let p = page(
        "properties:
  port: {type: integer, minimum: 1024, maximum: 65535, default: 3000}
  ratio: {type: number, exclusiveMaximum: 1}",
    );
    let fields = page_fields(&p, &json!({}));
    assert_eq!(fields[0].widget, Widget::Number { integer: true });
    let port = &fields[0];
    assert_eq!(parse_input(port, "80"), Some(json!(80)));
    assert_eq!(
        field_error(port, Some(&json!(80))).as_deref(),
        Some("must be >= 1024")
    );
    assert_eq!(
        field_error(port, Some(&json!(70000))).as_deref(),
        Some("must be <= 65535")
    );
    assert_eq!(
        field_error(port, parse_input(port, "12ab").as_ref()).as_deref(),
        Some("must be an integer")
    );
    assert_eq!(
        field_error(port, Some(&json!(2000.5))).as_deref(),
        Some("must be an integer")
    );
    assert_eq!(
        field_error(&fields[1], Some(&json!(1))).as_deref(),
        Some("must be < 1")
    );
    let mut values = json!({});
    apply_defaults(&p, &mut values);
    assert_eq!(values, json!({"port": 3000}));
}

#[test]
fn booleans_and_const() {
    let p = page(
        "properties:
  otel: {type: boolean, default: true}
  agree: {type: boolean, const: true, title: I agree}",
    );
    let fields = page_fields(&p, &json!({}));
    assert_eq!(fields[0].widget, Widget::Boolean);
    assert_eq!(
        field_error(&fields[0], Some(&json!("yes"))).as_deref(),
        Some("must be true or false")
    );
    assert_eq!(
        field_error(&fields[1], Some(&json!(false))).as_deref(),
        Some("must be true")
    );
    assert_eq!(field_error(&fields[1], Some(&json!(true))), None);
    assert_eq!(display(&fields[0], Some(&json!(true))), "yes");
}

#[test]
fn arrays_of_enums_are_multi_selects_and_free_arrays_lists() {
    let p = page(
        "properties:
  regions:
    type: array
    minItems: 1
    uniqueItems: true
    items: {type: string, enum: [eu, us, ap], enumNames: [Europe, Americas, Asia]}
    ui:widget: checkboxes
  aliases:
    type: array
    items: {type: string, pattern: '^[a-z]+$'}
  matrix:
    type: array
    items: {type: object}",
    );
    let fields = page_fields(&p, &json!({}));
    let Widget::MultiSelect { choices } = &fields[0].widget else {
        panic!("{:?}", fields[0].widget)
    };
    assert_eq!(choices.len(), 3);
    assert_eq!(
        display(&fields[0], Some(&json!(["eu", "ap"]))),
        "Europe, Asia"
    );
    assert_eq!(
        field_error(&fields[0], Some(&json!([]))).as_deref(),
        Some("must have at least 1 item")
    );
    assert_eq!(
        field_error(&fields[0], Some(&json!(["eu", "mars"]))).as_deref(),
        Some("item 2: must be one of: eu, us, ap")
    );
    assert_eq!(
        field_error(&fields[0], Some(&json!(["eu", "eu"]))).as_deref(),
        Some("must not have duplicate items")
    );
    assert_eq!(fields[1].widget, Widget::List { tags: false });
    let typed = parse_input(&fields[1], "a, b ,, C");
    assert_eq!(typed, Some(json!(["a", "b", "C"])));
    assert_eq!(input_text(&fields[1], typed.as_ref()), "a, b, C");
    assert_eq!(
        field_error(&fields[1], typed.as_ref()).as_deref(),
        Some("item 3: must match pattern \"^[a-z]+$\"")
    );
    assert_eq!(fields[2].widget, Widget::Json);
    assert_eq!(
        parse_input(&fields[2], "[{\"a\":1}]"),
        Some(json!([{"a": 1}]))
    );
}

#[test]
fn nested_objects_are_flattened_with_dotted_paths() {
    let t = template(
        "- title: Nested
  properties:
    database:
      type: object
      required: [size]
      properties:
        size: {type: string, enum: [s, m]}
        replicas: {type: integer, minimum: 1}",
    );
    let fields = page_fields(&t.parameters[0], &json!({}));
    assert_eq!(paths(&fields), ["database.size", "database.replicas"]);
    assert!(fields[0].required && !fields[1].required);
    assert_eq!(
        validate(&t, &json!({"database": {"replicas": 0}})),
        vec![
            FieldError {
                path: "database.size".into(),
                message: "is required".into()
            },
            FieldError {
                path: "database.replicas".into(),
                message: "must be >= 1".into()
            },
        ]
    );
    let mut values = json!({});
    set_path(&mut values, "database.size", Some(json!("m")));
    assert_eq!(values, json!({"database": {"size": "m"}}));
    set_path(&mut values, "database.size", None);
    assert_eq!(values, json!({"database": {}}));
}

/// rjsf's dependencies: the `oneOf` branch whose condition matches the current value adds its
/// fields (and required names); other values show other fields; no value shows none.
#[test]
fn dependencies_one_of_show_fields_as_the_value_changes() {
    let t = template(
        "- title: Storage
  required: [kind]
  properties:
    kind: {type: string, enum: [bucket, database], default: bucket}
  dependencies:
    kind:
      oneOf:
        - properties:
            kind: {enum: [bucket]}
            versioning: {type: boolean, default: false}
        - properties:
            kind: {enum: [database]}
            engine: {type: string, enum: [postgres, mysql]}
            tier: {type: string}
          required: [engine]
          dependencies:
            engine:
              oneOf:
                - properties:
                    engine: {const: postgres}
                    extensions: {type: string}",
    );
    let p = &t.parameters[0];
    assert_eq!(paths(&page_fields(p, &json!({}))), ["kind"]);
    assert_eq!(
        paths(&page_fields(p, &json!({"kind": "bucket"}))),
        ["kind", "versioning"]
    );
    let db = page_fields(p, &json!({"kind": "database"}));
    assert_eq!(paths(&db), ["kind", "engine", "tier"]);
    assert!(db[1].required, "the branch's required applies");
    // The condition field keeps its own choices (the branch's enum is only the condition).
    assert!(matches!(&db[0].widget, Widget::Select { choices, .. } if choices.len() == 2));
    assert_eq!(
        paths(&page_fields(
            p,
            &json!({"kind": "database", "engine": "postgres"})
        )),
        ["kind", "engine", "tier", "extensions"]
    );
    assert_eq!(
        error_of(&t, json!({"kind": "database"}), "engine").as_deref(),
        Some("is required")
    );
    assert!(validate(&t, &json!({"kind": "bucket"})).is_empty());
    let mut values = json!({});
    apply_defaults(p, &mut values);
    assert_eq!(values, json!({"kind": "bucket", "versioning": false}));
    // Switched to a database: the bucket's field is gone from the values too.
    values["kind"] = json!("database");
    assert_eq!(omit_hidden(&t, &values), json!({"kind": "database"}));
}

#[test]
fn property_and_schema_dependencies() {
    let p = page(
        "properties:
  credit_card: {type: string}
  billing_address: {type: string}
dependencies:
  credit_card: [billing_address]
  billing_address:
    properties:
      zip: {type: string}",
    );
    let f = page_fields(&p, &json!({}));
    assert_eq!(paths(&f), ["credit_card", "billing_address"]);
    assert!(!f[1].required);
    let f = page_fields(&p, &json!({"credit_card": "1", "billing_address": "x"}));
    assert_eq!(paths(&f), ["credit_card", "billing_address", "zip"]);
    assert!(f[1].required);
}

#[test]
fn ui_options_help_placeholder_autofocus_readonly_widgets_and_order() {
    let p = page(
        "ui:order: [notes, '*', name]
properties:
  name:
    type: string
    ui:help: lower case
    ui:placeholder: my-service
    ui:autofocus: true
  mode: {type: string, enum: [a, b], ui:widget: radio}
  fixed: {type: string, default: x, ui:readonly: true}
  notes: {type: string, ui:widget: textarea}",
    );
    let f = page_fields(&p, &json!({}));
    assert_eq!(paths(&f), ["notes", "mode", "fixed", "name"]);
    assert_eq!(f[0].widget, Widget::TextArea);
    assert!(matches!(f[1].widget, Widget::Select { radio: true, .. }));
    assert!(f[2].readonly);
    assert_eq!(f[3].help.as_deref(), Some("lower case"));
    assert_eq!(f[3].placeholder.as_deref(), Some("my-service"));
    assert!(f[3].autofocus && !f[0].autofocus);
}

#[test]
fn one_of_consts_with_titles_are_a_select() {
    let p = page(
        "properties:
  size:
    type: string
    oneOf:
      - {const: s, title: Small}
      - {const: l, title: Large}",
    );
    let f = page_fields(&p, &json!({}));
    let Widget::Select { choices, .. } = &f[0].widget else {
        panic!()
    };
    assert_eq!(choices[1].label, "Large");
    assert_eq!(
        field_error(&f[0], Some(&json!("m"))).as_deref(),
        Some("must be one of: s, l")
    );
}

#[test]
fn secrets_are_split_out_of_the_parameters_and_masked() {
    let t = template(
        "- title: Access
  required: [token]
  properties:
    token: {type: string, ui:field: Secret}
    password: {type: string, ui:widget: password}
    user: {type: string}
    hidden: {type: string, ui:backstage: {review: {show: false}}}
    masked: {type: string, ui:backstage: {review: {mask: '<hidden>'}}}
  dependencies:
    user:
      properties:
        apiKey: {type: string, ui:field: Secret}",
    );
    assert_eq!(secret_fields(&t), ["token", "password", "apiKey"]);
    let values = json!({"token": "s3cr3t", "password": "hunter2", "user": "me", "apiKey": "k"});
    let (parameters, secrets) = split_secrets(&t, &values);
    assert_eq!(parameters, json!({"user": "me"}));
    assert_eq!(secrets.get("token"), Some(&json!("s3cr3t")));
    assert_eq!(secrets.get("apiKey"), Some(&json!("k")));
    let f = page_fields(&t.parameters[0], &values);
    assert_eq!(f[0].widget, Widget::Password);
    assert_eq!(display(&f[0], Some(&json!("s3cr3t"))), MASK);
    assert_eq!(display(&f[1], Some(&json!("hunter2"))), MASK);
    assert_eq!(f[3].review, Review::Hide);
    assert_eq!(display(&f[4], Some(&json!("v"))), "<hidden>");
    // A missing secret is named like any field, its value never.
    let errors = validate(&t, &json!({"token": ""}));
    assert_eq!(errors[0].to_string(), "token: is required");
}

#[test]
fn entity_name_picker_uses_backstages_name_rule() {
    let p = page("properties:\n  name: {type: string, ui:field: EntityNamePicker}");
    let f = &page_fields(&p, &json!({}))[0];
    assert_eq!(f.widget, Widget::Text { entity_name: true });
    for good in ["a", "my-service", "A.b_c-9", &"x".repeat(63)] {
        assert_eq!(field_error(f, Some(&json!(good))), None, "{good}");
    }
    for bad in ["-a", "a-", "a b", "ä", &"x".repeat(64)] {
        assert!(field_error(f, Some(&json!(bad))).is_some(), "{bad}");
    }
}

#[test]
fn entity_tags_picker_checks_each_tag() {
    let p = page(
        "properties:\n  tags: {type: array, items: {type: string}, ui:field: EntityTagsPicker}",
    );
    let f = &page_fields(&p, &json!({}))[0];
    assert_eq!(f.widget, Widget::List { tags: true });
    assert_eq!(field_error(f, parse_input(f, "java, c++").as_ref()), None);
    assert!(field_error(f, parse_input(f, "Java").as_ref())
        .unwrap()
        .contains("tag \"Java\""));
}

#[test]
fn repo_url_picker_writes_host_query_and_checks_allowed_hosts_and_owners() {
    let p = page(
        "properties:
  repoUrl:
    type: string
    ui:field: RepoUrlPicker
    ui:options: {allowedHosts: [github.com], allowedOwners: [myorg]}",
    );
    let f = &page_fields(&p, &json!({}))[0];
    let url = RepoUrl {
        host: "github.com".into(),
        owner: "myorg".into(),
        repo: "new service".into(),
    };
    assert_eq!(url.to_value(), "github.com?owner=myorg&repo=new+service");
    assert_eq!(RepoUrl::parse(&url.to_value()), url);
    assert_eq!(
        RepoUrl::parse("github.com?repo=infra&owner=myorg").owner,
        "myorg"
    );
    assert_eq!(field_error(f, Some(&json!(url.to_value()))), None);
    assert_eq!(
        field_error(f, Some(&json!("github.com?owner=other&repo=x"))).as_deref(),
        Some("owner \"other\" is not allowed (allowed: myorg)")
    );
    assert_eq!(
        field_error(f, Some(&json!("gitlab.com?owner=myorg&repo=x"))).as_deref(),
        Some("host \"gitlab.com\" is not allowed (allowed: github.com)")
    );
    assert_eq!(
        field_error(f, Some(&json!("github.com?owner=myorg"))).as_deref(),
        Some("incomplete repository location provided, repo not provided")
    );
}

#[test]
fn pickers_filter_by_kind_and_catalog_filter() {
    let catalog = crate::catalog::load::load_paths(&["src/demo".into()]).catalog;
    let index = crate::search::entities::index(&catalog);
    let p = page(
        "properties:
  owner: {type: string, ui:field: OwnerPicker}
  system: {type: string, ui:field: EntityPicker, ui:options: {catalogFilter: {kind: System}}}
  dbs:
    type: array
    ui:field: MultiEntityPicker
    ui:options:
      catalogFilter: [{kind: Resource, spec.type: database}]
  apis: {type: string, ui:field: EntityPicker, ui:options: {allowedKinds: [API], defaultKind: API}}",
    );
    let f = page_fields(&p, &json!({}));
    let picker = |i: usize| match &f[i].widget {
        Widget::Entity(p) => p.clone(),
        other => panic!("{other:?}"),
    };
    let owner = picker(0);
    assert_eq!(owner.kinds, ["Group", "User"]);
    let offered = owner.candidates(&catalog, &index, "", 1000);
    assert!(!offered.is_empty());
    assert!(offered
        .iter()
        .all(|&id| ["Group", "User"].contains(&catalog.entity(id).kind.as_str())));
    let systems = picker(1).candidates(&catalog, &index, "", 1000);
    assert!(
        !systems.is_empty()
            && systems
                .iter()
                .all(|&id| catalog.entity(id).is_kind("System"))
    );
    let dbs = picker(2);
    assert!(dbs.multiple);
    let found = dbs.candidates(&catalog, &index, "orders", 10);
    assert_eq!(
        found.first().map(|&id| dbs.value_of(catalog.entity(id))),
        Some("resource:default/orders-db".to_string())
    );
    assert!(found
        .iter()
        .all(|&id| catalog.entity(id).spec_type() == Some("database")));
    assert!(
        picker(0).allow_arbitrary,
        "Backstage allows typed refs unless told otherwise"
    );
    // Tags and annotations (whose keys hold dots), `exists`, and several filters (any of them).
    let tagged = page(
        "properties:
  x:
    type: string
    ui:field: EntityPicker
    ui:options:
      catalogFilter:
        - {kind: Component, metadata.tags: postgres, metadata.annotations.github.com/project-slug: {exists: true}}
        - {kind: Group, metadata.name: platform-team}",
    );
    let Widget::Entity(tagged) = &page_fields(&tagged, &json!({}))[0].widget else {
        panic!()
    };
    let offered: Vec<String> = tagged
        .candidates(&catalog, &index, "", 1000)
        .iter()
        .map(|&id| catalog.entity(id).key())
        .collect();
    assert!(
        offered.contains(&"group:default/platform-team".to_string()),
        "{offered:?}"
    );
    assert!(
        offered.contains(&"component:default/order-service".to_string()),
        "{offered:?}"
    );
    for key in &offered {
        let e = catalog.entity(catalog.get(key).unwrap());
        assert!(
            e.is_kind("Group")
                || (e.tags().any(|t| t == "postgres")
                    && e.annotation("github.com/project-slug").is_some()),
            "{key}"
        );
    }
    let apis = picker(3);
    let id = apis.candidates(&catalog, &index, "order-api", 1)[0];
    assert_eq!(apis.value_of(catalog.entity(id)), "default/order-api");
    assert_eq!(
        field_error(&f[0], Some(&json!("group:default/platform-team"))),
        None
    );
    assert!(field_error(&f[0], Some(&json!("group:"))).is_some());
}

#[test]
fn a_pattern_the_engine_cannot_read_is_reported_not_ignored() {
    let p = page("properties:\n  x: {type: string, pattern: '(?<=a)b'}");
    let f = &page_fields(&p, &json!({}))[0];
    let message = field_error(f, Some(&json!("ab"))).unwrap();
    assert!(message.contains("cannot be checked"), "{message}");
}

#[test]
fn page_titles_default_like_backstages_stepper() {
    let t = template(POSTGRES);
    assert_eq!(page_title(&t.parameters[0], 0), "Database Configuration");
    assert_eq!(page_title(&json!({}), 1), "Step 2");
}
