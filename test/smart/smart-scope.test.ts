import { describe, expect, it } from '@jest/globals';
import { OAuthError } from '../../src/oauth/oauth-error';
import { loadRegistry } from '../../src/schema/resource-registry';
import {
  isResourceScope,
  parseSmartScope,
  PERMISSION_OF_INTERACTION,
  resourceScopesOf,
  scopesPermitting,
  type Permission,
  type ResourceScope,
} from '../../src/smart/smart-scope';

const { isResourceType } = loadRegistry();
const parse = (raw: string) => parseSmartScope(raw, isResourceType);

function resource(raw: string): ResourceScope {
  const parsed = parse(raw);
  if (parsed.kind !== 'resource') throw new Error(`${raw} parsed as ${parsed.kind}`);
  return parsed.scope;
}

/** The letters of a scope's permissions, in cruds order. */
const letters = (scope: ResourceScope) => [...'cruds'].filter((p) => scope.permissions.has(p as Permission)).join('');

/** The OAuth error parsing `raw` throws, or a failure saying it was accepted. */
function refusal(raw: string): OAuthError {
  try {
    parse(raw);
  } catch (error) {
    return error as OAuthError;
  }
  throw new Error(`'${raw}' was accepted`);
}

function expectInvalidScope(raw: string) {
  const error = refusal(raw);
  expect(error).toBeInstanceOf(OAuthError);
  expect([raw, error.status, error.error]).toEqual([raw, 400, 'invalid_scope']);
  expect(error.description).toContain(raw);
}

describe('SMART resource scopes: the examples of scopes-and-launch-context', () => {
  it.each([
    // Quick Start
    ['patient/*.rs', 'patient', '*', 'rs'],
    ['user/*.cruds', 'user', '*', 'cruds'],
    // Patient-specific scopes
    ['patient/Observation.rs', 'patient', 'Observation', 'rs'],
    ['patient/Patient.r', 'patient', 'Patient', 'r'],
    ['patient/Observation.c', 'patient', 'Observation', 'c'],
    ['patient/*.cruds', 'patient', '*', 'cruds'],
    // User-level scopes
    ['user/Observation.rs', 'user', 'Observation', 'rs'],
    ['user/Appointment.cruds', 'user', 'Appointment', 'cruds'],
    ['user/Patient.rs', 'user', 'Patient', 'rs'],
    // System-level scopes
    ['system/Observation.rs', 'system', 'Observation', 'rs'],
    ['system/*.rs', 'system', '*', 'rs'],
    ['system/Encounter.cud', 'system', 'Encounter', 'cud'],
    // Wildcard scopes
    ['patient/AllergyIntolerance.cruds', 'patient', 'AllergyIntolerance', 'cruds'],
    ['patient/AllergyIntolerance.cud', 'patient', 'AllergyIntolerance', 'cud'],
  ])('%s grants %s-level %s.%s', (raw, context, resourceType, permissions) => {
    const scope = resource(raw);
    expect(scope).toMatchObject({ raw, context, resourceType, version: 2 });
    expect(letters(scope)).toBe(permissions);
    expect(scope.restriction).toBeUndefined();
  });

  it('reads every in-order subset of cruds, and no other string of those letters (exhaustive to length 5)', () => {
    const strings = [''];
    for (let length = 1; length <= 5; length++) for (const prefix of strings.filter((s) => s.length === length - 1)) for (const letter of 'cruds') strings.push(prefix + letter);
    const inOrder = (s: string) => s !== '' && [...s].every((letter, i) => i === 0 || 'cruds'.indexOf(letter) > 'cruds'.indexOf(s[i - 1]!));
    let accepted = 0;
    for (const candidate of strings.slice(1)) {
      const raw = `patient/Observation.${candidate}`;
      if (inOrder(candidate)) {
        expect([raw, letters(resource(raw))]).toEqual([raw, candidate]);
        accepted++;
      } else {
        expectInvalidScope(raw);
      }
    }
    // 2^5 - 1 non-empty subsets.
    expect(accepted).toBe(31);
  });

  it('accepts the three contexts with a type or the wildcard', () => {
    for (const context of ['patient', 'user', 'system'])
      for (const type of ['Observation', 'Patient', '*']) expect(resource(`${context}/${type}.r`)).toMatchObject({ context, resourceType: type });
  });
});

describe('SMART v1 scopes mean their v2 equivalents', () => {
  it.each([
    ['read', 'rs'],
    ['write', 'cud'],
    ['*', 'cruds'],
  ])('.%s ⇒ .%s', (v1, v2) => {
    for (const context of ['patient', 'user', 'system']) {
      const old = resource(`${context}/Observation.${v1}`);
      const granular = resource(`${context}/Observation.${v2}`);
      expect(old.version).toBe(1);
      expect(granular.version).toBe(2);
      expect(old.permissions).toEqual(granular.permissions);
      expect(old).toMatchObject({ context, resourceType: 'Observation', raw: `${context}/Observation.${v1}` });
    }
  });

  it('reads patient/*.read, user/*.* and system/*.write', () => {
    expect(letters(resource('patient/*.read'))).toBe('rs');
    expect(letters(resource('user/*.*'))).toBe('cruds');
    expect(letters(resource('system/*.write'))).toBe('cud');
  });

  it('keeps v1 words whole: .read is r and s, never the letters r, e, a, d', () => {
    expect(resource('patient/Observation.read').permissions.has('d')).toBe(false);
    expect(resource('patient/Observation.write').permissions.has('r')).toBe(false);
  });
});

describe('SMART v2 restrictions (?param=value&…)', () => {
  it('reads the specification example, | and : unencoded', () => {
    const scope = resource('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory');
    expect(scope).toMatchObject({ context: 'patient', resourceType: 'Observation', version: 2 });
    expect(letters(scope)).toBe('rs');
    expect(scope.restriction).toEqual([['category', 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory']]);
  });

  it('keeps several parameters in order, repeated ones included', () => {
    expect(resource('user/Observation.rs?category=laboratory&status=final&code=1234-5&category=vital-signs').restriction).toEqual([
      ['category', 'laboratory'],
      ['status', 'final'],
      ['code', '1234-5'],
      ['category', 'vital-signs'],
    ]);
  });

  it('decodes URL-encoded values as a search query string does', () => {
    expect(resource('patient/Observation.rs?category=http%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fobservation-category%7Claboratory').restriction).toEqual([
      ['category', 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory'],
    ]);
    expect(resource('patient/Condition.rs?code:text=heart%20attack&note=a+b').restriction).toEqual([
      ['code:text', 'heart attack'],
      ['note', 'a b'],
    ]);
    // An encoded & and = are part of the value, not separators.
    expect(resource('patient/Observation.rs?code=a%26b%3Dc&status=final').restriction).toEqual([
      ['code', 'a&b=c'],
      ['status', 'final'],
    ]);
    expect(resource('patient/Observation.rs?date=ge2020-01-01T00:00:00%2B01:00').restriction).toEqual([['date', 'ge2020-01-01T00:00:00+01:00']]);
    expect(resource('patient/Observation.rs?code=%C3%A9').restriction).toEqual([['code', 'é']]);
  });

  it('accepts modifiers, chains and reverse chains in parameter names (experimental in the spec)', () => {
    expect(resource('patient/Observation.rs?code:in=http://valueset.example.org/ValueSet/diabetes-codes').restriction).toEqual([
      ['code:in', 'http://valueset.example.org/ValueSet/diabetes-codes'],
    ]);
    expect(resource('user/Observation.rs?patient.birthdate=1990').restriction).toEqual([['patient.birthdate', '1990']]);
    expect(resource('user/Patient.rs?_has:Observation:patient:code=1234-5').restriction).toEqual([['_has:Observation:patient:code', '1234-5']]);
    expect(resource('user/Patient.rs?_id=p1').restriction).toEqual([['_id', 'p1']]);
  });

  it('restricts r alone, s alone, and the wildcard type', () => {
    expect(letters(resource('patient/Observation.r?status=final'))).toBe('r');
    expect(letters(resource('patient/Observation.s?status=final'))).toBe('s');
    expect(resource('user/*.rs?_security=R')).toMatchObject({ resourceType: '*', restriction: [['_security', 'R']] });
  });

  it('keeps the scope string as given, query included', () => {
    const raw = 'patient/Observation.rs?category=laboratory';
    expect(parse(raw)).toEqual({ kind: 'resource', raw, scope: expect.objectContaining({ raw }) });
  });
});

describe('malformed SMART resource scopes are invalid_scope', () => {
  it.each([
    // Permissions: out of order, repeated, unknown, empty, wrong case, v1 words misspelt.
    'patient/Observation.rc',
    'patient/Observation.dus',
    'patient/Observation.sr',
    'patient/Observation.rr',
    'patient/Observation.crudsc',
    'patient/Observation.x',
    'patient/Observation.rx',
    'patient/Observation.',
    'patient/Observation.R',
    'patient/Observation.RS',
    'patient/Observation.Read',
    'patient/Observation.reads',
    'patient/Observation.readwrite',
    'patient/Observation.**',
    'patient/Observation.rs*',
    // Structure: no permissions, no type, extra dots, extra slashes.
    'patient/Observation',
    'patient/',
    'patient/.rs',
    'patient/*',
    'patient/Observation.rs.rs',
    'patient/Observation..rs',
    'patient/Observation/1.rs',
    'user//Observation.rs',
    // Types: not a resource type of this server, wrong case, a data type, a partial wildcard.
    'patient/Observations.rs',
    'patient/observation.rs',
    'patient/HumanName.rs',
    'patient/Obs*.rs',
    'system/**.rs',
    // Restrictions on c, u or d, or on v1 permissions.
    'patient/Observation.c?category=laboratory',
    'patient/Observation.cr?category=laboratory',
    'patient/Observation.rsu?status=final',
    'patient/Observation.rd?status=final',
    'patient/Observation.cruds?status=final',
    'patient/Observation.read?status=final',
    'patient/Observation.*?status=final',
    // Malformed queries: empty, no value, no name, empty items, bad percent-encoding, bad names.
    'patient/Observation.rs?',
    'patient/Observation.rs?category',
    'patient/Observation.rs?category=',
    'patient/Observation.rs?=laboratory',
    'patient/Observation.rs?category=laboratory&',
    'patient/Observation.rs?&category=laboratory',
    'patient/Observation.rs?category=laboratory&&status=final',
    'patient/Observation.rs?code=%E0%A4%A',
    'patient/Observation.rs?code=%zz',
    'patient/Observation.rs?cat%egory=x',
    'patient/Observation.rs?code:=x',
    'patient/Observation.rs?.code=x',
    'patient/Observation.rs?co de=x',
    'patient/Observation.rs?code;drop=x',
    // A query before the permissions.
    'patient/Observation?category=laboratory.rs',
  ])('%s', (raw) => {
    expectInvalidScope(raw);
  });
});

describe('other scopes', () => {
  it.each(['launch', 'launch/patient', 'launch/encounter', 'openid', 'fhirUser', 'profile', 'offline_access', 'online_access'])('%s is its own kind', (raw) => {
    expect(parse(raw)).toEqual({ kind: raw, raw });
  });

  it.each([
    'email',
    'phone',
    // Launch contexts this server does not name, and extension scopes (§Extensibility).
    'launch/diagnosticreport',
    '__profilePhoto.manage',
    'https://ehr.example.org/scopes/profilePhoto.manage',
    // Not SMART's lower-case contexts, so not resource scopes.
    'Patient/Observation.rs',
    'patients/Observation.rs',
    'patient',
    'OpenID',
    'fhiruser',
  ])('%s is other, not an error', (raw) => {
    expect(parse(raw)).toEqual({ kind: 'other', raw });
  });

  it('tells resource scopes by their context prefix', () => {
    expect(['patient/Observation.rs', 'user/x', 'system/', 'patient/Observation.rc'].map(isResourceScope)).toEqual([true, true, true, true]);
    expect(['launch/patient', 'openid', 'Patient/Observation.rs', 'patient', 'xpatient/Observation.rs', ''].map(isResourceScope)).toEqual([false, false, false, false, false, false]);
  });
});

describe('resourceScopesOf and scopesPermitting', () => {
  const granted = ['launch', 'launch/patient', 'openid', 'fhirUser', 'offline_access', 'patient/*.rs', 'patient/Observation.c', 'user/Encounter.read', 'patient/Observation.rs?category=laboratory', 'email'];

  it('keeps the resource scopes, in order, and ignores the rest', () => {
    expect(resourceScopesOf(granted, isResourceType).map((scope) => scope.raw)).toEqual(['patient/*.rs', 'patient/Observation.c', 'user/Encounter.read', 'patient/Observation.rs?category=laboratory']);
    expect(resourceScopesOf(['openid', 'launch'], isResourceType)).toEqual([]);
  });

  it('throws invalid_scope for a malformed resource scope among them', () => {
    expect(() => resourceScopesOf(['openid', 'patient/Observation.rs', 'patient/Observation.sr'], isResourceType)).toThrow(OAuthError);
    try {
      resourceScopesOf(['patient/Observation.sr'], isResourceType);
    } catch (error) {
      expect((error as OAuthError).error).toBe('invalid_scope');
    }
  });

  it('finds the scopes granting a permission on a type, through the exact type or the wildcard', () => {
    const scopes = resourceScopesOf(granted, isResourceType);
    const raws = (type: string, permission: Permission) => scopesPermitting(scopes, type, permission).map((scope) => scope.raw);
    expect(raws('Observation', 'r')).toEqual(['patient/*.rs', 'patient/Observation.rs?category=laboratory']);
    expect(raws('Observation', 'c')).toEqual(['patient/Observation.c']);
    expect(raws('Patient', 's')).toEqual(['patient/*.rs']);
    expect(raws('Patient', 'c')).toEqual([]);
    expect(raws('Encounter', 's')).toEqual(['patient/*.rs', 'user/Encounter.read']);
    expect(raws('Encounter', 'd')).toEqual([]);
    // Write does not imply read (spec: patient/Observation.c).
    expect(scopesPermitting(resourceScopesOf(['patient/Observation.c'], isResourceType), 'Observation', 'r')).toEqual([]);
  });

  it('does not read `*` in the asked-for type as a wildcard', () => {
    expect(scopesPermitting(resourceScopesOf(['patient/Observation.rs'], isResourceType), '*', 'r')).toEqual([]);
  });
});

describe('the permission of each FHIR interaction', () => {
  it('follows the list of §Scopes for requesting clinical data', () => {
    expect(PERMISSION_OF_INTERACTION).toEqual({
      create: 'c',
      read: 'r',
      vread: 'r',
      'history-instance': 'r',
      update: 'u',
      patch: 'u',
      delete: 'd',
      'search-type': 's',
      'history-type': 's',
      'search-system': 's',
      'history-system': 's',
    });
    // Batch and transaction are checked entry by entry.
    expect(PERMISSION_OF_INTERACTION.transaction).toBeUndefined();
    expect(PERMISSION_OF_INTERACTION.batch).toBeUndefined();
  });
});
