//! API definitions at URLs for tests: tests/fixtures/apidef/bundled/ (or another fixture folder)
//! served on 127.0.0.1 under `/apis/` (anything else 404), and a catalog of one API entity whose definition names a URL.

use super::http_server::{Reply, TestServer};
use std::path::Path;

/// Serves the bundled fixtures: `/apis/shelf-openapi.yaml`, `/apis/schemas/common.yaml`, ...
pub fn fixture_server() -> TestServer {
    folder_server("apidef/bundled")
}

/// Serves `tests/fixtures/<folder>/` under `/apis/`.
pub fn folder_server(folder: &str) -> TestServer {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder);
    TestServer::start(move |request| {
        let file = request
            .path()
            .strip_prefix("/apis/")
            .filter(|p| !p.contains(".."))
            .map(|p| root.join(p));
        match file.and_then(|f| std::fs::read_to_string(f).ok()) {
            Some(text) => Reply::text(200, &text),
            None => Reply::status(404),
        }
    })
}

/// Writes a catalog of one API entity (`api:remote-api`, type openapi) whose definition is
/// `{placeholder: url}` into `dir`.
pub fn write_catalog(dir: &Path, placeholder: &str, url: &str) {
    let entity = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: remote-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    {placeholder}: {url}\n"
    );
    std::fs::write(dir.join("catalog-info.yaml"), entity).unwrap();
}

/// The `[reading]` section that allows the server's `/apis/`.
pub fn allow(server: &TestServer) -> String {
    format!(
        "[reading]\nallow = [{{ host = \"{}\", paths = [\"/apis/\"] }}]\n",
        server.addr()
    )
}
