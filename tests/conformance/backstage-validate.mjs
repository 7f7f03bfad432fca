#!/usr/bin/env node
// Backstage's own validation, run as a peer for greenroom's `validate`.
//
//   node backstage-validate.mjs <folder>            # one JSON line per YAML document
//
// For every `*.yaml` file under <folder> (recursively, sorted by relative path, `node_modules` skipped)
// it parses every YAML document exactly as the catalog backend does, then runs each entity through the
// same steps, in the same order, as the catalog backend's processing of an entity read from a `file`
// location (see RULES.md for the details and the source of each step):
//
//   1. parseEntityYaml            (plugin-catalog-node processing/parse)        YAML errors, non-object roots
//   2. ProcessorOutputCollector   (plugin-catalog-backend)                      envelope schema, annotations shape
//   3. orchestrator pre-checks    (DefaultCatalogProcessingOrchestrator)        envelope schema again
//   4. preProcessEntity           PlaceholderProcessor ($text/$json/$yaml), BuiltinKinds (sorting),
//                                 AnnotateLocationEntityProcessor
//   5. policies                   SchemaValid, DefaultNamespace, NoForeignRootFields, FieldFormat
//   6. validate                   entitySchemaValidator, then validateEntityKind of BuiltinKindsEntityProcessor
//                                 (api, component, resource, group, location, user, system, domain) and of
//                                 ScaffolderEntitiesProcessor (Template v1beta3); no taker -> error
//   7. Location special step      static part only (allowed type, file targets ending in "/")
//   8. postProcessEntity          entity refs of relation fields parsed with parseEntityRef
//
// Processing of a document stops at its first error, as the backend's does (a thrown error ends it).
// The validation functions, schemas, policies and error classes are the real ones from the pinned npm
// packages; only the glue that lives in @backstage/plugin-catalog-backend (a large backend package with
// a database layer) is mirrored here, line for line, from plugin-catalog-backend 4.0.5 and
// plugin-catalog-backend-module-scaffolder-entity-model 0.2.26.
//
// Output line: {"file","doc","valid","error","stage","ref"} (+ "empty": true for an empty document,
// which the backend silently skips: it yields no entity and no error).

import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import yaml from 'yaml';
import lodash from 'lodash';
import { InputError, ConflictError, toError } from '@backstage/errors';
import {
  EntityPolicies,
  SchemaValidEntityPolicy,
  DefaultNamespaceEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  FieldFormatEntityPolicy,
  makeValidator,
  entityEnvelopeSchemaValidator,
  entitySchemaValidator,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  stringifyEntityRef,
  stringifyLocationRef,
  parseLocationRef,
  parseEntityRef,
  getCompoundEntityRef,
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
} from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';

// ---------------------------------------------------------------------------------------------
// The pieces of the catalog backend that we mirror.

// plugin-catalog-backend processing/util.cjs.js
const validateEntity = entitySchemaValidator();
const validateEntityEnvelope = entityEnvelopeSchemaValidator();

// CatalogBuilder.buildEntityPolicy() with no extra policies and no field validator overrides.
const policy = EntityPolicies.allOf([
  new SchemaValidEntityPolicy(),
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(makeValidator()),
]);

// CatalogBuilder: `allowedLocationType = ["url"]` unless setAllowedLocationTypes() is called.
const ALLOWED_LOCATION_TYPES = ['url'];

// BuiltinKindsEntityProcessor.validators, in its order.
const builtinValidators = [
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
];

// BuiltinKindsEntityProcessor.postProcessEntity: the fields whose values are parsed as entity
// references (parseEntityRef throws on a malformed one), per kind, with the default kind used.
const builtinRelationFields = {
  Component: [
    ['spec.owner', 'Group'],
    ['spec.subcomponentOf', 'Component'],
    ['spec.providesApis', 'API'],
    ['spec.consumesApis', 'API'],
    ['spec.dependsOn', undefined],
    ['spec.dependencyOf', undefined],
    ['spec.system', 'System'],
  ],
  API: [
    ['spec.owner', 'Group'],
    ['spec.system', 'System'],
  ],
  Resource: [
    ['spec.owner', 'Group'],
    ['spec.dependsOn', undefined],
    ['spec.dependencyOf', undefined],
    ['spec.system', 'System'],
  ],
  User: [['spec.memberOf', 'Group']],
  Group: [
    ['spec.parent', 'Group'],
    ['spec.children', 'Group'],
    ['spec.members', 'User'],
  ],
  System: [
    ['spec.owner', 'Group'],
    ['spec.domain', 'Domain'],
  ],
  Domain: [
    ['spec.owner', 'Group'],
    ['spec.subdomainOf', 'Domain'],
  ],
};

// The processors of a default catalog with the scaffolder module installed, in the order the
// backend runs them (all have the default priority 20; CatalogBuilder.buildProcessors puts
// PlaceholderProcessor, BuiltinKindsEntityProcessor, then FileReader, UrlReader,
// AnnotateLocationEntityProcessor, then added ones such as ScaffolderEntitiesProcessor).
function makeProcessors(ctx) {
  return [
    {
      name: 'PlaceholderProcessor',
      preProcessEntity: entity => resolvePlaceholders(entity, ctx),
    },
    {
      name: 'BuiltinKindsEntityProcessor',
      async validateEntityKind(entity) {
        for (const validator of builtinValidators) {
          if (await validator.check(entity)) return true;
        }
        return false;
      },
      async preProcessEntity(entity) {
        for (const field of [
          'spec.providesApis',
          'spec.consumesApis',
          'spec.dependsOn',
          'spec.dependencyOf',
          'spec.memberOf',
          'spec.children',
          'spec.members',
        ]) {
          const value = lodash.get(entity, field);
          if (value && Array.isArray(value) && value.every(v => typeof v === 'string')) {
            lodash.set(entity, field, value.sort());
          }
        }
        return entity;
      },
      async postProcessEntity(entity) {
        const selfRef = getCompoundEntityRef(entity);
        for (const [field, defaultKind] of builtinRelationFields[entity.kind] ?? []) {
          const targets = lodash.get(entity, field);
          if (!targets) continue;
          for (const target of [targets].flat()) {
            parseEntityRef(target, { defaultKind, defaultNamespace: selfRef.namespace });
          }
        }
        return entity;
      },
    },
    {
      name: 'AnnotateLocationEntityProcessor',
      async preProcessEntity(entity) {
        // For a `file` location there is no view/edit/source URL, only the two location annotations;
        // the entity's own values win (lodash.merge(defaults, entity)).
        return lodash.merge(
          {
            metadata: {
              annotations: {
                [ANNOTATION_LOCATION]: stringifyLocationRef(ctx.location),
                [ANNOTATION_ORIGIN_LOCATION]: stringifyLocationRef(ctx.location),
              },
            },
          },
          entity,
        );
      },
    },
    {
      name: 'ScaffolderEntitiesProcessor',
      async validateEntityKind(entity) {
        return Boolean(await templateEntityV1beta3Validator.check(entity));
      },
      async postProcessEntity(entity) {
        const selfRef = getCompoundEntityRef(entity);
        if (entity.apiVersion === 'scaffolder.backstage.io/v1beta3' && entity.kind === 'Template') {
          const target = entity.spec.owner;
          if (target) {
            parseEntityRef(target, { defaultKind: 'Group', defaultNamespace: selfRef.namespace });
          }
        }
        return entity;
      },
    },
  ];
}

// PlaceholderProcessor.preProcessEntity, with the three default resolvers. Relative references are
// read from disk relative to the folder of the YAML file (the documented behaviour: "Relative
// references are handled relative to the folder of the catalog-info.yaml"); absolute URLs are not
// fetched by this runner (no network), which reports them as unreadable.
async function resolvePlaceholders(entity, ctx) {
  const resolvers = {
    text: async params => readTextLocation(params),
    json: async params => {
      const content = await readTextLocation(params);
      try {
        return JSON.parse(content);
      } catch (e) {
        throw new Error(`Placeholder $${params.key} failed to parse JSON data at ${params.value}, ${e}`);
      }
    },
    yaml: async params => {
      const content = await readTextLocation(params);
      let documents;
      try {
        documents = yaml.parseAllDocuments(content, { merge: false }).filter(d => d);
      } catch (e) {
        throw new Error(`Placeholder $${params.key} failed to parse YAML data at ${params.value}, ${e}`);
      }
      if (documents.length !== 1) {
        throw new Error(
          `Placeholder $${params.key} expected to find exactly one document of data at ${params.value}, found ${documents.length}`,
        );
      }
      const document = documents[0];
      if (document.errors?.length) {
        throw new Error(
          `Placeholder $${params.key} found an error in the data at ${params.value}, ${document.errors[0]}`,
        );
      }
      return document.toJSON();
    },
  };
  async function readTextLocation({ key, value }) {
    if (typeof value !== 'string') {
      throw new Error(
        `Placeholder $${key} expected a string value parameter, in the form of an absolute URL or a relative path`,
      );
    }
    try {
      let isAbsoluteUrl = true;
      try {
        new URL(value);
      } catch {
        isAbsoluteUrl = false;
      }
      if (isAbsoluteUrl) {
        throw new Error('the conformance runner does not fetch remote URLs');
      }
      let buffer;
      try {
        buffer = fs.readFileSync(path.resolve(path.dirname(ctx.absPath), value));
      } catch (e) {
        // Keep absolute paths out of the message, so the output does not depend on the checkout.
        throw new Error(`${e.code ?? 'EIO'}: cannot read ${value}`);
      }
      return buffer.toString('utf-8');
    } catch (e) {
      throw new Error(`Placeholder $${key} could not read location ${value}, ${e}`);
    }
  }

  let firstError;
  const settleAll = async promises => {
    await Promise.allSettled(promises);
    return Promise.all(promises);
  };
  const processData = async data => {
    if (!data || !(data instanceof Object)) return [data, false];
    if (Array.isArray(data)) {
      const items = await settleAll(data.map(item => processData(item)));
      return items.every(([, changed]) => !changed) ? [data, false] : [items.map(([item]) => item), true];
    }
    const keys = Object.keys(data);
    if (!keys.some(k => k.startsWith('$'))) {
      const entries = await settleAll(
        Object.entries(data).map(([k, v]) => processData(v).then(vp => [k, vp])),
      );
      return entries.every(([, [, changed]]) => !changed)
        ? [data, false]
        : [Object.fromEntries(entries.map(([k, [v]]) => [k, v])), true];
    } else if (keys.length !== 1) {
      return [data, false];
    }
    const resolverKey = keys[0].substring(1);
    const resolverValue = data[keys[0]];
    const resolver = resolvers[resolverKey];
    if (!resolver) return [data, false];
    try {
      return [await resolver({ key: resolverKey, value: resolverValue }), true];
    } catch (error) {
      firstError ??= { error };
      throw error;
    }
  };
  try {
    const [result] = await processData(entity);
    return result;
  } catch (error) {
    throw firstError ? firstError.error : error;
  }
}

class StageError extends Error {
  constructor(stage, error) {
    super(String(error));
    this.stage = stage;
    this.inner = error;
  }
}

// DefaultCatalogProcessingOrchestrator.processSingleEntity, minus caching, tracing, and the reading of
// Location targets (other files; greenroom follows those itself).
async function processSingleEntity(unprocessedEntity, ctx) {
  const processors = makeProcessors(ctx);
  let entity = unprocessedEntity;
  try {
    validateEntityEnvelope(entity);
  } catch (e) {
    throw new StageError('envelope', new InputError(`Entity envelope failed validation before processing`, e));
  }
  const context = {
    entityRef: stringifyEntityRef(entity),
    location: parseLocationRef(entity.metadata.annotations[ANNOTATION_LOCATION]),
  };

  // preProcess
  for (const processor of processors) {
    if (processor.preProcessEntity) {
      try {
        entity = await processor.preProcessEntity(entity);
      } catch (e) {
        throw new StageError(
          'preprocess',
          new InputError(`Processor ${processor.name} threw an error while preprocessing`, e),
        );
      }
    }
  }

  // policies
  let policyEnforcedEntity;
  try {
    policyEnforcedEntity = await policy.enforce(entity);
  } catch (e) {
    throw new StageError('policy', new InputError(`Policy check failed for ${stringifyEntityRef(entity)}`, e));
  }
  entity = policyEnforcedEntity;

  // validate
  if (stringifyEntityRef(entity) !== context.entityRef) {
    throw new StageError(
      'validate',
      new ConflictError('Fatal: The entity kind, namespace, or name changed during processing'),
    );
  }
  try {
    validateEntity(entity);
  } catch (e) {
    throw new StageError(
      'validate',
      new ConflictError(`Entity envelope for ${context.entityRef} failed validation after preprocessing`, e),
    );
  }
  let valid = false;
  for (const processor of processors) {
    if (processor.validateEntityKind) {
      try {
        if (await processor.validateEntityKind(entity)) valid = true;
      } catch (e) {
        throw new StageError(
          'kind',
          new InputError(
            `Processor ${processor.name} threw an error while validating the entity ${context.entityRef}`,
            e,
          ),
        );
      }
    }
  }
  if (!valid) {
    throw new StageError(
      'kind',
      new InputError(
        `No processor recognized the entity ${context.entityRef} as valid, possibly caused by a foreign kind or apiVersion`,
      ),
    );
  }

  // runSpecialLocationStep: only its static checks. These are collected (not thrown) in the backend,
  // so post-processing still runs; the entity's error list then starts with the collected ones.
  const collected = [];
  if (entity.kind === 'Location') {
    const { type = context.location.type } = entity.spec;
    if (type !== context.location.type && !ALLOWED_LOCATION_TYPES.includes(type)) {
      collected.push(
        new InputError(`Registered locations must be of an allowed type ${JSON.stringify(ALLOWED_LOCATION_TYPES)}`),
      );
    } else {
      const targets = [];
      if (entity.spec.target) targets.push(entity.spec.target);
      if (entity.spec.targets) targets.push(...entity.spec.targets);
      for (const target of targets) {
        if (type === 'file' && target.endsWith(path.sep)) {
          collected.push(
            new InputError(
              `LocationEntityProcessor cannot handle ${type} type location with target ${context.location.target} that ends with a path separator`,
            ),
          );
        }
      }
    }
  }

  // postProcess
  for (const processor of processors) {
    if (processor.postProcessEntity) {
      try {
        entity = await processor.postProcessEntity(entity);
      } catch (e) {
        // The orchestrator returns collector errors first, then the thrown one.
        if (collected.length) throw new StageError('location', collected[0]);
        throw new StageError(
          'relations',
          new InputError(`Processor ${processor.name} threw an error while postprocessing`, e),
        );
      }
    }
  }
  if (collected.length) throw new StageError('location', collected[0]);
  return entity;
}

// ProcessorOutputCollector.receive() for an emitted entity, then the orchestrator.
async function processEmittedEntity(raw, ctx) {
  let entity;
  try {
    entity = validateEntityEnvelope(raw);
  } catch (e) {
    throw new StageError('envelope', toError(e));
  }
  const annotations = entity.metadata.annotations || {};
  if (typeof annotations !== 'object' || Array.isArray(annotations)) {
    throw new StageError('annotations', new Error('metadata.annotations must be a valid object'));
  }
  const locationRef = stringifyLocationRef(ctx.location);
  entity = {
    ...entity,
    metadata: {
      ...entity.metadata,
      annotations: {
        ...annotations,
        [ANNOTATION_ORIGIN_LOCATION]: locationRef,
        [ANNOTATION_LOCATION]: locationRef,
      },
    },
  };
  return processSingleEntity(entity, ctx);
}

function refOf(raw) {
  try {
    validateEntityEnvelope(raw);
    return stringifyEntityRef(raw);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------

function listYamlFiles(root) {
  const out = [];
  const walk = dir => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
      if (ent.name === 'node_modules') continue;
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.isFile() && ent.name.endsWith('.yaml')) out.push(p);
    }
  };
  walk(root);
  const rel = p => path.relative(root, p).split(path.sep).join('/');
  return out
    .map(p => ({ absPath: p, rel: rel(p) }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function validateFile({ absPath, rel }) {
  // The location the backend would have: type `file`, target the file's path. The relative path is
  // used (not the absolute one) so that messages do not depend on where the corpus lives.
  const location = { type: 'file', target: rel };
  const ctx = { location, absPath };
  const loc = stringifyLocationRef(location);
  const data = fs.readFileSync(absPath);

  // parseEntityYaml (plugin-catalog-node): { merge: false } unless enableYamlMerge is configured.
  let documents;
  try {
    documents = yaml.parseAllDocuments(data.toString('utf8'), { merge: false }).filter(d => d);
  } catch (e) {
    emit({ file: rel, doc: 0, valid: false, error: String(new Error(`Failed to parse YAML at ${loc}, ${e}`)), stage: 'yaml', ref: null });
    return;
  }
  for (let i = 0; i < documents.length; ++i) {
    const document = documents[i];
    if (document.errors?.length) {
      emit({ file: rel, doc: i, valid: false, error: String(new Error(`YAML error at ${loc}, ${document.errors[0]}`)), stage: 'yaml', ref: null });
      continue;
    }
    let json;
    try {
      json = document.toJSON();
    } catch (e) {
      // An exception here escapes the parser generator; FileReaderProcessor turns it into one error
      // for the file and the remaining documents are never read.
      emit({ file: rel, doc: i, valid: false, error: String(new Error(`${location.type} ${location.target} could not be read, ${e}`)), stage: 'yaml', ref: null });
      for (let j = i + 1; j < documents.length; ++j) {
        emit({ file: rel, doc: j, valid: false, error: 'not read: an earlier document aborted the file', stage: 'yaml', ref: null });
      }
      return;
    }
    if (lodash.isPlainObject(json)) {
      const ref = refOf(json);
      try {
        await processEmittedEntity(json, ctx);
        emit({ file: rel, doc: i, valid: true, error: null, stage: null, ref });
      } catch (e) {
        if (!(e instanceof StageError)) throw e;
        emit({ file: rel, doc: i, valid: false, error: e.message, stage: e.stage, ref });
      }
    } else if (json === null) {
      emit({ file: rel, doc: i, valid: true, error: null, stage: null, ref: null, empty: true });
    } else {
      emit({ file: rel, doc: i, valid: false, error: String(new Error(`Expected object at root, got ${typeof json}`)), stage: 'yaml', ref: null });
    }
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0].startsWith('-')) {
    process.stderr.write('usage: node backstage-validate.mjs <folder>\n');
    process.exit(2);
  }
  const root = path.resolve(args[0]);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    process.stderr.write(`not a folder: ${args[0]}\n`);
    process.exit(2);
  }
  for (const file of listYamlFiles(root)) {
    await validateFile(file);
  }
}

await main();
