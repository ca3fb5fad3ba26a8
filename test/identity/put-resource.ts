import type { TestServer } from '../support/test-server';

/** PUT a resource over HTTP as an operator would (the tutorial's REST console), failing loudly. */
export async function putResource(server: TestServer, resourceType: string, id: string, body: Record<string, unknown>): Promise<void> {
  const response = await server.http.put(`/fhir/${resourceType}/${id}`).send({ resourceType, id, ...body });
  if (response.status >= 300) throw new Error(`PUT ${resourceType}/${id}: ${response.status} ${JSON.stringify(response.body)}`);
}
