import { beforeAll, describe, expect, it } from '@jest/globals';
import { loadRegistry, type ResourceRegistry } from '../../src/schema/resource-registry';
import { createValidator, type ResourceValidator } from '../../src/schema/validate-resource';

let registry: ResourceRegistry;
let validator: ResourceValidator;

beforeAll(() => {
  registry = loadRegistry();
  validator = createValidator(registry);
});

function issues(resource: Record<string, unknown>) {
  return validator.validate(resource);
}

describe('valid resources', () => {
  it('accepts a Patient with names, telecom, extensions and stored references', () => {
    expect(
      issues({
        resourceType: 'Patient',
        id: 'pat-1',
        meta: { tag: [{ system: 'http://example.org/tags', code: 'vip' }], profile: ['http://example.org/p'] },
        active: true,
        name: [{ use: 'official', family: 'Chalmers', given: ['Peter', 'James'] }],
        _birthDate: { extension: [{ url: 'http://example.org/ext', valueString: 'approx' }] },
        birthDate: '1974-12-25',
        gender: 'male',
        telecom: [{ system: 'phone', value: '555', use: 'home' }],
        generalPractitioner: [{ resourceType: 'Practitioner', id: 'pr1', display: 'Dr X' }],
        managingOrganization: { reference: 'http://example.org/fhir/Organization/1' },
        contained: [{ resourceType: 'Practitioner', id: 'p1', name: [{ family: 'Who' }] }],
        extension: [{ url: 'http://example.org/gp', valueReference: { reference: '#p1' } }],
      }),
    ).toEqual([]);
  });

  it('accepts an Observation with subject, performer and a valueQuantity', () => {
    expect(
      issues({
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
        subject: { resourceType: 'Patient', id: '1' },
        performer: [{ resourceType: 'Practitioner', id: '2' }],
        effectiveDateTime: '2024-01-02T10:00:00Z',
        valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
      }),
    ).toEqual([]);
  });

  it('accepts a Role, a User, a Client, an AccessPolicy and a TokenIntrospector', () => {
    const valid = [
      { resourceType: 'Role', id: 'r1', name: 'doctor', user: { resourceType: 'User', id: 'u1' }, links: { patient: { resourceType: 'Patient', id: 'p' } } },
      {
        resourceType: 'User',
        id: 'u1',
        meta: { tag: [{ code: 't' }] },
        email: 'alice@example.org',
        password: 'plain text until the server hashes it',
        name: { givenName: 'Alice', familyName: 'Smith' },
        emails: [{ value: 'alice@example.org', primary: true }],
        identifier: [{ system: 'urn:ids', value: '1' }],
        fhirUser: { resourceType: 'Practitioner', id: 'pr1' },
        twoFactor: { enabled: true, secretKey: 'abc' },
        data: { anything: { goes: [1, 2] } },
      },
      {
        resourceType: 'Client',
        id: 'app',
        secret: 'verysecret',
        grant_types: ['client_credentials', 'password'],
        auth: { client_credentials: { token_format: 'jwt', access_token_expiration: 3600 }, password: { secret_required: true } },
        jwks: [
          { kid: 'k1', kty: 'RSA', alg: 'RS384', e: 'AQAB', n: 'abc', use: 'sig' },
          { kid: 'k2', kty: 'EC', alg: 'ES256', crv: 'P-256', x: 'xx', y: 'yy', use: 'sig' },
        ],
        'allowed-scopes': [{ resourceType: 'Scope', id: 's1' }],
      },
      {
        resourceType: 'AccessPolicy',
        id: 'allow-all',
        engine: 'matcho',
        matcho: { request: { method: 'GET' } },
        and: [{ engine: 'allow' }, { sql: 'x' }],
        link: [{ resourceType: 'Client', id: 'app' }],
      },
      {
        resourceType: 'TokenIntrospector',
        id: 'ti',
        type: 'jwt',
        jwks_uri: 'https://idp.example.org/jwks',
        jwt: { iss: 'https://idp.example.org', keys: [{ kty: 'OCT', alg: 'HS256', format: 'plain', k: 'secret' }] },
        identity_provider: { resourceType: 'IdentityProvider', id: 'idp' },
      },
    ];
    for (const resource of valid) expect([resource.resourceType, issues(resource)]).toEqual([resource.resourceType, []]);
  });

  it('accepts a Bundle whose entries hold valid resources', () => {
    expect(
      issues({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ fullUrl: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0', resource: { resourceType: 'Patient', gender: 'female' } }],
      }),
    ).toEqual([]);
  });
});

describe('rejections', () => {
  it('rejects an unknown field, naming Patient.foo', () => {
    expect(issues({ resourceType: 'Patient', foo: 1 })).toEqual([{ expression: 'Patient.foo', diagnostics: "Unknown field 'foo'" }]);
  });

  it('rejects an unknown field nested in a backbone element, naming Client.auth.password.nope', () => {
    expect(issues({ resourceType: 'Client', auth: { password: { nope: true } } })).toEqual([
      { expression: 'Client.auth.password.nope', diagnostics: "Unknown field 'nope'" },
    ]);
  });

  it('rejects null values, naming Patient.birthDate and Patient.name[0].given[1]', () => {
    expect(issues({ resourceType: 'Patient', birthDate: null, name: [{ given: ['a', null] }] })).toEqual(
      expect.arrayContaining([
        { expression: 'Patient.birthDate', diagnostics: 'must not be null' },
        { expression: 'Patient.name[0].given[1]', diagnostics: 'must not be null' },
      ]),
    );
    expect(issues({ resourceType: 'Patient', birthDate: null, name: [{ given: ['a', null] }] })).toHaveLength(2);
  });

  it('rejects a wrong primitive type, naming Client.auth.password.secret_required', () => {
    expect(issues({ resourceType: 'Client', auth: { password: { secret_required: 'yes' } } })).toEqual([
      {
        expression: 'Client.auth.password.secret_required',
        diagnostics: "Expected a boolean (true or false), got a string ('yes')",
      },
    ]);
  });

  it('rejects a single value where an array is required, and an array where a single value is required', () => {
    expect(issues({ resourceType: 'Patient', name: { family: 'X' } })).toEqual([
      { expression: 'Patient.name', diagnostics: 'Expected an array (this field repeats), got an object' },
    ]);
    expect(issues({ resourceType: 'Patient', birthDate: ['2000-01-01'] })).toEqual([
      { expression: 'Patient.birthDate', diagnostics: 'Expected a single value, not an array' },
    ]);
  });

  it('rejects malformed FHIR primitives (date, dateTime, id)', () => {
    expect(issues({ resourceType: 'Patient', id: 'not an id', birthDate: '2020-13-01' })).toEqual(
      expect.arrayContaining([
        { expression: 'Patient.birthDate', diagnostics: "Value '2020-13-01' is not a valid date" },
        { expression: 'Patient.id', diagnostics: "Value 'not an id' is not a valid id" },
      ]),
    );
    expect(issues({ resourceType: 'Observation', status: 'final', code: {}, effectiveDateTime: 'yesterday' })).toEqual([
      { expression: 'Observation.effectiveDateTime', diagnostics: "Value 'yesterday' is not a valid dateTime" },
    ]);
  });

  it('rejects an empty string, naming Patient.name[0].family', () => {
    expect(issues({ resourceType: 'Patient', name: [{ family: '' }] })).toEqual([
      { expression: 'Patient.name[0].family', diagnostics: "Value '' is not a valid string (it is empty or contains unusual whitespace)" },
    ]);
  });

  it('rejects a code outside a required FHIR binding, naming Patient.gender', () => {
    expect(issues({ resourceType: 'Patient', gender: 'mal' })).toEqual([
      { expression: 'Patient.gender', diagnostics: "Value 'mal' is not one of: male, female, other, unknown" },
    ]);
  });

  it('rejects a value outside an IAM enum, naming TokenIntrospector.type and Client.grant_types[1]', () => {
    expect(issues({ resourceType: 'TokenIntrospector', type: 'magic' })).toEqual([
      { expression: 'TokenIntrospector.type', diagnostics: "Value 'magic' is not one of: opaque, jwt, aspxauth" },
    ]);
    expect(issues({ resourceType: 'Client', grant_types: ['password', 'telepathy'] })).toEqual([
      {
        expression: 'Client.grant_types[1]',
        diagnostics:
          "Value 'telepathy' is not one of: basic, authorization_code, code, password, client_credentials, implicit, refresh_token, urn:ietf:params:oauth:grant-type:token-exchange",
      },
    ]);
  });

  it('rejects a Role whose user references a Patient, naming Role.user', () => {
    expect(issues({ resourceType: 'Role', name: 'x', user: { resourceType: 'Patient', id: '1' } })).toEqual([
      { expression: 'Role.user', diagnostics: 'Role.user must reference User, not Patient' },
    ]);
  });

  it('checks the type of an unconverted versioned reference but not absolute, urn or # references', () => {
    expect(issues({ resourceType: 'Role', name: 'x', user: { reference: 'Patient/1/_history/2' } })).toEqual([
      { expression: 'Role.user', diagnostics: 'Role.user must reference User, not Patient' },
    ]);
    for (const reference of ['http://example.org/Patient/1', 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0', '#p1']) {
      expect(issues({ resourceType: 'Role', name: 'x', user: { reference } })).toEqual([]);
    }
  });

  it('allows any target type on Reference(Any) and rejects unknown target types', () => {
    expect(issues({ resourceType: 'User', link: [{ link: { resourceType: 'Observation', id: '1' } }] })).toEqual([]);
    expect(issues({ resourceType: 'User', link: [{ link: { resourceType: 'Nope', id: '1' } }] })).toEqual([
      { expression: 'User.link[0].link', diagnostics: "User.link[0].link references unknown resource type 'Nope'" },
    ]);
  });

  it('rejects a Role without user, naming Role.user', () => {
    expect(issues({ resourceType: 'Role', name: 'x' })).toEqual([
      { expression: 'Role.user', diagnostics: "Missing required field 'user'" },
    ]);
  });

  it('requires fields inside a backbone element only when the element is present', () => {
    expect(issues({ resourceType: 'User' })).toEqual([]);
    expect(issues({ resourceType: 'User', twoFactor: { enabled: true } })).toEqual([
      { expression: 'User.twoFactor.secretKey', diagnostics: "Missing required field 'secretKey'" },
    ]);
  });

  it('rejects two values of one choice type, naming Observation.value[x]', () => {
    expect(issues({ resourceType: 'Observation', status: 'final', code: {}, valueString: 'a', valueBoolean: true })).toEqual([
      { expression: 'Observation.value[x]', diagnostics: "Only one of 'valueString', 'valueBoolean' may be given" },
    ]);
  });

  it('rejects an Observation component without its required code, naming Observation.component[0].code', () => {
    const result = issues({ resourceType: 'Observation', status: 'final', code: {}, component: [{ valueString: 'x' }] });
    expect(result).toEqual([{ expression: 'Observation.component[0].code', diagnostics: "Missing required field 'code'" }]);
  });

  it('rejects a missing required choice, naming Task.input[0].value[x]', () => {
    expect(issues({ resourceType: 'Task', status: 'draft', intent: 'order', input: [{ type: { text: 't' } }] })).toEqual([
      {
        expression: 'Task.input[0].value[x]',
        diagnostics: expect.stringMatching(/^Missing required field 'value\[x\]' \(one of valueBase64Binary, /),
      },
    ]);
  });

  it('validates contained resources against their own type', () => {
    expect(issues({ resourceType: 'Patient', contained: [{ resourceType: 'Practitioner', id: 'p1', gender: 'robot' }] })).toEqual([
      {
        expression: 'Patient.contained[0].gender',
        diagnostics: "Value 'robot' is not one of: male, female, other, unknown",
      },
    ]);
    expect(issues({ resourceType: 'Patient', contained: [{ id: 'p1' }] })).toEqual([
      { expression: 'Patient.contained[0].resourceType', diagnostics: "Missing required field 'resourceType'" },
    ]);
  });

  it('validates Bundle.entry.resource and Parameters.parameter.resource against their own type', () => {
    expect(issues({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Role', name: 'r' } }] })).toEqual([
      { expression: 'Bundle.entry[0].resource.user', diagnostics: "Missing required field 'user'" },
    ]);
    expect(issues({ resourceType: 'Parameters', parameter: [{ name: 'p', resource: { resourceType: 'Patient', foo: 1 } }] })).toEqual([
      { expression: 'Parameters.parameter[0].resource.foo', diagnostics: "Unknown field 'foo'" },
    ]);
  });

  it('rejects an unknown resource type and a resourceType that does not match', () => {
    expect(issues({ resourceType: 'Spaceship' })).toEqual([
      { expression: 'resourceType', diagnostics: "Unknown resource type 'Spaceship'" },
    ]);
    expect(issues({ resourceType: 'Patient', contained: [{ resourceType: 'Spaceship' }] })).toEqual([
      { expression: 'Patient.contained[0].resourceType', diagnostics: "Unknown resource type 'Spaceship'" },
    ]);
  });

  it('rejects meta fields other than tag, security and profile on IAM resources', () => {
    expect(issues({ resourceType: 'User', meta: { source: 'x' } })).toEqual([
      { expression: 'User.meta.source', diagnostics: "Unknown field 'source'" },
    ]);
  });

  it('reports every problem at once', () => {
    expect(issues({ resourceType: 'Role', foo: 1, user: { resourceType: 'Patient', id: '1' } })).toHaveLength(3);
  });
});

describe('speed', () => {
  it('validates a resource type for the first time quickly and repeated calls much faster', () => {
    const fresh = createValidator(registry);
    fresh.warmUp();
    const t0 = performance.now();
    expect(fresh.validate({ resourceType: 'Encounter', status: 'planned', class: { code: 'AMB' } })).toEqual([]);
    const first = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < 1000; i++) fresh.validate({ resourceType: 'Encounter', status: 'planned', class: { code: 'AMB' } });
    const repeated = (performance.now() - t1) / 1000;
    expect(first).toBeLessThan(500); // generous for slow CI machines; typically ~40 ms
    expect(repeated).toBeLessThan(1);
  });
});
