import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { csrfToken } from '../pages/csrf';
import { loadTheme } from '../pages/load-theme';
import { pageHeaders } from '../pages/page-headers';
import { renderLaunchPickerPage } from '../pages/launch-picker-page';
import { REQUEST_PARAMS, type AuthorizationRequest } from '../oauth/authorization-request';
import { clientName } from '../oauth/client-name';
import type { BrowserSession } from '../oauth/find-browser-session';
import { OAuthError } from '../oauth/oauth-error';
import { loadEhrLaunch, type LaunchContext } from './launch-context';

export interface ResolvedLaunch {
  context: LaunchContext | undefined;
  /** The EHR launch to spend with the code. */
  ehrLaunchHash?: string;
}

/**
 * SMART launch context. An EHR launch brings its own (`launch`, from aidbox.smart/get-launch-uri).
 * A standalone launch asking launch/patient gets the person's own Patient (User.fhirUser), or the
 * patient they choose on the picker among those they may read; launch/encounter then one of that
 * patient's encounters. Every choice is checked again, as the person, when it is posted.
 */
export async function resolveLaunch(
  ctx: RequestContext, req: ResourceRequest, request: AuthorizationRequest, person: BrowserSession, scope: string[], params: Record<string, string>,
): Promise<ResolvedLaunch | ResourceResponse> {
  if (request.launch !== undefined) {
    const launch = await loadEhrLaunch(ctx.services.db, request.launch, request.client.id, person.user.id);
    return { context: { need_patient_banner: true, ...launch.context }, ehrLaunchHash: launch.hash };
  }
  const wantsEncounter = scope.includes('launch/encounter');
  if (!scope.includes('launch/patient') && !wantsEncounter) return { context: undefined };
  const posted = req.method === 'POST' ? params.decision : undefined;
  const picker = (kind: 'patient' | 'encounter', extra: Record<string, string>, error?: string) => {
    if (!error && request.prompt.has('none')) throw new OAuthError(400, 'interaction_required', `A ${kind} must be chosen`);
    return launchPicker(ctx, req, request, person, params, kind, extra, error);
  };

  let patient: string;
  let banner: boolean;
  const fhirUser = person.user.resource.fhirUser as { id?: string; resourceType?: string } | undefined;
  if (fhirUser?.resourceType === 'Patient' && fhirUser.id) {
    patient = fhirUser.id;
    banner = false;
  } else if ((posted === 'patient' || posted === 'encounter') && params.patient) {
    if (!(await mayRead(ctx, person, `Patient/${params.patient}`))) return picker('patient', {}, 'You cannot open that patient; choose another.');
    patient = params.patient;
    banner = true;
  } else {
    return picker('patient', {});
  }
  if (!wantsEncounter) return { context: { patient, need_patient_banner: banner } };

  const ofPatient = { patient };
  if (posted === 'encounter' && params.encounter) {
    if (!ID.test(params.encounter) || !(await mayRead(ctx, person, `Encounter?_id=${params.encounter}&patient=Patient/${patient}`))) {
      return picker('encounter', ofPatient, 'You cannot open that visit; choose another.');
    }
    return { context: { patient, encounter: params.encounter, need_patient_banner: banner } };
  }
  return picker('encounter', ofPatient);
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** A person's own view of the server: requests dispatched through the pipeline as them, AccessPolicies and all. */
function asPerson(ctx: RequestContext, person: BrowserSession): RequestContext {
  return { ...ctx, auth: { user: person.user, session: { id: person.id, resource: {} }, method: 'cookie', scope: [] } };
}

/** Whether the person may read this (a read, or a search that must find exactly one). */
async function mayRead(ctx: RequestContext, person: BrowserSession, url: string): Promise<boolean> {
  const id = url.startsWith('Patient/') ? url.slice('Patient/'.length) : undefined;
  if (id !== undefined && !ID.test(id)) return false;
  try {
    const response = await ctx.dispatch(asPerson(ctx, person), { method: 'GET', url, headers: {}, body: undefined });
    if (response.status !== 200) return false;
    const body = response.body as { resourceType?: string; entry?: unknown[] } | undefined;
    return body?.resourceType !== 'Bundle' || body.entry?.length === 1;
  } catch {
    return false;
  }
}

function patientLabel(resource: Record<string, unknown>, id: string): string {
  const name = (Array.isArray(resource.name) ? resource.name[0] : undefined) as { text?: string; given?: string[]; family?: string } | undefined;
  const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
  const born = typeof resource.birthDate === 'string' ? ` (born ${resource.birthDate})` : '';
  return `${text || `Patient ${id}`}${born}`;
}

function encounterLabel(resource: Record<string, unknown>, id: string): string {
  const type = (Array.isArray(resource.type) ? resource.type[0] : undefined) as { text?: string; coding?: Array<{ display?: string }> } | undefined;
  const what = type?.text ?? type?.coding?.[0]?.display ?? `Encounter ${id}`;
  const start = (resource.period as { start?: string } | undefined)?.start;
  return `${what}${start ? ` (${start.slice(0, 10)})` : ''}`;
}

async function launchPicker(
  ctx: RequestContext, req: ResourceRequest, request: AuthorizationRequest, person: BrowserSession, params: Record<string, string>,
  kind: 'patient' | 'encounter', extra: Record<string, string>, error?: string,
): Promise<ResourceResponse> {
  const { db, config } = ctx.services;
  const url = kind === 'patient' ? 'Patient?_count=50&_sort=name' : `Encounter?patient=Patient/${extra.patient}&_count=50&_sort=-date`;
  let choices: Array<{ id: string; label: string }> = [];
  try {
    const response = await ctx.dispatch(asPerson(ctx, person), { method: 'GET', url, headers: {}, body: undefined });
    const entries = (response.body as { entry?: Array<{ resource: Record<string, unknown> }> } | undefined)?.entry ?? [];
    choices = entries.map(({ resource }) => {
      const id = String(resource.id);
      return { id, label: kind === 'patient' ? patientLabel(resource, id) : encounterLabel(resource, id) };
    });
  } catch {
    // A person who may search none sees an empty list: the picker says so.
  }
  const theme = await loadTheme(db);
  const csrf = csrfToken(req.headers.cookie, config.baseUrl.startsWith('https:'));
  const hidden: Record<string, string> = {};
  for (const name of REQUEST_PARAMS) if (params[name] !== undefined) hidden[name] = params[name];
  Object.assign(hidden, extra);
  const html = renderLaunchPickerPage({ kind, theme, csrf: csrf.token, clientName: clientName(request.client), hidden, choices, error });
  return { status: error ? 403 : 200, html, headers: pageHeaders(theme, { formTargets: [request.redirectUri] }), cookies: csrf.cookie ? [csrf.cookie] : undefined };
}
