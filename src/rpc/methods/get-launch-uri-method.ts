import { hashSecret, newRandomToken } from '../../auth/hash-secret';
import { isPlainObject } from '../../interactions/prepare-resource';
import { invalidParams, type ParamProblem, type RpcMethod } from '../rpc-method';

/** SMART: the launch value is for one app to bring back at once; five minutes is plenty. */
const LAUNCH_TTL_SECONDS = 300;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

interface Params {
  client: string;
  user?: string;
  iss?: string;
  ctx: { patient?: string; encounter?: string; fhirContext?: unknown[]; need_patient_banner?: boolean };
}

const idOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : isPlainObject(value) && typeof value.id === 'string' ? value.id : undefined);

/**
 * `aidbox.smart/get-launch-uri {client, user, iss, ctx: {patient, encounter, fhirContext}}` →
 * `{uri, launch}`: an EHR launch (SMART App Launch, "EHR launch"). `uri` is the Client's
 * `smart.launch_uri` with `iss` (our FHIR base) and `launch`; the app passes `launch` to
 * /auth/authorize and gets this context with its token. The value is 256 random bits, stored only
 * as a hash, bound to the client (and user), valid five minutes, spent by the code it yields.
 * Who may call it is an rpc policy's decision (the bootstrap administrators may).
 */
export const getLaunchUriMethod: RpcMethod<Params, { uri: string; launch: string }> = {
  name: 'aidbox.smart/get-launch-uri',
  parseParams(params) {
    const problems: ParamProblem[] = [];
    const client = idOf(params.client);
    if (!client || !ID.test(client)) problems.push({ expression: 'params.client', message: 'client must name a Client: {"id": "<client id>"} or its id' });
    const user = params.user === undefined ? undefined : idOf(params.user);
    if (params.user !== undefined && (!user || !ID.test(user))) problems.push({ expression: 'params.user', message: 'user must name a User: {"id": "<user id>"} or its id' });
    if (params.iss !== undefined && typeof params.iss !== 'string') problems.push({ expression: 'params.iss', message: 'iss must be a string' });
    const raw = params.ctx ?? {};
    const ctx: Params['ctx'] = {};
    if (!isPlainObject(raw)) problems.push({ expression: 'params.ctx', message: 'ctx must be an object: {patient, encounter, fhirContext}' });
    else {
      for (const key of ['patient', 'encounter'] as const) {
        if (raw[key] === undefined) continue;
        const id = idOf(raw[key]);
        if (!id || !ID.test(id)) problems.push({ expression: `params.ctx.${key}`, message: `${key} must be an id` });
        else ctx[key] = id;
      }
      if (raw.fhirContext !== undefined) {
        if (!Array.isArray(raw.fhirContext)) problems.push({ expression: 'params.ctx.fhirContext', message: 'fhirContext must be an array of {reference} objects' });
        else ctx.fhirContext = raw.fhirContext;
      }
      if (raw.need_patient_banner !== undefined) ctx.need_patient_banner = raw.need_patient_banner === true;
    }
    if (problems.length) throw invalidParams(problems);
    return { client: client!, user, iss: params.iss as string | undefined, ctx };
  },
  async handle(ctx, params) {
    const { services } = ctx;
    const client = await services.auth.cache.client(services.db, params.client);
    const launchUri = (client?.resource.smart as { launch_uri?: unknown } | undefined)?.launch_uri;
    if (!client || typeof launchUri !== 'string') throw invalidParams([{ expression: 'params.client', message: 'the Client does not exist or has no smart.launch_uri' }]);
    const launch = newRandomToken();
    await services.db.query(
      `insert into smart_launch (launch_hash, client_id, user_id, context, expires_at) values ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [hashSecret(launch), client.id, params.user ?? null, JSON.stringify(params.ctx), LAUNCH_TTL_SECONDS],
    );
    const uri = new URL(launchUri);
    uri.searchParams.set('iss', params.iss ?? `${services.config.baseUrl}/fhir`);
    uri.searchParams.set('launch', launch);
    return { uri: uri.toString(), launch };
  },
};
