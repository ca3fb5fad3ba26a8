import { isResourceScope, parseSmartScope } from './smart-scope';

const VERBS: Record<string, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/** "read, search and update" */
function list(words: string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}` : words[0];
}

/** What a SMART scope lets an app do, in words a person reads on the consent page; undefined for other scopes. */
export function describeSmartScope(raw: string): string | undefined {
  switch (raw) {
    case 'launch':
      return 'Know where in the health record it was opened from';
    case 'launch/patient':
      return 'Know which patient’s record it opens';
    case 'launch/encounter':
      return 'Know which visit it opens';
    case 'fhirUser':
      return 'Know who you are in the health record';
    case 'online_access':
      return 'Keep access while you stay signed in';
  }
  if (!isResourceScope(raw)) return undefined;
  let parsed;
  try {
    parsed = parseSmartScope(raw, () => true);
  } catch {
    return undefined;
  }
  if (parsed.kind !== 'resource') return undefined;
  const { scope } = parsed;
  const verbs = list(['c', 'r', 'u', 'd', 's'].filter((p) => scope.permissions.has(p as never)).map((p) => VERBS[p]));
  const what = scope.resourceType === '*' ? 'all' : `${scope.resourceType}`;
  const whose = scope.context === 'patient' ? (scope.resourceType === '*' ? 'of the patient’s records' : 'records of the patient') : scope.context === 'user' ? (scope.resourceType === '*' ? 'records you can see' : 'records you can see') : 'records of everyone';
  const limited = scope.restriction?.length ? ` (only where ${scope.restriction.map(([name, value]) => `${name} is ${value}`).join(', ')})` : '';
  const sentence = `${verbs} ${what} ${whose}${limited}`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
