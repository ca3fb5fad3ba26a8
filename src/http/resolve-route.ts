import { HttpError, notFound } from '../errors/http-error';
import type { InteractionContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { createResource } from '../interactions/create-resource';
import { deleteOne } from '../interactions/delete-resource';
import { patchOne } from '../interactions/patch-resource';
import { readHistoryBundle } from '../interactions/read-history';
import { readSystemHistoryBundle } from '../interactions/read-system-history';
import { searchCompartment } from '../interactions/search-compartment';
import { validateOperation } from '../interactions/validate-operation';
import { patientCompartmentParameters } from '../search/load-patient-compartment';
import { readOne, readOneVersion } from '../interactions/read-resource';
import { updateOne } from '../interactions/update-resource';
import { processBundle } from '../bundles/process-bundle';
import { readCapabilityStatement } from '../capability/read-capability-statement';
import { conditionalDelete } from '../interactions/conditional-delete';
import { conditionalUpdate } from '../interactions/conditional-update';
import { searchResources } from '../interactions/search-resources';
import type { ResourceRegistry } from '../schema/resource-registry';

export type Interaction = (ctx: InteractionContext, req: ResourceRequest) => Promise<ResourceResponse>;

export interface Route {
  /** The operation id policies see, e.g. FhirRead on /fhir/*, Read on /<Type>. */
  operation: string;
  interaction: Interaction;
  resourceType?: string;
  id?: string;
  versionId?: string;
  /** `Patient/<id>/<Type>`: resourceType is the searched type, this the compartment. */
  compartment?: { resourceType: string; id: string };
  /** Answered to anyone, caller or not (the CapabilityStatement: FHIR http.html#capabilities). */
  public?: boolean;
}

type Shape = 'type' | 'type-search' | 'instance' | 'type-history' | 'instance-history' | 'version'
  | 'system-history' | 'type-validate' | 'instance-validate' | 'compartment';

/** The routing table: path shape × method → operation. */
const TABLE: Record<Shape, Record<string, [string, Interaction]>> = {
  type: { GET: ['Search', searchResources], POST: ['Create', createResource], PUT: ['ConditionalUpdate', conditionalUpdate], DELETE: ['ConditionalDelete', conditionalDelete] },
  'type-search': { POST: ['Search', searchResources] },
  instance: { GET: ['Read', readOne], PUT: ['Update', updateOne], PATCH: ['Patch', patchOne], DELETE: ['Delete', deleteOne] },
  'type-history': { GET: ['History', readHistoryBundle] },
  'instance-history': { GET: ['History', readHistoryBundle] },
  version: { GET: ['Vread', readOneVersion] },
  // Every type's history at once: an operation of its own, never granted by a policy for one type's History.
  'system-history': { GET: ['SystemHistory', readSystemHistoryBundle] },
  'type-validate': { POST: ['Validate', validateOperation] },
  'instance-validate': { POST: ['Validate', validateOperation] },
  // A compartment search finds a subset of what the type's search finds: the same operation.
  compartment: { GET: ['Search', searchCompartment] },
};

function shapeOf(rest: string[], registry: ResourceRegistry): Shape | undefined {
  if (rest.length === 0) return 'type';
  if (rest.length === 1 && rest[0] === '_search') return 'type-search';
  if (rest.length === 1 && rest[0] === '$validate') return 'type-validate';
  if (rest.length === 2 && rest[1] === '$validate') return 'instance-validate';
  if (rest.length === 2 && registry.isResourceType(rest[1])) return 'compartment';
  if (rest.length === 1) return rest[0] === '_history' ? 'type-history' : 'instance';
  if (rest.length === 2 && rest[1] === '_history') return 'instance-history';
  if (rest.length === 3 && rest[1] === '_history') return 'version';
  return undefined;
}

/** segments: the path after /fhir (or after / for the stored style), already decoded. */
export function resolveRoute(method: string, segments: string[], fhir: boolean, registry: ResourceRegistry): Route {
  const [resourceType, ...rest] = segments;
  // The base URL itself takes transaction and batch bundles; /metadata is the CapabilityStatement.
  if (!resourceType && method === 'POST') return { operation: fhir ? 'FhirTransaction' : 'Transaction', interaction: processBundle };
  if (resourceType === 'metadata' && !rest.length && (method === 'GET' || method === 'HEAD')) {
    return { operation: fhir ? 'FhirMetadata' : 'Metadata', interaction: readCapabilityStatement, public: true };
  }
  if (!resourceType) throw notFound('No resource type in the path');
  if (resourceType === '_history' && !rest.length) return toRoute('system-history', method, fhir, {});
  if (!registry.isResourceType(resourceType)) throw notFound(`Unknown resource type '${resourceType}'`);
  const shape = shapeOf(rest, registry);
  if (!shape) throw notFound(`No such path under ${resourceType}`);
  if (shape === 'compartment') {
    // The Patient compartment is the one defined (generated from the FHIR definitions); only its member types have one.
    if (resourceType !== 'Patient') throw notFound(`Compartment searches are supported for Patient only, not ${resourceType}`);
    if (!patientCompartmentParameters(rest[1])) throw notFound(`${rest[1]} is not in the Patient compartment`);
    return toRoute(shape, method, fhir, { resourceType: rest[1], compartment: { resourceType, id: rest[0] } });
  }
  return toRoute(shape, method, fhir, {
    resourceType,
    id: shape === 'type' || shape === 'type-history' || shape === 'type-validate' ? undefined : rest[0],
    versionId: shape === 'version' ? rest[2] : undefined,
  });
}

function toRoute(shape: Shape, method: string, fhir: boolean, target: Pick<Route, 'resourceType' | 'id' | 'versionId' | 'compartment'>): Route {
  const row = TABLE[shape];
  const entry = row[method === 'HEAD' ? 'GET' : method];
  if (!entry) {
    const allow = Object.keys(row).join(', ');
    throw new HttpError(405, 'not-supported', `${method} is not allowed on this path; allowed: ${allow}`, undefined, { allow });
  }
  const [name, interaction] = entry;
  return { operation: fhir ? `Fhir${name}` : name, interaction, ...target };
}
