//! The API definition reader on our own fixtures (tests/fixtures/apidef/): each format's
//! operations and the detail the view shows, and broken definitions failing at their line.

use greenroom::apidef::{parse, Definition, Format, Node, Operation};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/apidef/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(spec_type: &str, name: &str) -> Definition {
    parse(spec_type, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn op<'a>(def: &'a Definition, id: &str) -> &'a Operation {
    def.operations
        .iter()
        .chain(&def.webhooks)
        .find(|o| o.operation_id.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no operation {id}"))
}

/// The definition's operations as method, path and whether deprecated, in order.
fn listed(def: &Definition) -> Vec<(&str, &str, bool)> {
    def.operations
        .iter()
        .map(|o| (o.method.as_str(), o.path.as_str(), o.deprecated))
        .collect()
}

fn section<'a>(op: &'a Operation, title: &str) -> &'a [Node] {
    &op.detail
        .iter()
        .find(|s| s.title == title)
        .unwrap_or_else(|| panic!("{}: no section {title}", op.path))
        .nodes
}

/// A section of the whole definition (servers, security schemes, types).
fn def_section<'a>(def: &'a Definition, title: &str) -> &'a [Node] {
    &def.sections
        .iter()
        .find(|s| s.title == title)
        .unwrap_or_else(|| panic!("no section {title}"))
        .nodes
}

fn child<'a>(node: &'a Node, name: &str) -> &'a Node {
    node.children
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{}: no child {name}", node.name))
}

#[test]
fn swagger_2_operations_parameters_bodies_and_responses() {
    let def = read("openapi", "kennel-swagger2.yaml");
    assert_eq!(def.format, Format::OpenApi);
    assert_eq!(def.title.as_deref(), Some("Kennel API"));
    let listed = listed(&def);
    assert_eq!(
        listed,
        [
            ("GET", "/dogs", false),
            ("POST", "/dogs", false),
            ("PUT", "/dogs/{dogId}/photo", true)
        ]
    );
    let list = op(&def, "listDogs");
    assert_eq!(list.tags, ["dogs"]);
    let query = section(list, "Query parameters");
    assert_eq!(query[0].values, ["beagle", "collie", "pug"]);
    // A `$ref` to #/parameters is followed.
    assert_eq!(
        (query[1].name.as_str(), query[1].ty.as_str()),
        ("limit", "integer")
    );
    let ok = &section(list, "Responses")[0];
    assert_eq!(ok.name, "200");
    let body = child(ok, "application/json");
    assert_eq!(body.ty, "Dog[]");
    // allOf merges NewDog's properties with Dog's own.
    let names: Vec<_> = body.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["name", "breed", "id"]);
    assert_eq!(child(body, "name").example.as_deref(), Some("Rex"));
    assert_eq!(child(ok, "header X-Total").ty, "integer");

    let add = &section(op(&def, "addDog"), "Request body")[0];
    assert_eq!(
        (add.name.as_str(), add.ty.as_str(), add.required),
        ("application/json", "NewDog", true)
    );
    assert!(child(add, "name").required && !child(add, "breed").required);

    let upload = op(&def, "uploadPhoto");
    assert_eq!(section(upload, "Path parameters")[0].name, "dogId");
    assert_eq!(section(upload, "Form data")[0].ty, "file");
    assert_eq!(section(upload, "Security")[0].name, "apiKey");

    let servers = def_section(&def, "Servers");
    assert_eq!(servers[0].name, "https://kennel.example.com/v1");
    let schemes = def_section(&def, "Security schemes");
    assert_eq!(schemes[0].ty, "apiKey in header X-Kennel-Key");
}

#[test]
fn openapi_3_1_webhooks_nullable_types_and_a_ref_cycle() {
    let def = read("openapi", "ledger-openapi31.yaml");
    assert_eq!(def.version.as_deref(), Some("2.1"));
    assert_eq!(def.operations.len(), 3);
    let hook = op(&def, "entryPostedHook");
    assert_eq!(
        (hook.method.as_str(), hook.path.as_str()),
        ("POST", "entryPosted")
    );
    assert!(def.operations.iter().all(|o| o.path != "entryPosted"));

    let get = op(&def, "getAccount");
    assert_eq!(section(get, "Path parameters")[0].name, "accountId");
    assert_eq!(section(get, "Header parameters")[0].name, "X-Request-Id");
    assert_eq!(section(get, "Cookie parameters")[0].name, "session");
    let account = child(&section(get, "Responses")[0], "application/json");
    assert_eq!(account.ty, "Account");
    assert_eq!(child(account, "id").example.as_deref(), Some("acc_42"));
    assert_eq!(child(account, "owner").ty, "string | null");
    // Account.parent is Account again: shown once, marked, with its own description.
    let parent = child(account, "parent");
    assert!(parent.cycle && parent.children.is_empty());
    assert_eq!(
        parent.description.as_deref(),
        Some("The account this one rolls up into")
    );
    // Account → entries → Entry → account: the cycle closes one level further down.
    let entries = child(account, "entries");
    assert_eq!(entries.ty, "Entry[]");
    assert!(child(entries, "account").cycle);
    assert_eq!(child(entries, "kind").values, ["debit", "credit"]);

    let close = op(&def, "closeAccount");
    assert!(close.deprecated);
    // No summary: the description's first line stands in, the description stays whole.
    assert_eq!(close.summary.as_deref(), Some("Closes the account."));
    assert_eq!(
        close.description.as_deref(),
        Some("Closes the account.\nIts entries stay readable.")
    );
    assert_eq!(section(close, "Security")[0].values, ["ledger:write"]);
    let body = &section(op(&def, "postEntry"), "Request body")[0];
    assert!(body.required && body.ty == "Entry");
    let schemes = def_section(&def, "Security schemes");
    assert_eq!(schemes[0].ty, "http bearer (JWT)");
}

#[test]
fn asyncapi_2_channels_with_publish_subscribe_and_message_choices() {
    let def = read("asyncapi", "parcels-asyncapi26.yaml");
    assert_eq!(def.format, Format::AsyncApi);
    let scanned = op(&def, "onParcelScanned");
    assert_eq!(
        (scanned.method.as_str(), scanned.path.as_str()),
        ("SUBSCRIBE", "parcels/{parcelId}/scanned")
    );
    assert_eq!(scanned.tags, ["tracking"]);
    assert_eq!(section(scanned, "Channel parameters")[0].name, "parcelId");
    let message = &section(scanned, "Messages")[0];
    assert_eq!(
        (message.name.as_str(), message.ty.as_str()),
        ("Scanned", "application/json")
    );
    assert_eq!(child(child(message, "headers"), "traceId").ty, "string");
    let payload = child(message, "payload");
    assert!(child(payload, "at").required);
    assert_eq!(child(payload, "at").ty, "string(date-time)");

    let command = op(&def, "sendCommand");
    assert_eq!(command.method, "PUBLISH");
    let names: Vec<_> = section(command, "Messages")
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["Hold", "Release"]);
    assert_eq!(def.sections[0].nodes[0].ty, "mqtts mqtt.example.com:8883");
}

#[test]
fn asyncapi_3_operations_point_at_channels_and_their_messages() {
    let def = read("asyncapi", "rides-asyncapi30.yaml");
    let follow = op(&def, "receiveRideUpdate");
    assert_eq!(
        (follow.method.as_str(), follow.path.as_str()),
        ("RECEIVE", "rides.{rideId}.updated")
    );
    assert_eq!(section(follow, "Channel parameters")[0].name, "rideId");
    let message = &section(follow, "Messages")[0];
    assert_eq!(message.name, "RideUpdated");
    assert_eq!(
        child(child(message, "payload"), "status").values,
        ["assigned", "arriving", "riding", "done"]
    );
    // No `messages` on the operation: all of its channel's.
    let request = op(&def, "requestRide");
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("SEND", "rides.requests")
    );
    assert_eq!(section(request, "Messages")[0].name, "RideRequested");
    assert_eq!(def.sections[0].nodes[0].ty, "kafka kafka.example.com:9092");
}

#[test]
fn graphql_root_fields_then_types_interfaces_and_unions() {
    let def = read("graphql", "library.graphql");
    let listed: Vec<_> = def
        .operations
        .iter()
        .map(|o| (o.method.as_str(), o.path.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("QUERY", "search"),
            ("QUERY", "book"),
            ("QUERY", "oldest"),
            ("QUERY", "authors"),
            ("MUTATION", "borrow"),
            ("SUBSCRIPTION", "availabilityChanged")
        ]
    );
    let search = &def.operations[0];
    assert_eq!(
        search.summary.as_deref(),
        Some("Finds books, authors and magazines.")
    );
    let args = section(search, "Arguments");
    assert_eq!(
        (args[0].name.as_str(), args[0].ty.as_str(), args[0].required),
        ("text", "String!", true)
    );
    assert_eq!(args[1].example.as_deref(), Some("default 10"));
    let returns = &section(search, "Returns")[0];
    assert_eq!(returns.ty, "[SearchResult!]!");
    let members: Vec<_> = returns.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(members, ["Book", "Author", "Magazine"]);
    // Author.books → Book.author → Author: marked, not unfolded again.
    let author = child(child(&returns.children[1], "books"), "author");
    assert!(author.cycle, "{author:?}");
    assert!(def.operations[2].deprecated);
    assert_eq!(
        section(&def.operations[5], "Returns")[0].values,
        ["ON_SHELF", "BORROWED", "LOST"]
    );

    let titled: Vec<_> = def.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titled,
        [
            "Types",
            "Interfaces",
            "Unions",
            "Enums",
            "Input types",
            "Scalars"
        ]
    );
    let book = &def.sections[0].nodes[0];
    assert_eq!(
        (book.name.as_str(), book.ty.as_str()),
        ("Book", "type implements Node & Item")
    );
    assert!(child(book, "isbn").deprecated);
    assert_eq!(
        child(book, "author").description.as_deref(),
        Some("Who wrote it.")
    );
    assert_eq!(
        def.sections[2].nodes[0].values,
        ["Book", "Author", "Magazine"]
    );
    assert_eq!(
        def.sections[1].nodes[1].description.as_deref(),
        Some("Something that can be borrowed.")
    );
}

#[test]
fn grpc_services_rpcs_streaming_messages_and_enums() {
    let def = read("grpc", "tracking.proto");
    assert_eq!(def.title.as_deref(), Some("fleet.tracking.v1"));
    let listed = listed(&def);
    assert_eq!(
        listed,
        [
            ("UNARY", "/fleet.tracking.v1.Tracking/GetPosition", false),
            (
                "SERVER-STREAM",
                "/fleet.tracking.v1.Tracking/WatchPositions",
                false
            ),
            (
                "CLIENT-STREAM",
                "/fleet.tracking.v1.Tracking/UploadTrack",
                false
            ),
            ("BIDI-STREAM", "/fleet.tracking.v1.Tracking/Chat", true)
        ]
    );
    let get = &def.operations[0];
    assert_eq!(get.tags, ["fleet.tracking.v1.Tracking"]);
    assert_eq!(
        get.summary.as_deref(),
        Some("The last known position of one van.")
    );
    let response = &section(get, "Response")[0];
    assert_eq!(response.ty, "Position");
    assert_eq!(child(response, "labels").ty, "map<string, string> = 5");
    // A comment after a field is that field's, not the next one's.
    assert_eq!(
        child(response, "lat").description.as_deref(),
        Some("degrees north")
    );
    assert_eq!(child(response, "lng").description, None);
    assert_eq!(child(child(response, "source"), "cell").ty, "string = 7");
    assert_eq!(
        section(&def.operations[1], "Response")[0].ty,
        "stream Position"
    );
    assert_eq!(
        section(&def.operations[2], "Response")[0].ty,
        "google.protobuf.Empty"
    );

    let messages = def_section(&def, "Messages");
    assert!(messages.iter().any(|m| m.name == "Position.Accuracy"));
    let watch = messages.iter().find(|m| m.name == "WatchRequest").unwrap();
    assert!(child(watch, "fleet").deprecated);
    assert_eq!(child(watch, "van_ids").ty, "repeated string = 1");
    let enums = def_section(&def, "Enums");
    assert_eq!(enums[0].values[1], "FLEET_CITY = 1");
}

#[test]
fn broken_definitions_fail_at_their_line() {
    for (spec_type, name, line) in [
        ("openapi", "broken-openapi.yaml", 9),
        ("asyncapi", "broken-asyncapi.json", 4),
        ("graphql", "broken.graphql", 7),
        ("grpc", "broken.proto", 4),
        ("openapi", "not-openapi.yaml", 1),
    ] {
        let err = parse(spec_type, &fixture(name)).expect_err(name);
        assert_eq!(err.line, line, "{name}: {err}");
    }
}

#[test]
fn truncated_definitions_never_panic() {
    // Every prefix of every fixture: an error or a model, never a panic.
    for (spec_type, name) in [
        ("openapi", "ledger-openapi31.yaml"),
        ("asyncapi", "rides-asyncapi30.yaml"),
        ("graphql", "library.graphql"),
        ("grpc", "tracking.proto"),
    ] {
        let text = fixture(name);
        for (cut, _) in text.char_indices().step_by(7) {
            let _ = parse(spec_type, &text[..cut]);
        }
    }
}

#[test]
fn an_outline_is_the_full_reading_without_detail() {
    for (spec_type, name) in [
        ("openapi", "kennel-swagger2.yaml"),
        ("openapi", "ledger-openapi31.yaml"),
        ("asyncapi", "parcels-asyncapi26.yaml"),
        ("asyncapi", "rides-asyncapi30.yaml"),
        ("graphql", "library.graphql"),
        ("grpc", "tracking.proto"),
    ] {
        let text = fixture(name);
        let mut full = parse(spec_type, &text).unwrap();
        let outline = greenroom::apidef::outline(spec_type, &text).unwrap();
        assert!(
            full.operations.iter().all(|o| !o.detail.is_empty()),
            "{name}"
        );
        for op in full.operations.iter_mut().chain(&mut full.webhooks) {
            op.detail.clear();
        }
        assert_eq!(outline, full, "{name}");
    }
}
