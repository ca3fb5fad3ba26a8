import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Mismatch } from './decision';
import type { PolicyProblem } from './policy-error';

// ajv is CommonJS; depending on the loader the class is the module itself or its `default`.
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as typeof AjvModule;
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

/**
 * One draft-07 instance for every policy (the reference's json-schema engine is draft-07). Compiled
 * schemas are removed from its cache right away: the validate function keeps working, and policies
 * that are replaced do not pile up; addUsedSchema: false lets two policies use the same `$id`.
 */
const ajv = new Ajv({ strict: false, allErrors: false, verbose: true, addUsedSchema: false });
addFormats(ajv);

/** Returns undefined when the request is valid, else the first error as a mismatch. */
export type SchemaCheck = (request: unknown) => Mismatch | undefined;

export function compileJsonSchema(schema: unknown, expression: string, problems: PolicyProblem[]): SchemaCheck {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    problems.push({ expression, message: 'the json-schema engine needs a JSON Schema object in schema' });
    return () => undefined;
  }
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    problems.push({ expression, message: `the schema does not compile as JSON Schema draft-07: ${(error as Error).message}` });
    return () => undefined;
  } finally {
    ajv.removeSchema(schema);
  }
  return (request) => {
    if (validate(request)) return undefined;
    const [error] = validate.errors ?? [];
    const path = (error?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.').replace(/~1/g, '/').replace(/~0/g, '~');
    return { path: path || '(request)', expected: error?.schemaPath, actual: error?.data, reason: error?.message ?? 'does not match the schema' };
  };
}
