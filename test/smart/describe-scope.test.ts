import { describe, expect, it } from '@jest/globals';
import { describeSmartScope } from '../../src/smart/describe-scope';

describe('the consent page words SMART scopes for a person', () => {
  it.each([
    ['patient/Observation.rs', 'Read and search Observation records of the patient'],
    ['patient/*.cruds', 'Create, read, update, delete and search all of the patient’s records'],
    ['user/Patient.read', 'Read and search Patient records you can see'],
    ['patient/Observation.rs?category=laboratory', 'Read and search Observation records of the patient (only where category is laboratory)'],
    ['launch/patient', 'Know which patient’s record it opens'],
  ])('%s', (scope, words) => {
    expect(describeSmartScope(scope)).toBe(words);
  });

  it('leaves other scopes, and malformed ones, to their own titles', () => {
    expect(describeSmartScope('email')).toBeUndefined();
    expect(describeSmartScope('patient/Observation.sr')).toBeUndefined();
  });
});
