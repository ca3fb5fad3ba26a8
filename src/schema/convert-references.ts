/**
 * Converts references between FHIR JSON and the stored format.
 *
 * FHIR:   { "reference": "Patient/123", "display": "x" }
 * Stored: { "resourceType": "Patient", "id": "123", "display": "x" }
 *
 * Absolute URLs, urn:uuid:, #contained and versioned references stay `{ reference }` in both forms.
 * The resource is walked with the generated type map, so only positions typed Reference are ever
 * converted; embedded resources (contained, Bundle.entry.resource, ...) are walked by their own
 * resourceType. Objects that need no change are shared with the input, never mutated.
 */
import type { ResourceRegistry } from './resource-registry';
import type { TypeMap } from './type-map';

type Obj = Record<string, unknown>;

/** How to walk one field: 'ref' | 'resource' | a complex type key */
interface WalkField {
  name: string;
  kind: 'ref' | 'resource' | 'complex';
  type: string;
}

interface Plan {
  /** walk plan per complex type key; only fields that can (transitively) hold references */
  fields: Map<string, Map<string, WalkField>>;
}

const RELATIVE_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

const plans = new WeakMap<TypeMap, Plan>();

function planFor(typeMap: TypeMap): Plan {
  let plan = plans.get(typeMap);
  if (plan) return plan;
  const { complex } = typeMap;
  // Fixed point: which complex keys can contain a Reference or an embedded Resource?
  const interesting = new Set<string>(['Reference']);
  let changed = true;
  while (changed) {
    changed = false;
    for (const [key, fields] of Object.entries(complex)) {
      if (interesting.has(key)) continue;
      for (const f of Object.values(fields)) {
        if (f.type === 'Resource' || interesting.has(f.type)) {
          interesting.add(key);
          changed = true;
          break;
        }
      }
    }
  }
  const elementInteresting = interesting.has('Element');
  const fields = new Map<string, Map<string, WalkField>>();
  for (const [key, defs] of Object.entries(complex)) {
    const list: WalkField[] = [];
    for (const [name, f] of Object.entries(defs)) {
      if (f.type === 'Reference') list.push({ name, kind: 'ref', type: 'Reference' });
      else if (f.type === 'Resource') list.push({ name, kind: 'resource', type: 'Resource' });
      else if (interesting.has(f.type)) list.push({ name, kind: 'complex', type: f.type });
      else if (elementInteresting && !complex[f.type] && typeMap.resourceTypes[key] !== 'iam') {
        // FHIR primitive: its `_name` companion may carry extensions with references.
        list.push({ name: `_${name}`, kind: 'complex', type: 'Element' });
      }
    }
    if (list.length > 0) fields.set(key, new Map(list.map((f) => [f.name, f])));
  }
  plan = { fields };
  plans.set(typeMap, plan);
  return plan;
}

type RefConverter = (ref: Obj) => Obj;

function makeWalker(registry: ResourceRegistry, convertRef: RefConverter): (resource: Obj) => Obj {
  const plan = planFor(registry.typeMap);

  function walkValue(value: unknown, field: WalkField): unknown {
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const next = walkOne(item, field);
        if (next !== item) {
          out ??= value.slice();
          out[i] = next;
        }
      }
      return out ?? value;
    }
    return walkOne(value, field);
  }

  function walkOne(value: unknown, field: WalkField): unknown {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const obj = value as Obj;
    if (field.kind === 'ref') return walkObject(convertRef(obj), 'Reference');
    if (field.kind === 'resource') return walkResource(obj);
    return walkObject(obj, field.type);
  }

  function walkObject(obj: Obj, key: string): Obj {
    const fields = plan.fields.get(key);
    if (!fields) return obj;
    let out: Obj | undefined;
    // Objects usually hold far fewer keys than their type defines: iterate the object's keys.
    for (const name in obj) {
      const f = fields.get(name);
      if (!f) continue;
      const value = obj[name];
      if (value === undefined || value === null) continue;
      const next = walkValue(value, f);
      if (next !== value) {
        out ??= { ...obj };
        out[name] = next;
      }
    }
    return out ?? obj;
  }

  function walkResource(resource: Obj): Obj {
    const type = resource.resourceType;
    if (typeof type !== 'string' || !registry.isResourceType(type)) return resource;
    return walkObject(resource, type);
  }

  return walkResource;
}

/** Referenced (AccessPolicy.link → Operation/FhirRead) but not stored as resources. */
const REFERENCE_ONLY_TYPES = new Set(['Operation']);

/** { reference: "Patient/1", ... } -> { resourceType: "Patient", id: "1", ... } (key position kept) */
function refToStored(registry: ResourceRegistry): RefConverter {
  return (ref) => {
    const reference = ref.reference;
    if (typeof reference !== 'string' || 'resourceType' in ref || 'id' in ref) return ref;
    const m = RELATIVE_REF.exec(reference);
    if (!m || !(registry.isResourceType(m[1]) || REFERENCE_ONLY_TYPES.has(m[1]))) return ref;
    const out: Obj = {};
    for (const key of Object.keys(ref)) {
      if (key === 'reference') {
        out.resourceType = m[1];
        out.id = m[2];
      } else {
        out[key] = ref[key];
      }
    }
    return out;
  };
}

/** { resourceType: "Patient", id: "1", ... } -> { reference: "Patient/1", ... } (key position kept) */
function refToFhir(): RefConverter {
  return (ref) => {
    const { resourceType, id } = ref;
    if (typeof resourceType !== 'string' || typeof id !== 'string' || 'reference' in ref) return ref;
    const out: Obj = {};
    for (const key of Object.keys(ref)) {
      if (key === 'resourceType') out.reference = `${resourceType}/${id}`;
      else if (key !== 'id') out[key] = ref[key];
    }
    return out;
  };
}

const storedWalkers = new WeakMap<ResourceRegistry, (r: Obj) => Obj>();
const fhirWalkers = new WeakMap<ResourceRegistry, (r: Obj) => Obj>();

/** The result is always a new top-level object (callers may set fields on it). */
function topLevelCopy(input: Obj, output: Obj): Obj {
  return output === input ? { ...input } : output;
}

/**
 * FHIR JSON -> stored format. Returns a new object; the input is never modified.
 * Nested parts that need no change are shared with the input, not copied.
 */
export function toStoredFormat(resource: object, registry: ResourceRegistry): object {
  let walk = storedWalkers.get(registry);
  if (!walk) {
    walk = makeWalker(registry, refToStored(registry));
    storedWalkers.set(registry, walk);
  }
  return topLevelCopy(resource as Obj, walk(resource as Obj));
}

/**
 * Stored format -> FHIR JSON. Returns a new object; the input is never modified.
 * Nested parts that need no change are shared with the input, not copied.
 */
export function toFhirFormat(resource: object, registry: ResourceRegistry): object {
  let walk = fhirWalkers.get(registry);
  if (!walk) {
    walk = makeWalker(registry, refToFhir());
    fhirWalkers.set(registry, walk);
  }
  return topLevelCopy(resource as Obj, walk(resource as Obj));
}
