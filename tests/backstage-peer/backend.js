// The peer for tests/backstage.rs: Backstage's own backend with the catalog plugin (and the
// scaffolder entity model, for the Template kind), configured by app-config.yaml beside this file.
// Run: GREENROOM_PEER_PORT=7007 GREENROOM_PEER_CATALOG=/abs/catalog.yaml node backend.js
const path = require('path');
const { createBackend } = require('@backstage/backend-defaults');

process.argv.push('--config', path.join(__dirname, 'app-config.yaml'));
const backend = createBackend();
backend.add(require('@backstage/plugin-catalog-backend'));
backend.add(require('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
// A port in use or a bad config must end the process, not leave it running without a server.
process.on('unhandledRejection', err => {
  console.error(err);
  process.exit(1);
});
backend.start().catch(err => {
  console.error(err);
  process.exit(1);
});
