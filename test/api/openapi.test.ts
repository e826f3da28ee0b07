// The OpenAPI document (issue 15 item 5): every route the API serves is in it, with a summary and a description;
// every parameter and every field of every request and response schema has a description. Fails naming what lacks one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { InventoryStore } from '../../activities/inventory/index.js';
import { createApi } from '../../api/app.js';
import { openApiDocument } from '../../api/openapi.js';
import type { LazarusConfig } from '../../domain/config/index.js';

type Schema = {
  $ref?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};
type Operation = {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; description?: string }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
};
const document = openApiDocument() as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

/** Every property without a description under `schema`, as `<place>.<path>`. */
function undescribed(schema: Schema | undefined, place: string): string[] {
  if (!schema || schema.$ref) return [];
  const missing: string[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (!property.$ref && !property.description?.trim()) missing.push(`${place}.${name}`);
    missing.push(...undescribed(property, `${place}.${name}`));
  }
  missing.push(...undescribed(schema.items, `${place}[]`));
  if (typeof schema.additionalProperties === 'object')
    missing.push(...undescribed(schema.additionalProperties, `${place}{}`));
  for (const member of [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])])
    missing.push(...undescribed(member, place));
  return missing;
}

describe('OpenAPI document', () => {
  it('gives every operation a summary and a description, and every parameter a description', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(item)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (!operation.summary?.trim()) missing.push(`${key}: summary`);
        if (!operation.description?.trim()) missing.push(`${key}: description`);
        for (const parameter of operation.parameters ?? [])
          if (!parameter.description?.trim()) missing.push(`${key}: ${parameter.in} parameter ${parameter.name}`);
        for (const [status, response] of Object.entries(operation.responses ?? {}))
          if (!response.description?.trim()) missing.push(`${key}: response ${status}`);
      }
    assert.deepEqual(missing, []);
    assert.ok(Object.keys(document.paths).length >= 40, 'the document lists the routes');
  });

  it('describes every field of every schema, named and inline', () => {
    const missing = Object.entries(document.components.schemas).flatMap(([name, schema]) => undescribed(schema, name));
    for (const [path, item] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(item)) {
        const key = `${method.toUpperCase()} ${path}`;
        missing.push(...undescribed(operation.requestBody?.content?.['application/json']?.schema, `${key} body`));
        for (const [status, response] of Object.entries(operation.responses ?? {}))
          missing.push(...undescribed(response.content?.['application/json']?.schema, `${key} ${status}`));
      }
    assert.deepEqual(missing, []);
  });

  it('documents every route the API serves', () => {
    const config = { hostGroups: [], agents: { tokens: [] } } as unknown as LazarusConfig;
    const app = createApi({
      client: {} as Client,
      config,
      // Mounting the routes only: every store accessor answers an empty object, nothing is called.
      store: new Proxy({}, { get: () => () => ({}) }) as InventoryStore,
      tokens: [],
      log: () => undefined,
    });
    const stack = (app as unknown as { router: { stack: Array<{ route?: { path: string; methods: object } }> } }).router
      .stack;
    const served = stack
      .filter((layer) => layer.route && layer.route.path.startsWith('/v1/'))
      .flatMap((layer) =>
        Object.keys(layer.route!.methods)
          .filter((method) => method !== '_all')
          .map((method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`),
      );
    assert.ok(served.length >= 40, `${served.length} routes found in the router`);
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    assert.deepEqual(
      served.filter((route) => !documented.has(route)),
      [],
      'routes served but not in the OpenAPI document',
    );
  });
});
