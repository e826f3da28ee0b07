// The OperatorService RPCs the devserver implements (on the same port as the WorkflowService, as the real server):
// custom search attributes added, listed and removed. With a database they are saved in it, so a restarted server
// knows them again (as well as those of its `--search-attribute` flags).
import type { temporal } from '@temporalio/proto';
import { invalidArgument, notFound } from './errors.js';
import type { Engine } from './engine/engine.js';
import { ensureNamespace } from './engine/executions.js';
import type { P } from './engine/model.js';
import {
  INDEXED_VALUE_TYPES,
  isReservedSearchAttribute,
  PREDEFINED_SEARCH_ATTRIBUTES,
  SQL_CUSTOM_ATTRIBUTE_SLOTS,
  SYSTEM_SEARCH_ATTRIBUTES,
} from './engine/search-attributes.js';
import type { Handler } from './workflow-service.js';

const typeName = (value: number) => Object.entries(INDEXED_VALUE_TYPES).find(([, v]) => v === value)?.[0];
const typeMap = (entries: Iterable<[string, string]>) =>
  Object.fromEntries([...entries].map(([name, type]) => [name, INDEXED_VALUE_TYPES[type] ?? 0]));

export function operatorServiceHandlers(engine: Engine): Record<string, Handler> {
  const reserved = isReservedSearchAttribute;
  return {
    /** Registers custom attributes; adding one that exists with the same type is a no-op, as on the real server. */
    AddSearchAttributes: (request: P<temporal.api.operatorservice.v1.IAddSearchAttributesRequest>) => {
      // The real server adds custom attributes to one namespace's SQL visibility store: it must be named.
      if (!request.namespace) throw invalidArgument('Namespace not set on request.');
      ensureNamespace(engine, request.namespace);
      const wanted = Object.entries(request.searchAttributes ?? {});
      if (wanted.length === 0) throw invalidArgument('SearchAttributes are not set on request.');
      for (const [name, value] of wanted) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
          throw invalidArgument(`Search attribute name ${JSON.stringify(name)} is not valid.`);
        if (reserved(name)) throw invalidArgument(`Search attribute ${name} is reserved by system.`);
        const type = typeName(Number(value));
        if (!type) throw invalidArgument(`Unknown search attribute type: ${String(value)}.`);
        const existing = engine.searchAttributeTypes.get(name);
        if (existing && existing !== type)
          throw invalidArgument(`Search attribute ${name} already exists with type ${existing}.`);
      }
      // The SQL store has a fixed number of columns per type; the real server refuses the first attribute too many.
      const used = new Map<string, number>();
      for (const type of engine.searchAttributeTypes.values()) used.set(type, (used.get(type) ?? 0) + 1);
      for (const [name, value] of wanted) {
        const type = typeName(Number(value))!;
        if (engine.searchAttributeTypes.has(name)) continue;
        const count = used.get(type) ?? 0;
        if (count >= (SQL_CUSTOM_ATTRIBUTE_SLOTS[type] ?? 0))
          throw invalidArgument(
            `Unable to create search attributes: cannot have more than ${count} search attribute of type ${type}.`,
          );
        used.set(type, count + 1);
      }
      for (const [name, value] of wanted) engine.searchAttributeTypes.set(name, typeName(Number(value))!);
      engine.saveSearchAttributes();
      return {};
    },
    ListSearchAttributes: (request: P<temporal.api.operatorservice.v1.IListSearchAttributesRequest>) => {
      ensureNamespace(engine, request.namespace);
      return {
        customAttributes: typeMap(engine.searchAttributeTypes),
        systemAttributes: typeMap(Object.entries({ ...SYSTEM_SEARCH_ATTRIBUTES, ...PREDEFINED_SEARCH_ATTRIBUTES })),
        storageSchema: {},
      };
    },
    RemoveSearchAttributes: (request: P<temporal.api.operatorservice.v1.IRemoveSearchAttributesRequest>) => {
      ensureNamespace(engine, request.namespace);
      const names = (request.searchAttributes ?? []).filter((n): n is string => typeof n === 'string');
      if (names.length === 0) throw invalidArgument('SearchAttributes are not set on request.');
      for (const name of names) {
        if (reserved(name)) throw invalidArgument(`Unable to remove non-custom search attribute: ${name}.`);
        if (!engine.searchAttributeTypes.has(name)) throw notFound(`Search attribute ${name} doesn't exist.`);
      }
      for (const name of names) engine.searchAttributeTypes.delete(name);
      engine.saveSearchAttributes();
      return {};
    },
  };
}
