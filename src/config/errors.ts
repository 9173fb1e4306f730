/**
 * Turns ajv's validation errors into one line a user can act on: the file, the JSON path, what was
 * expected (read from the failing sub-schema, constraints included) and what was found.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { msg } from '../messages.js';

type Schema = Record<string, unknown>;

/** Value at a JSON pointer ('' is the document). */
export function atPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Words for what a schema accepts, e.g. `integer >= 1`, `one of "gpu", "cpu"`. */
export function describeSchema(schema: Schema | undefined): string {
  if (!schema) return 'a valid value';
  if ('const' in schema) return JSON.stringify(schema.const);
  const anyOf = schema.anyOf as Schema[] | undefined;
  if (anyOf) {
    if (anyOf.every((s) => 'const' in s)) return `one of ${anyOf.map((s) => JSON.stringify(s.const)).join(', ')}`;
    return anyOf.map((s) => describeSchema(s)).join(' or ');
  }
  const type = schema.type as string | undefined;
  const parts: string[] = [type ?? 'a value'];
  if (type === 'object' && schema.properties) {
    const props = schema.properties as Record<string, Schema>;
    if (props.type && 'const' in props.type) return `a ${JSON.stringify(props.type.const)} object`;
    return 'object';
  }
  if (schema.minimum !== undefined) parts.push(`>= ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) parts.push(`${schema.minimum !== undefined ? 'and ' : ''}<= ${schema.maximum}`);
  if (schema.minLength) parts.push('(non-empty)');
  if (schema.pattern) parts.push(`matching ${schema.pattern}`);
  if (type === 'array') {
    if (schema.minItems) parts.push(`of at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
    if (schema.uniqueItems) parts.push('without duplicates');
  }
  return parts.join(' ');
}

/**
 * The single most useful message for a failed validation. For a union of object shapes keyed by "type"
 * (layers), it validates against the branch the value names, so the message is about that branch.
 */
export function formatErrors(
  file: string, doc: unknown, errors: ErrorObject[], compileBranch: (schema: Schema) => ValidateFunction,
): string {
  const anyOf = errors.find((e) => e.keyword === 'anyOf');
  const first = anyOf ?? errors[0];
  if (!first) return msg.configInvalid(file, '', 'a valid document', doc);
  if (first.keyword === 'anyOf') {
    const branches = (first.parentSchema as Schema).anyOf as Schema[];
    const value = atPointer(doc, first.instancePath) as Record<string, unknown> | undefined;
    const keyed = branches.every((b) => (b.properties as Record<string, Schema> | undefined)?.type?.const !== undefined);
    if (keyed && value && typeof value === 'object') {
      const branch = branches.find((b) => (b.properties as Record<string, Schema>).type!.const === value.type);
      if (branch) {
        const validate = compileBranch(branch);
        validate(value);
        const inner = (validate.errors ?? []).map((e) => ({ ...e, instancePath: first.instancePath + e.instancePath }));
        return formatErrors(file, doc, inner, compileBranch);
      }
      return msg.configInvalid(file, `${first.instancePath}/type`, describeTypes(branches), value.type);
    }
    return msg.configInvalid(file, first.instancePath, describeSchema(first.parentSchema as Schema), atPointer(doc, first.instancePath));
  }
  return formatOne(file, doc, first);
}

function describeTypes(branches: Schema[]): string {
  return `one of ${branches.map((b) => JSON.stringify((b.properties as Record<string, Schema>).type!.const)).join(', ')}`;
}

function formatOne(file: string, doc: unknown, e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(((e.parentSchema as Schema).properties as Schema | undefined) ?? {}).filter((k) => k !== '$schema');
      const patterns = Object.keys(((e.parentSchema as Schema).patternProperties as Schema | undefined) ?? {});
      const expected = allowed.length ? `no key "${key}" (allowed: ${allowed.join(', ')})` : `a key matching ${patterns.join(' or ')}`;
      return msg.configInvalid(file, `${e.instancePath}/${key}`, expected, atPointer(doc, `${e.instancePath}/${key}`));
    }
    case 'required': {
      const key = String(params.missingProperty);
      const sub = ((e.parentSchema as Schema).properties as Record<string, Schema> | undefined)?.[key];
      return msg.configInvalid(file, `${e.instancePath}/${key}`, `${describeSchema(sub)} (required)`, undefined);
    }
    case 'uniqueItems':
      return msg.configInvalid(file, e.instancePath, 'array without duplicates', atPointer(doc, e.instancePath));
    case 'minItems':
      return msg.configInvalid(file, e.instancePath, `array of at least ${params.limit} item${params.limit === 1 ? '' : 's'}`, atPointer(doc, e.instancePath));
    default:
      return msg.configInvalid(file, e.instancePath, describeSchema(e.parentSchema as Schema), atPointer(doc, e.instancePath));
  }
}
