'use strict';

// OpenTelemetry set-up. Loaded first by server.js so that auto-instrumentation can
// patch node:http before anything else requires it.
//
// Tracing is optional: if the template disabled it, if OTEL_SDK_DISABLED=true, or if
// the @opentelemetry packages are not installed, the service runs without it.

const enabledByTemplate = ${{ values.enableOtel }};

function log(msg) {
  console.log(JSON.stringify({ level: 'info', msg, component: 'tracing' }));
}

let sdk = null;

if (!enabledByTemplate || process.env.OTEL_SDK_DISABLED === 'true') {
  log('tracing is off (disabled by configuration)');
} else {
  try {
    const { NodeSDK } = require('@opentelemetry/sdk-node');
    const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');

    sdk = new NodeSDK({
      serviceName: process.env.OTEL_SERVICE_NAME || '${{ values.name }}',
      traceExporter: new OTLPTraceExporter(),
      instrumentations: [
        getNodeAutoInstrumentations({
          '@opentelemetry/instrumentation-fs': { enabled: false },
        }),
      ],
    });
    sdk.start();
    log('tracing is on');
  } catch (err) {
    sdk = null;
    if (err && err.code === 'MODULE_NOT_FOUND') {
      log('tracing is off: OpenTelemetry packages are not installed (run npm install)');
    } else {
      log('tracing is off: ' + (err && err.message));
    }
  }
}

async function shutdownTracing() {
  if (sdk) await sdk.shutdown();
}

module.exports = { shutdownTracing, tracingEnabled: () => sdk !== null };
