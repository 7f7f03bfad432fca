'use strict';

const { shutdownTracing } = require('./tracing'); // keep first
const { createApp } = require('./app');

const port = Number(process.env.PORT || ${{ values.port }});
const server = createApp();

server.listen(port, () => {
  const { port: actual } = server.address();
  console.log(JSON.stringify({ level: 'info', msg: 'listening', port: actual }));
});

function shutdown(signal) {
  console.log(JSON.stringify({ level: 'info', msg: 'shutting down', signal }));
  // Stop accepting connections, let in-flight requests finish, flush traces.
  server.close(async (err) => {
    await shutdownTracing().catch(() => {});
    process.exit(err ? 1 : 0);
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(1), 10000).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
