import { describe, expect, it } from '@jest/globals';
import { negotiateFormat, prefersPlainJson } from '../../src/http/negotiate-format';

const refused = (accept: string) => {
  try {
    negotiateFormat(undefined, accept);
    return false;
  } catch (error) {
    return (error as { status?: number }).status === 406;
  }
};

describe('choosing JSON or YAML from Accept', () => {
  it.each([
    ['', 'json'],
    ['*/*', 'json'],
    ['application/json, text/plain, */*', 'json'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'json'],
    ['application/fhir+json;q=1.0, application/json+fhir;q=0.9', 'json'],
    ['APPLICATION/JSON; charset=utf-8', 'json'],
    ['*; q=.2, */*; q=.2', 'json'],
    ['application/json, text/yaml', 'json'],
    ['text/yaml', 'yaml'],
    ['text/yaml, application/json', 'yaml'],
    ['application/json;q=0.5, application/yaml', 'yaml'],
    ['application/json;q=0, text/yaml', 'yaml'],
    ['text/*', 'yaml'],
    ['text/yaml;q=0, application/json', 'json'],
    ['application/yaml;q=0, */*', 'json'],
    ['application/yaml-foo, application/json', 'json'],
  ])('Accept %j gets %s', (accept, format) => {
    expect(negotiateFormat(undefined, accept)).toBe(format);
  });

  it.each([
    'application/fhir+xml',
    'application/xml, text/xml',
    'text/plain',
    'application/ld+json',
    'application/json;q=0',
    'application/json;q=0.000, text/yaml;q=0',
    'application/json;q=0, */*;q=0',
    'application/fhir+json;q=0, application/*;q=0',
  ])('Accept %j gets 406', (accept) => {
    expect(refused(accept)).toBe(true);
  });

  it('lets the more specific range win: a refused JSON type is refused even under */*', () => {
    expect(refused('application/json;q=0, application/fhir+json;q=0, application/json+fhir;q=0, */*')).toBe(false);
    expect(negotiateFormat(undefined, 'application/json;q=0, application/fhir+json;q=0, application/json+fhir;q=0, */*')).toBe('yaml');
  });

  it('lets ?_format win over Accept', () => {
    expect(negotiateFormat('yaml', 'application/json')).toBe('yaml');
    expect(negotiateFormat('json', 'application/fhir+xml')).toBe('json');
  });
});

describe('labelling FHIR JSON as application/json', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['application/*', false],
    ['application/fhir+json', false],
    ['application/json+fhir', false],
    ['application/json', true],
    ['APPLICATION/JSON; charset=utf-8', true],
    ['application/json, text/plain, */*', true],
    ['application/json, application/fhir+json', true],
    ['application/fhir+json, application/json', false],
    ['application/json;q=0.5, application/fhir+json', false],
    ['application/json, application/fhir+json;q=0.9', true],
    ['application/json;q=0.5, */*', false],
    ['application/json;q=0, */*', false],
    ['text/yaml, application/json', true],
  ])('Accept %j: %s', (accept, plain) => {
    expect(prefersPlainJson(undefined, accept)).toBe(plain);
  });

  it('follows ?_format over Accept: only _format=application/json asks for it', () => {
    expect(prefersPlainJson('application/json', 'application/fhir+json')).toBe(true);
    expect(prefersPlainJson('json', 'application/json')).toBe(false);
    expect(prefersPlainJson('application/fhir+json', 'application/json')).toBe(false);
  });
});
