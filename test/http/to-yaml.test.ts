import { describe, expect, it } from '@jest/globals';
import YAML from 'yaml';
import { toYaml } from '../../src/http/to-yaml';

// The yaml library reads back what toYaml writes: the same data, whatever the strings hold.
const readBack = (value: unknown) => YAML.parse(toYaml(value), { schema: 'core' });

const TRICKY = [
  '', ' ', ' a', 'a ', 'a: b', 'a:b', 'a #b', '#x', '-', '- a', '-a', '? x', '?', ':', 'true', 'True', 'FALSE', 'null', 'Null', '~', 'yes', 'No', 'on', 'OFF', 'y', 'N',
  '1', '-1', '1.5', '.5', '1e3', '0x1F', '0o17', '.inf', '-.Inf', '.nan', 'NaN', 'Infinity', '2020-01-01', '2020-01-01T10:00:00Z', '12:30', '1_000',
  '@x', '`x', '!x', '!!str', '&a', '*a', '|', '>', '%x', '{a}', '[a]', 'a,b', "it's", '"q"', "'q'", 'a\\b', '\n', 'multi\nline', 'trail\n', '\t', 'a\tb', '\r\n',
  '\u0000', '\u0001', '\u007f', '\u0085', '\u0090', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ufffe', '\uffff', 'é', '日本', '😀', 'a/b.c-d_e f', 'http://x/y?z=1#f', '---', '...', '<<',
];

function randomValue(depth: number, random: () => number): unknown {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const kind = depth > 4 ? Math.floor(random() * 4) : Math.floor(random() * 6);
  if (kind === 0) return pick(TRICKY);
  if (kind === 1) return pick([0, -1, 1.5, 1e21, 1e-7, 123456789012345, -0.25, 2 ** 31]);
  if (kind === 2) return pick([true, false]);
  if (kind === 3) return null;
  if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(depth + 1, random));
  return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(TRICKY), randomValue(depth + 1, random)]));
}

describe('YAML responses', () => {
  it('read back as the same data for every awkward string, as a value and as a key', () => {
    for (const text of TRICKY) {
      expect(readBack({ value: text, list: [text], [text]: 1 })).toEqual({ value: text, list: [text], [text]: 1 });
    }
  });

  it('read back as the same data for 2,000 random documents of nested objects, arrays and scalars', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const value = { resourceType: 'Patient', body: randomValue(0, random) };
      expect(readBack(value)).toEqual(JSON.parse(JSON.stringify(value)));
    }
  });

  it('write block style with plain words where they are safe and quotes where they are not', () => {
    expect(toYaml({ resourceType: 'Patient', name: [{ family: 'Smith', given: ['Ann', 'yes'] }], active: true, birthDate: '1980-02-03', extension: [], meta: {} })).toBe(
      ['resourceType: Patient', 'name:', '  - family: Smith', '    given:', '      - Ann', '      - "yes"', 'active: true', 'birthDate: "1980-02-03"', 'extension: []', 'meta: {}', ''].join('\n'),
    );
    expect(toYaml({ a: [[1, [2, 3]], { b: { c: null } }] })).toBe(['a:', '  - - 1', '    - - 2', '      - 3', '  - b:', '      c: null', ''].join('\n'));
  });

  it('treat values as JSON does: a Date as its ISO string, undefined fields left out, undefined in an array as null', () => {
    const value = { at: new Date('2020-01-02T03:04:05.000Z'), gone: undefined, list: [undefined, 1, () => 1], empty: { only: undefined }, items: [{ b: undefined }] };
    expect(readBack(value)).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('write keys over 1,000 characters as explicit keys, which every parser accepts', () => {
    const long = 'k'.repeat(1500);
    const escaped = '\u0001'.repeat(300);
    const value = { [long]: 1, nested: [{ [long]: { [escaped]: [1] } }] };
    expect(toYaml(value)).toContain(`? ${long}\n: 1`);
    expect(readBack(value)).toEqual(value);
  });

  it('write what YAML 1.1 readers would misread in a form they read alike: exponents with a dot, NEL and line separators escaped', () => {
    expect(toYaml({ a: 1e21, b: 5e-324, c: -1e-7 })).toBe('a: 1.0e+21\nb: 5.0e-324\nc: -1.0e-7\n');
    expect(toYaml({ s: 'a\u0085b\u2028c\u2029d' })).toBe('s: "a\\u0085b\\u2028c\\u2029d"\n');
    expect(readBack({ a: 1e21, s: 'a\u0085b\u2028c' })).toEqual({ a: 1e21, s: 'a\u0085b\u2028c' });
  });
});
