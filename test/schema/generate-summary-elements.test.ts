import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultGeneratedDir } from '../../src/schema/generate-schemas';
import { generateSummaryElements, generateSummaryElementsFile } from '../../src/schema/generate-summary-elements';
import { SUMMARY_ELEMENTS_FILE } from '../../src/schema/summary-elements';

describe('generateSummaryElements', () => {
  const generated = generateSummaryElements();

  it('matches the committed file in schemas/generated (run npm run gen:schemas after changes)', () => {
    expect(readFileSync(join(defaultGeneratedDir, SUMMARY_ELEMENTS_FILE), 'utf8')).toBe(generateSummaryElementsFile());
  });

  it('lists the top-level elements the FHIR definitions flag isSummary, choice elements under each typed name', () => {
    expect(generated.Patient.summary).toEqual(['active', 'address', 'birthDate', 'deceasedBoolean', 'deceasedDateTime', 'gender', 'id', 'identifier', 'implicitRules', 'link', 'managingOrganization', 'meta', 'name', 'telecom']);
    expect(generated.Observation.summary).toContain('valueQuantity');
    expect(generated.Observation.summary).not.toContain('note');
    expect(generated.Observation.mandatory).toEqual(['code', 'status']);
  });

  it('covers every resource type; IAM types flag nothing out, so all their elements are summary ones', () => {
    expect(Object.keys(generated)).toHaveLength(147 + 13);
    expect(generated.User.summary).toEqual(expect.arrayContaining(['id', 'meta', 'userName', 'email']));
    expect(generated.Role.mandatory).toEqual(['name', 'user']);
  });
});
