// The peer for tests/backstage.rs, tests/backstage_placeholders.rs and tests/scaffolder_peer.rs:
// Backstage's own backend with the catalog plugin (and the scaffolder entity model, for the
// Template kind; the openapi module, for $openapi and $asyncapi placeholders), configured by
// app-config.yaml beside this file. With GREENROOM_PEER_SCAFFOLDER=1 it also runs the Scaffolder
// (and its GitHub module, for publish:github and github:* in dry-runs), whose
// POST /api/scaffolder/v2/dry-run renders templates with Backstage's own code.
// Run: GREENROOM_PEER_PORT=7007 GREENROOM_PEER_CATALOG=/abs/catalog.yaml node backend.js
const path = require('path');
const { createBackend } = require('@backstage/backend-defaults');

process.argv.push('--config', path.join(__dirname, 'app-config.yaml'));
if (process.env.GREENROOM_PEER_SCAFFOLDER === '1') {
  process.argv.push('--config', path.join(__dirname, 'app-config.scaffolder.yaml'));
}
const backend = createBackend();
backend.add(require('@backstage/plugin-catalog-backend'));
backend.add(require('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(require('@backstage/plugin-catalog-backend-module-openapi'));
if (process.env.GREENROOM_PEER_SCAFFOLDER === '1') {
  backend.add(require('@backstage/plugin-scaffolder-backend'));
  backend.add(require('@backstage/plugin-scaffolder-backend-module-github'));
}
// A port in use or a bad config must end the process, not leave it running without a server.
process.on('unhandledRejection', err => {
  console.error(err);
  process.exit(1);
});
backend.start().catch(err => {
  console.error(err);
  process.exit(1);
});
