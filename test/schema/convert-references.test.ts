import { beforeAll, describe, expect, it } from '@jest/globals';
import { toFhirFormat, toStoredFormat } from '../../src/schema/convert-references';
import { loadRegistry, type ResourceRegistry } from '../../src/schema/resource-registry';

let registry: ResourceRegistry;

beforeAll(() => {
  registry = loadRegistry();
});

const patient = {
  resourceType: 'Patient',
  id: 'pat-1',
  contained: [{ resourceType: 'Practitioner', id: 'p1', name: [{ family: 'Contained' }] }],
  identifier: [{ system: 'urn:mrn', value: '7', assigner: { reference: 'Organization/org-9', display: 'Hospital' } }],
  generalPractitioner: [
    { reference: '#p1' },
    { reference: 'Practitioner/pr-7', display: 'Dr Seven' },
    { reference: 'http://example.org/fhir/Practitioner/1' },
    { reference: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0' },
  ],
  managingOrganization: { reference: 'Organization/org-1', type: 'Organization' },
  extension: [
    { url: 'http://example.org/referrer', valueReference: { reference: 'Practitioner/pr-8' } },
    { url: 'http://example.org/nested', extension: [{ url: 'inner', valueReference: { reference: 'Group/g-3' } }] },
  ],
  birthDate: '1970-01-01',
  _birthDate: { extension: [{ url: 'http://example.org/where', valueReference: { reference: 'Location/loc-4' } }] },
};

describe('toStoredFormat', () => {
  it('turns relative references into resourceType + id, keeping display and type', () => {
    const stored = toStoredFormat(patient, registry) as typeof patient;
    expect(stored.generalPractitioner[1]).toEqual({ resourceType: 'Practitioner', id: 'pr-7', display: 'Dr Seven' });
    expect(stored.managingOrganization).toEqual({ resourceType: 'Organization', id: 'org-1', type: 'Organization' });
  });

  it('leaves #contained, absolute URL, urn:uuid and versioned references as they are', () => {
    const stored = toStoredFormat(
      { ...patient, managingOrganization: { reference: 'Organization/1/_history/2' } },
      registry,
    ) as typeof patient;
    expect(stored.generalPractitioner[0]).toEqual({ reference: '#p1' });
    expect(stored.generalPractitioner[2]).toEqual({ reference: 'http://example.org/fhir/Practitioner/1' });
    expect(stored.generalPractitioner[3]).toEqual({ reference: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0' });
    expect(stored.managingOrganization).toEqual({ reference: 'Organization/1/_history/2' });
  });

  it('converts references inside datatypes, extensions, nested extensions and primitive companions', () => {
    const stored = toStoredFormat(patient, registry) as Record<string, any>;
    expect(stored.identifier[0].assigner).toEqual({ resourceType: 'Organization', id: 'org-9', display: 'Hospital' });
    expect(stored.extension[0].valueReference).toEqual({ resourceType: 'Practitioner', id: 'pr-8' });
    expect(stored.extension[1].extension[0].valueReference).toEqual({ resourceType: 'Group', id: 'g-3' });
    expect(stored._birthDate.extension[0].valueReference).toEqual({ resourceType: 'Location', id: 'loc-4' });
  });

  it('never mistakes a contained resource for a reference', () => {
    const stored = toStoredFormat(patient, registry) as typeof patient;
    expect(stored.contained[0]).toEqual({ resourceType: 'Practitioner', id: 'p1', name: [{ family: 'Contained' }] });
    const back = toFhirFormat(stored, registry) as typeof patient;
    expect(back.contained[0]).toEqual({ resourceType: 'Practitioner', id: 'p1', name: [{ family: 'Contained' }] });
  });

  it('converts references inside Bundle.entry.resource and Parameters.parameter.resource', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Observation', status: 'final', code: {}, subject: { reference: 'Patient/1' } } },
        { resource: { resourceType: 'Role', name: 'r', user: { reference: 'User/u1' } } },
      ],
    };
    const stored = toStoredFormat(bundle, registry) as Record<string, any>;
    expect(stored.entry[0].resource.subject).toEqual({ resourceType: 'Patient', id: '1' });
    expect(stored.entry[1].resource.user).toEqual({ resourceType: 'User', id: 'u1' });
    expect(toFhirFormat(stored, registry)).toEqual(bundle);

    const parameters = { resourceType: 'Parameters', parameter: [{ name: 'x', valueReference: { reference: 'Patient/2' }, resource: { resourceType: 'Patient', managingOrganization: { reference: 'Organization/3' } } }] };
    const storedParams = toStoredFormat(parameters, registry) as Record<string, any>;
    expect(storedParams.parameter[0].valueReference).toEqual({ resourceType: 'Patient', id: '2' });
    expect(storedParams.parameter[0].resource.managingOrganization).toEqual({ resourceType: 'Organization', id: '3' });
  });

  it('leaves unknown fields and references to unknown types untouched', () => {
    const input = { resourceType: 'Patient', foo: { reference: 'Patient/1' }, managingOrganization: { reference: 'Spaceship/1' } };
    expect(toStoredFormat(input, registry)).toEqual(input);
  });

  it('does not modify its input', () => {
    const copy = structuredClone(patient);
    toStoredFormat(patient, registry);
    expect(patient).toEqual(copy);
  });
});

describe('round trip', () => {
  it('gives back the input Patient after toStoredFormat then toFhirFormat', () => {
    expect(toFhirFormat(toStoredFormat(patient, registry), registry)).toEqual(patient);
  });

  it('gives back an Observation with subject and performer', () => {
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'weight' },
      subject: { reference: 'Patient/pat-1' },
      performer: [{ reference: 'Practitioner/pr-1' }, { reference: 'Organization/org-1', display: 'Lab' }],
      valueQuantity: { value: 70, unit: 'kg' },
    };
    const stored = toStoredFormat(observation, registry) as Record<string, any>;
    expect(stored.subject).toEqual({ resourceType: 'Patient', id: 'pat-1' });
    expect(stored.performer[1]).toEqual({ resourceType: 'Organization', id: 'org-1', display: 'Lab' });
    expect(toFhirFormat(stored, registry)).toEqual(observation);
  });

  it('converts IAM references both ways', () => {
    const role = { resourceType: 'Role', name: 'doc', user: { reference: 'User/u1' }, links: { practitioner: { reference: 'Practitioner/p' } } };
    const stored = toStoredFormat(role, registry);
    expect(stored).toEqual({ resourceType: 'Role', name: 'doc', user: { resourceType: 'User', id: 'u1' }, links: { practitioner: { resourceType: 'Practitioner', id: 'p' } } });
    expect(toFhirFormat(stored, registry)).toEqual(role);
  });

  it('returns a new top-level object even when nothing changes', () => {
    const input = { resourceType: 'Patient', birthDate: '2000-01-01' };
    const out = toFhirFormat(input, registry);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
  });
});
