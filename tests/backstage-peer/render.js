// Renders templates with Backstage's own template engine for tests/template_engine_peer.rs:
// nunjitsu as the Scaffolder (plugin-scaffolder-backend) configures it, with Backstage's default
// filters (parseRepoUrl, parseEntityRef, pick, projectSlug) and the globals `always`/`failure`.
// Reads JSON lines {id, mode: "render"|"value", source, context, options} on stdin and answers
// JSON lines {id, ok, output | value | error}; one process answers the whole batch.
// options: {cookiecutterCompat, trimBlocks, lstripBlocks} (fetch:template's inputs).
const path = require('path');
const readline = require('readline');
const { createTemplateRenderer } = require('nunjitsu');
const { ConfigReader } = require('@backstage/config');
const { ScmIntegrations } = require('@backstage/integration');

const backendDist = path.join(
  path.dirname(require.resolve('@backstage/plugin-scaffolder-backend/package.json')),
  'dist',
);
const { createDefaultFilters } = require(
  path.join(backendDist, 'lib/templating/filters/createDefaultFilters.cjs.js'),
);
const { collectTemplateCapabilities, convertFiltersToRecord } = require(
  path.join(backendDist, 'util/templating.cjs.js'),
);

const integrations = ScmIntegrations.fromConfig(
  new ConfigReader({ integrations: { github: [{ host: 'github.com' }] } }),
);
// As NunjucksWorkflowRunner builds its capabilities.
const filters = collectTemplateCapabilities({
  filters: convertFiltersToRecord(createDefaultFilters({ integrations })),
}).filters;
const globals = { always: () => true, failure: () => false };

const renderers = new Map();
function renderer(options = {}) {
  const key = JSON.stringify([
    !!options.cookiecutterCompat, !!options.trimBlocks, !!options.lstripBlocks,
  ]);
  if (!renderers.has(key)) {
    renderers.set(key, createTemplateRenderer({
      allowRegexExecution: true,
      filters,
      globals,
      cookiecutterCompat: !!options.cookiecutterCompat,
      trimBlocks: !!options.trimBlocks,
      lstripBlocks: !!options.lstripBlocks,
    }));
  }
  return renderers.get(key);
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', line => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  let answer;
  try {
    const engine = renderer(request.options);
    if (request.mode === 'value') {
      const value = engine.renderValue(request.source, request.context ?? {}, { coercion: 'json' });
      // `undefined` (absent) does not survive JSON: say so explicitly.
      answer = value === undefined
        ? { id: request.id, ok: true, absent: true }
        : { id: request.id, ok: true, value };
    } else {
      answer = { id: request.id, ok: true, output: engine.render(request.source, request.context ?? {}) };
    }
  } catch (error) {
    answer = { id: request.id, ok: false, error: String(error && error.message || error) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
