import { compileJsonSchema } from '../compile-json-schema';
import { decisionsOf, type PolicyEngine } from '../policy-engine';

/** Allows a request that is valid against the JSON Schema (draft-07) in `schema`. */
export const jsonSchemaEngine: PolicyEngine = {
  name: 'json-schema',
  compile({ config, at, policyId, problems }) {
    const check = compileJsonSchema(config.schema, `${at}.schema`, problems);
    const decide = decisionsOf('json-schema', policyId);
    const allowed = decide.allow('the request is valid against the schema');
    return {
      engine: 'json-schema',
      isAsync: false,
      evaluate(request) {
        const mismatch = check(request);
        return mismatch ? decide.notApplicable(`${mismatch.path}: ${mismatch.reason}`, { mismatch }) : allowed;
      },
    };
  },
};
