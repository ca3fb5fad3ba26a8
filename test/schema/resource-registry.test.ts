import { describe, expect, it } from '@jest/globals';
import { loadRegistry } from '../../src/schema/resource-registry';

describe('loadRegistry', () => {
  const registry = loadRegistry();

  it('knows all FHIR R4 resource types and the 13 IAM types, sorted', () => {
    expect(registry.resourceTypes).toEqual([...registry.resourceTypes].sort());
    expect(registry.resourceTypes.filter((t) => registry.kindOf(t) === 'iam')).toEqual([
      'AccessPolicy', 'AuthConfig', 'Client', 'Grant', 'IdentityProvider', 'Notification', 'NotificationTemplate',
      'Registration', 'Role', 'Scope', 'Session', 'TokenIntrospector', 'User',
    ]);
    expect(registry.resourceTypes.filter((t) => registry.kindOf(t) === 'fhir')).toHaveLength(147);
  });

  it('tells resource types from datatypes and abstract bases', () => {
    expect(registry.isResourceType('Patient')).toBe(true);
    expect(registry.kindOf('Patient')).toBe('fhir');
    expect(registry.kindOf('User')).toBe('iam');
    for (const name of ['HumanName', 'Resource', 'DomainResource', 'Nope', 'toString', '__proto__']) {
      expect(registry.isResourceType(name)).toBe(false);
      expect(registry.kindOf(name)).toBeUndefined();
    }
  });

  it('exposes the type map with reference and embedded resource positions', () => {
    const { complex } = registry.typeMap;
    expect(complex.Patient.generalPractitioner).toEqual({ type: 'Reference', array: true });
    expect(complex.Patient.contact).toEqual({ type: 'Patient.contact', array: true });
    expect(complex.Patient.contained).toEqual({ type: 'Resource', array: true });
    expect(complex['Bundle.entry'].resource).toEqual({ type: 'Resource', array: false });
    expect(complex.Identifier.assigner).toEqual({ type: 'Reference', array: false });
    expect(complex.Extension.valueReference).toEqual({ type: 'Reference', array: false });
    expect(complex.Role.user).toEqual({ type: 'Reference', array: false });
    expect(complex['Client.auth.password'].secret_required).toEqual({ type: 'boolean', array: false });
    expect(complex['Questionnaire.item'].item).toEqual({ type: 'Questionnaire.item', array: true });
  });
});
