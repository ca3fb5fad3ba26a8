import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultGeneratedDir, generateSchemaFiles } from '../../src/schema/generate-schemas';

describe('generateSchemaFiles', () => {
  const first = generateSchemaFiles();

  it('is deterministic: two runs give byte-identical files', () => {
    const second = generateSchemaFiles();
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [name, content] of first) expect(second.get(name)).toBe(content);
  });

  it('matches the committed files in schemas/generated (run npm run gen:schemas after changes)', () => {
    if (!existsSync(defaultGeneratedDir)) throw new Error('schemas/generated is missing');
    const committed = readdirSync(defaultGeneratedDir).filter((f) => f.endsWith('.json')).sort();
    expect(committed).toEqual([...first.keys()]);
    const stale = committed.filter((f) => readFileSync(join(defaultGeneratedDir, f), 'utf8') !== first.get(f));
    expect(stale).toEqual([]);
  });

  it('writes one schema per resource type plus the shared datatypes and the type map', () => {
    expect(first.has('datatypes.schema.json')).toBe(true);
    expect(first.has('types.json')).toBe(true);
    expect(first.has('Patient.schema.json')).toBe(true);
    expect(first.has('User.schema.json')).toBe(true);
    expect(first.has('Resource.schema.json')).toBe(false);
    expect(first.has('DomainResource.schema.json')).toBe(false);
    expect(first.size).toBe(147 + 13 + 2);
  });

  it('keeps type schemas small by referring to shared datatypes', () => {
    const patient = JSON.parse(first.get('Patient.schema.json')!);
    expect(patient.properties.name).toEqual({
      type: 'array',
      minItems: 1,
      items: { $ref: 'datatypes.schema.json#/definitions/HumanName' },
    });
    for (const content of first.values()) expect(content.endsWith('}\n')).toBe(true);
  });
});
