import { compileRequestPath } from './compile-request-path';
import type { Mismatch } from './decision';
import type { PolicyProblem } from './policy-error';

/**
 * A compiled matcho pattern: checks `value` (with `root`, the whole request, for `.path` strings)
 * and returns undefined on a match or the first mismatch. Allocates only when it fails.
 */
export type Matcher = (value: unknown, root: unknown) => Mismatch | undefined;

/**
 * Compiles a matcho pattern into closures once, so evaluation never parses a pattern or builds a
 * regular expression. Problems (bad regex, unknown `$` key, …) are pushed to `problems` with their
 * expression; the returned matcher is then not meant to be used.
 *
 * Semantics (https://docs.aidbox.app, "Evaluation engines" → Matcho):
 *  - object: the value is an object and every key of the pattern matches (extra keys are fine);
 *  - array: the value is an array and pattern element i matches value element i (extra elements fine);
 *  - `#re`: the value is a string in which `re` finds a match (not anchored unless written so);
 *  - `.a.b`: the value equals that path of the request. Unlike the reference, an absent (or null)
 *    path never matches: `{params: {patient: '.user.data.patient'}}` must not let a user without
 *    `data.patient` through for a request without `patient`;
 *  - `present?` (not null/undefined), `nil?` (null/undefined), `not-blank?` (a string with a
 *    non-space character); other strings, numbers and booleans by equality.
 */
export function compileMatcho(pattern: unknown, expression: string, problems: PolicyProblem[]): Matcher {
  return compileAt(pattern, '', expression, problems);
}

const OPERATORS = new Set(['$enum', '$one-of', '$contains', '$every', '$not', '$reference', '$present-all', '$length']);

function compileAt(pattern: unknown, path: string, expression: string, problems: PolicyProblem[]): Matcher {
  if (typeof pattern === 'string') return compileString(pattern, path, expression, problems);
  if (typeof pattern === 'number' || typeof pattern === 'boolean') {
    return (value) => (value === pattern ? undefined : fail(path, pattern, value, 'not equal'));
  }
  if (Array.isArray(pattern)) return compileArray(pattern, path, expression, problems);
  if (typeof pattern === 'object' && pattern !== null) return compileObject(pattern as Record<string, unknown>, path, expression, problems);
  problems.push({ expression, message: `${pattern === null ? 'null' : typeof pattern} is not a matcho pattern; use 'nil?' to require an absent value` });
  return () => undefined;
}

function compileString(pattern: string, path: string, expression: string, problems: PolicyProblem[]): Matcher {
  switch (pattern) {
    case 'present?':
      return (value) => (value !== undefined && value !== null ? undefined : fail(path, pattern, value, 'absent'));
    case 'nil?':
      return (value) => (value === undefined || value === null ? undefined : fail(path, pattern, value, 'present'));
    case 'not-blank?':
      return (value) => (typeof value === 'string' && value.trim() !== '' ? undefined : fail(path, pattern, value, 'blank or not a string'));
  }
  if (pattern.startsWith('#')) {
    let regex: RegExp;
    try {
      regex = new RegExp(pattern.slice(1));
    } catch (error) {
      problems.push({ expression, message: `'${pattern}' is not a valid regular expression: ${(error as Error).message}` });
      return () => undefined;
    }
    return (value) => (typeof value === 'string' && regex.test(value) ? undefined : fail(path, pattern, value, 'regex does not match'));
  }
  if (pattern.startsWith('.')) {
    let read: (root: unknown) => unknown;
    try {
      read = compileRequestPath(pattern.slice(1));
    } catch (error) {
      problems.push({ expression, message: (error as Error).message });
      return () => undefined;
    }
    return (value, root) => {
      const expected = read(root);
      if (expected === undefined || expected === null) return fail(path, pattern, value, `${pattern} is absent`);
      return isDeepEqual(value, expected) ? undefined : fail(path, pattern, value, `not equal to ${pattern} (${JSON.stringify(expected)})`);
    };
  }
  return (value) => (value === pattern ? undefined : fail(path, pattern, value, 'not equal'));
}

function compileArray(pattern: unknown[], path: string, expression: string, problems: PolicyProblem[]): Matcher {
  const items = pattern.map((item, i) => compileAt(item, `${path}[${i}]`, `${expression}[${i}]`, problems));
  return (value, root) => {
    if (!Array.isArray(value)) return fail(path, pattern, value, 'not an array');
    if (value.length < items.length) return fail(path, pattern, value, `has ${value.length} elements, the pattern ${items.length}`);
    for (let i = 0; i < items.length; i++) {
      const mismatch = items[i](value[i], root);
      if (mismatch) return mismatch;
    }
    return undefined;
  };
}

function compileObject(pattern: Record<string, unknown>, path: string, expression: string, problems: PolicyProblem[]): Matcher {
  const keys = Object.keys(pattern);
  const checks: Matcher[] = [];
  const fields: Array<[string, Matcher]> = [];
  for (const key of keys) {
    const at = `${expression}.${key}`;
    if (key.startsWith('$')) {
      if (!OPERATORS.has(key)) {
        problems.push({ expression: at, message: `'${key}' is not a matcho operator; known are ${[...OPERATORS].join(', ')}` });
        continue;
      }
      if (key === '$one-of' && keys.length > 1) {
        problems.push({ expression: at, message: `'$one-of' cannot stand beside other keys; repeat them inside each alternative` });
        continue;
      }
      checks.push(compileOperator(key, pattern[key], path, at, problems));
    } else {
      fields.push([key, compileAt(pattern[key], path ? `${path}.${key}` : key, at, problems)]);
    }
  }
  if (!fields.length && checks.length === 1) return checks[0];
  return (value, root) => {
    if (fields.length) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(path || '(request)', pattern, value, 'not an object');
      for (const [key, matcher] of fields) {
        const mismatch = matcher(Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined, root);
        if (mismatch) return mismatch;
      }
    }
    for (const check of checks) {
      const mismatch = check(value, root);
      if (mismatch) return mismatch;
    }
    return undefined;
  };
}

function compileOperator(operator: string, argument: unknown, path: string, expression: string, problems: PolicyProblem[]): Matcher {
  const written = { [operator]: argument };
  switch (operator) {
    case '$enum': {
      if (!Array.isArray(argument) || !argument.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) {
        problems.push({ expression, message: `'$enum' takes a list of strings, numbers or booleans` });
        return () => undefined;
      }
      const allowed = new Set<unknown>(argument);
      return (value) => (allowed.has(value) ? undefined : fail(path, written, value, 'not one of the listed values'));
    }
    case '$one-of': {
      if (!Array.isArray(argument) || argument.length === 0) {
        problems.push({ expression, message: `'$one-of' takes a non-empty list of patterns` });
        return () => undefined;
      }
      const alternatives = argument.map((item, i) => compileAt(item, path, `${expression}[${i}]`, problems));
      return (value, root) => {
        const failures: Mismatch[] = [];
        for (const alternative of alternatives) {
          const mismatch = alternative(value, root);
          if (!mismatch) return undefined;
          failures.push(mismatch);
        }
        return { ...fail(path, written, value, 'matches none of the alternatives'), alternatives: failures };
      };
    }
    case '$contains': {
      const item = compileAt(argument, `${path}[]`, expression, problems);
      return (value, root) => {
        if (!Array.isArray(value)) return fail(path, written, value, 'not an array');
        for (const element of value) if (!item(element, root)) return undefined;
        return fail(path, written, value, 'no element matches');
      };
    }
    case '$every': {
      const item = compileAt(argument, `${path}[]`, expression, problems);
      return (value, root) => {
        if (!Array.isArray(value)) return fail(path, written, value, 'not an array');
        for (let i = 0; i < value.length; i++) {
          const mismatch = item(value[i], root);
          if (mismatch) return { ...mismatch, path: mismatch.path.replace(`${path}[]`, `${path}[${i}]`) };
        }
        return undefined;
      };
    }
    case '$not': {
      // Beware: {user: {$not: {data: {role: guest}}}} also matches requests with no user at all.
      const inner = compileAt(argument, path, expression, problems);
      return (value, root) => (inner(value, root) ? undefined : fail(path, written, value, 'matches the negated pattern'));
    }
    case '$reference': {
      const inner = compileAt(argument, path, expression, problems);
      return (value, root) => {
        const reference = toReference(value);
        return reference ? inner(reference, root) : fail(path, written, value, 'not a reference');
      };
    }
    case '$present-all': {
      if (!Array.isArray(argument)) {
        problems.push({ expression, message: `'$present-all' takes a list of patterns` });
        return () => undefined;
      }
      const items = argument.map((item, i) => compileAt(item, `${path}[]`, `${expression}[${i}]`, problems));
      return (value, root) => {
        if (!Array.isArray(value)) return fail(path, written, value, 'not an array');
        for (let i = 0; i < items.length; i++) {
          if (!value.some((element) => !items[i](element, root))) return fail(path, written, value, `no element matches item ${i}`);
        }
        return undefined;
      };
    }
    case '$length': {
      if (!Number.isInteger(argument) || (argument as number) < 0) {
        problems.push({ expression, message: `'$length' takes a non-negative integer` });
        return () => undefined;
      }
      return (value) =>
        Array.isArray(value) && value.length === argument ? undefined : fail(path, written, value, Array.isArray(value) ? `has ${value.length} elements` : 'not an array');
    }
  }
  return () => undefined;
}

/** `'Patient/1'`, `{reference: 'Patient/1'}` or the stored `{resourceType, id}` → `{resourceType, id}`. */
function toReference(value: unknown): { resourceType: string; id: string } | undefined {
  const text = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (value as Record<string, unknown>).reference : undefined;
  if (typeof text === 'string') {
    const match = /(?:^|\/)([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(text);
    return match ? { resourceType: match[1], id: match[2] } : undefined;
  }
  if (typeof value === 'object' && value !== null) {
    const { resourceType, id } = value as Record<string, unknown>;
    if (typeof resourceType === 'string' && typeof id === 'string') return { resourceType, id };
  }
  return undefined;
}

function fail(path: string, expected: unknown, actual: unknown, reason: string): Mismatch {
  return { path: path || '(request)', expected, actual, reason };
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && isDeepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
