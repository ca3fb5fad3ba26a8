/**
 * Validates resources in stored format against the generated JSON schemas (schemas/generated/).
 *
 * One Ajv instance holds the shared datatypes schema; each resource type's schema is compiled on
 * first use and cached. Ajv errors are turned into FHIRPath-like expressions and plain sentences.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, SchemaValidateFunction, ValidateFunction } from 'ajv';
import { defaultSchemaDir, type ResourceRegistry } from './resource-registry';

export interface ValidationIssue {
  expression: string;
  diagnostics: string;
}

export interface ResourceValidator {
  /** Returns [] when the resource is valid. */
  validate(resource: Record<string, unknown>): ValidationIssue[];
  /**
   * Compiles the shared datatypes (Extension reaches nearly all of them: about 0.3 s), so that the
   * first validation of each resource type only compiles that type's own schema. Without it the
   * first validation does this work. The server calls it once it is serving.
   */
  warmUp(): void;
}

// ajv is CommonJS; depending on the loader the class is the module itself or its `default`.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: typeof Ajv2020Module }).default ??
  Ajv2020Module) as typeof Ajv2020Module;

/** Placeholder replaced by the final expression in messages that name the field itself. */
const EXPR = '{expr}';
const CUSTOM = 'lockbox';

interface RawIssue {
  /** JSON pointer of the offending value (or of the object missing a field) */
  path: string;
  /** field name appended to the path (unknown / missing fields) */
  field?: string;
  message: string;
}

type CustomError = Partial<ErrorObject> & { keyword: string; instancePath: string; message: string };

function customError(path: string, message: string, field?: string): CustomError {
  return { keyword: CUSTOM, instancePath: path, params: field ? { field } : {}, message };
}

/** Longer values are cut in messages: an answer need not repeat 8,000 characters back. */
const QUOTED_LENGTH = 80;

function quote(value: unknown): string {
  if (typeof value === 'string') return value.length > QUOTED_LENGTH ? `'${value.slice(0, QUOTED_LENGTH)}…' (${value.length} characters)` : `'${value}'`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string (${quote(value)})`;
  if (typeof value === 'number') return `a number (${value})`;
  return `a ${typeof value} (${String(value)})`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  boolean: 'a boolean (true or false)',
  integer: 'a whole number',
  number: 'a number',
  object: 'an object',
  array: 'an array',
};

/** Converts Ajv errors to path + sentence pairs, dropping follow-up noise. */
function normalize(errors: readonly ErrorObject[]): RawIssue[] {
  const typeFailed = new Set<string>();
  for (const e of errors) if (e.keyword === 'type') typeFailed.add(e.instancePath);
  const issues: RawIssue[] = [];
  for (const e of errors) {
    const path = e.instancePath;
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case CUSTOM:
        issues.push({ path, field: params.field as string | undefined, message: e.message ?? 'Invalid value' });
        break;
      case 'additionalProperties':
        issues.push({ path, field: String(params.additionalProperty), message: `Unknown field '${params.additionalProperty}'` });
        break;
      case 'required':
      case 'dependentRequired':
        issues.push({ path, field: String(params.missingProperty), message: `Missing required field '${params.missingProperty}'` });
        break;
      case 'type': {
        const expected = String(params.type);
        let message: string;
        if (e.data === null) message = 'must not be null';
        else if (expected === 'array') message = `Expected an array (this field repeats), got ${describe(e.data)}`;
        else if (Array.isArray(e.data)) message = 'Expected a single value, not an array';
        else message = `Expected ${TYPE_NAMES[expected] ?? expected}, got ${describe(e.data)}`;
        issues.push({ path, message });
        break;
      }
      case 'enum': {
        if (typeFailed.has(path)) break;
        const allowed = (params.allowedValues as unknown[]).map(String).join(', ');
        issues.push({ path, message: `Value ${quote(e.data)} is not one of: ${allowed}` });
        break;
      }
      case 'const':
        if (typeFailed.has(path)) break;
        issues.push({ path, message: `Value ${quote(e.data)} must be ${quote(params.allowedValue)}` });
        break;
      case 'pattern': {
        if (typeFailed.has(path)) break;
        const fhirType = (e.parentSchema as { fhirType?: string } | undefined)?.fhirType;
        issues.push({
          path,
          message:
            fhirType === 'string' || fhirType === 'markdown'
              ? `Value ${quote(e.data)} is not a valid ${fhirType} (it is empty or contains unusual whitespace)`
              : `Value ${quote(e.data)} is not a valid ${fhirType ?? 'value for this field'}`,
        });
        break;
      }
      case 'minimum':
        if (typeFailed.has(path)) break;
        issues.push({ path, message: `Value ${quote(e.data)} must be at least ${params.limit}` });
        break;
      case 'maximum':
        if (typeFailed.has(path)) break;
        issues.push({ path, message: `Value ${quote(e.data)} must be at most ${params.limit}` });
        break;
      case 'maxLength':
        if (typeFailed.has(path)) break;
        issues.push({ path, message: `Must be at most ${params.limit} characters long, got ${[...String(e.data)].length}` });
        break;
      case 'minItems':
        issues.push({ path, message: 'Must not be an empty array (leave the field out instead)' });
        break;
      default:
        issues.push({ path, message: `Invalid value (${e.keyword})` });
    }
  }
  return issues;
}

function toExpression(rootType: string, path: string, field?: string): string {
  let expr = rootType;
  if (path) {
    for (const raw of path.slice(1).split('/')) {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      expr += /^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`;
    }
  }
  if (field) expr += `.${field}`;
  return expr.startsWith('.') ? expr.slice(1) : expr;
}

function finish(rootType: string, raw: RawIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  const out: ValidationIssue[] = [];
  for (const r of raw) {
    const expression = toExpression(rootType, r.path, r.field);
    const diagnostics = r.message.split(EXPR).join(expression);
    const key = `${expression}\u0000${diagnostics}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ expression, diagnostics });
  }
  return out;
}

const RELATIVE_REF = /^([A-Za-z]+)\/([^/]+)(\/_history\/[^/]+)?$/;
const RESOURCE_ID = /^[A-Za-z0-9\-.]{1,64}$/;

function joinTypes(types: readonly string[]): string {
  if (types.length <= 1) return types.join('');
  return `${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}`;
}

interface ChoiceGroup {
  name: string;
  fields: string[];
  required: boolean;
}

const DATATYPE_ID = 'https://lockbox.local/schemas/datatypes/';

/** Points refs with the given prefix (datatype definitions) at the per-datatype schema ids. */
function rewriteRefs(node: unknown, prefix: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, prefix));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith(prefix)) {
      out[key] = DATATYPE_ID + value.slice(prefix.length);
    } else {
      out[key] = rewriteRefs(value, prefix);
    }
  }
  return out;
}

export function createValidator(registry: ResourceRegistry, schemaDir: string = defaultSchemaDir): ResourceValidator {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, inlineRefs: false, validateSchema: false, code: { optimize: false } });

  ajv.addKeyword({ keyword: 'fhirType', schemaType: 'string' });

  const refTargets: SchemaValidateFunction = function (schema: string[], data: unknown, _parent, cxt) {
    const ref = data as Record<string, unknown>;
    const path = cxt?.instancePath ?? '';
    let target: string | undefined;
    if (typeof ref.resourceType === 'string') {
      target = ref.resourceType;
    } else if (typeof ref.reference === 'string') {
      const m = RELATIVE_REF.exec(ref.reference);
      if (!m) return true; // absolute URL, urn:uuid:, #contained, or not checkable
      target = m[1];
      // FHIR references.html#literal: the id of a relative reference is a resource id.
      if (registry.isResourceType(target) && !RESOURCE_ID.test(m[2])) {
        refTargets.errors = [customError(path, `${EXPR} names ${quote(m[2])}, which is not a valid id (1 to 64 letters, digits, '-' or '.')`)];
        return false;
      }
    } else {
      return true;
    }
    // A type the field names itself (AccessPolicy.link → Operation) is fine even if it is not stored.
    if (!registry.isResourceType(target) && !schema.includes(target)) {
      refTargets.errors = [customError(path, `${EXPR} references unknown resource type '${target}'`)];
      return false;
    }
    if (schema.length > 0 && !schema.includes(target)) {
      refTargets.errors = [customError(path, `${EXPR} must reference ${joinTypes(schema)}, not ${target}`)];
      return false;
    }
    return true;
  };
  ajv.addKeyword({ keyword: 'refTargets', type: 'object', schemaType: 'array', errors: true, validate: refTargets });

  const choiceGroups: SchemaValidateFunction = function (schema: ChoiceGroup[], data: unknown, _p, cxt) {
    const obj = data as Record<string, unknown>;
    const path = cxt?.instancePath ?? '';
    const errors: CustomError[] = [];
    for (const group of schema) {
      const present = group.fields.filter((f) => obj[f] !== undefined);
      if (present.length > 1) {
        errors.push(
          customError(path, `Only one of ${present.map((f) => `'${f}'`).join(', ')} may be given`, `${group.name}[x]`),
        );
      } else if (present.length === 0 && group.required) {
        errors.push(
          customError(
            path,
            `Missing required field '${group.name}[x]' (one of ${group.fields.join(', ')})`,
            `${group.name}[x]`,
          ),
        );
      }
    }
    if (errors.length === 0) return true;
    choiceGroups.errors = errors;
    return false;
  };
  ajv.addKeyword({ keyword: 'choiceGroups', type: 'object', schemaType: 'array', errors: true, validate: choiceGroups });

  const embeddedResource: SchemaValidateFunction = function (_s: boolean, data: unknown, _p, cxt) {
    const path = cxt?.instancePath ?? '';
    const raw = checkResource(data);
    if (raw.length === 0) return true;
    embeddedResource.errors = raw.map((r) => customError(path + r.path, r.message, r.field));
    return false;
  };
  ajv.addKeyword({ keyword: 'embeddedResource', schemaType: 'boolean', errors: true, validate: embeddedResource });

  // Each shared datatype becomes its own schema so Ajv compiles it once for all resource types
  // (fragment refs into one big schema would be recompiled for every referencing root).
  const datatypes = JSON.parse(readFileSync(join(schemaDir, 'datatypes.schema.json'), 'utf8')) as {
    definitions: Record<string, Record<string, unknown>>;
  };
  for (const [name, def] of Object.entries(datatypes.definitions)) {
    ajv.addSchema({ ...(rewriteRefs(def, '#/definitions/') as object), $id: DATATYPE_ID + name });
  }


  const compiled = new Map<string, ValidateFunction>();
  function validatorFor(type: string): ValidateFunction {
    let fn = compiled.get(type);
    if (!fn) {
      const schema = JSON.parse(readFileSync(join(schemaDir, `${type}.schema.json`), 'utf8'));
      fn = ajv.compile(rewriteRefs(schema, 'datatypes.schema.json#/definitions/') as object);
      compiled.set(type, fn);
    }
    return fn;
  }

  /** Validates any value expected to be a resource; paths are relative to it. */
  function checkResource(data: unknown): RawIssue[] {
    if (data === null) return [{ path: '', message: 'must not be null' }];
    if (typeof data !== 'object' || Array.isArray(data)) {
      return [{ path: '', message: `Expected a resource object, got ${describe(data)}` }];
    }
    const type = (data as Record<string, unknown>).resourceType;
    if (type === undefined) return [{ path: '', field: 'resourceType', message: "Missing required field 'resourceType'" }];
    if (typeof type !== 'string' || !registry.isResourceType(type)) {
      return [{ path: '/resourceType', message: `Unknown resource type ${quote(type)}` }];
    }
    const fn = validatorFor(type);
    if (fn(data)) return [];
    return normalize(fn.errors ?? []);
  }

  return {
    warmUp() {
      ajv.getSchema(`${DATATYPE_ID}Extension`);
    },
    validate(resource) {
      const type = resource?.resourceType;
      const rootType = typeof type === 'string' && registry.isResourceType(type) ? type : '';
      return finish(rootType, checkResource(resource));
    },
  };
}
