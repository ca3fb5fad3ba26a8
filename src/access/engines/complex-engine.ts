import type { Decision } from '../decision';
import { decisionsOf, unusableRule, type PolicyEngine, type Rule } from '../policy-engine';

/**
 * Combines rules, each with its own engine, under `and` or `or` (one of them per level; nest a
 * complex rule to combine both).
 * `and`: rules run in order and stop at the first that does not allow; allows when all allow.
 * `or`: rules run in order and stop at the first that allows; does not apply when none allows.
 * Either way the result is the effect of the last rule that ran, and `results` lists the rules that
 * ran (the short-circuited ones are absent). A rule that errors (sql) counts as not allowing.
 */
export const complexEngine: PolicyEngine = {
  name: 'complex',
  compile({ config, at, policyId, problems, compileRule }) {
    if (config.and !== undefined && config.or !== undefined) {
      problems.push({ expression: at, message: 'the complex engine takes and or or at one level, not both; nest a complex rule to combine them' });
      return unusableRule('complex', policyId);
    }
    const kind = config.and !== undefined ? 'and' : 'or';
    const list = config[kind];
    if (!Array.isArray(list) || list.length === 0) {
      if (config.and === undefined && config.or === undefined) problems.push({ expression: at, message: 'the complex engine needs an and or an or list of rules' });
      else problems.push({ expression: `${at}.${kind}`, message: `${kind} must be a non-empty list of rules` });
      return unusableRule('complex', policyId);
    }
    const compiled: Rule[] = [];
    list.forEach((item, i) => {
      const expression = `${at}.${kind}[${i}]`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) problems.push({ expression, message: 'each rule is an object with its own engine' });
      else compiled.push(compileRule(item as Record<string, unknown>, expression));
    });
    const stopAt = kind === 'and' ? 'not-applicable' : 'allow';
    const decide = decisionsOf('complex', policyId);
    const conclude = (results: Decision[]): Decision => {
      const last = results[results.length - 1];
      const index = results.length - 1;
      const message =
        kind === 'and'
          ? last.effect === 'allow' ? `all ${compiled.length} rules allow` : `rule ${index} does not allow`
          : last.effect === 'allow' ? `rule ${index} allows` : `none of the ${compiled.length} rules allows`;
      return last.effect === 'allow' ? decide.allow(message, { results }) : decide.notApplicable(message, { results });
    };
    const isAsync = compiled.some((rule) => rule.isAsync);
    if (!isAsync) {
      return {
        engine: 'complex',
        isAsync,
        evaluate(request, runtime) {
          const results: Decision[] = [];
          for (const rule of compiled) {
            const result = rule.evaluate(request, runtime) as Decision;
            results.push(result);
            if (result.effect === stopAt) break;
          }
          return conclude(results);
        },
      };
    }
    return {
      engine: 'complex',
      isAsync,
      async evaluate(request, runtime) {
        const results: Decision[] = [];
        for (const rule of compiled) {
          const result = await rule.evaluate(request, runtime);
          results.push(result);
          if (result.effect === stopAt) break;
        }
        return conclude(results);
      },
    };
  },
};
