import { notFound } from '../errors/http-error';
import { patientCompartmentParameters } from '../search/load-patient-compartment';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { checkId } from './prepare-resource';
import { searchWithin } from './search-resources';

/**
 * GET /Patient/<id>/<Type>?… (FHIR http.html#search, compartment search): the type's search,
 * limited to the resources that the official Patient CompartmentDefinition links to that patient
 * (schemas/generated/search/patient-compartment.json), with the caller's parameters ANDed. The
 * route only exists for types in the compartment; a patient that does not exist has an empty one.
 */
export async function searchCompartment(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { resourceType, id } = req.compartment!;
  const parameters = patientCompartmentParameters(req.resourceType!);
  if (!parameters) throw notFound(`${req.resourceType} is not in the Patient compartment`);
  return searchWithin(ctx, req, { resourceType, id: checkId(id), parameters });
}
