import type { TypeMap } from '../schema/type-map';
import type { PathStep, SearchPath } from './search-parameter';

/** An expression (or one `|` branch of it) that has no faithful JSON-path translation. */
export class UntranslatableExpression extends Error {}

/** Splits on `sep` outside parentheses and quotes. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(start, i).trim());
      start = i + sep.length;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

const capitalize = (name: string) => name[0].toUpperCase() + name.slice(1);
const IDENTIFIER = /^[A-Za-z_][\w-]*$/;

interface Partial {
  steps: PathStep[];
  /** The complex type the path is in, or the primitive type at its end. */
  type: string;
  /** A choice element (`value[x]`) waiting for `as(T)`. */
  choice?: string;
  target?: string;
}

function choiceVariants(typeMap: TypeMap, type: string, name: string): string[] {
  const fields = typeMap.complex[type] ?? {};
  return Object.keys(fields).filter((field) => field.startsWith(name) && /^[A-Z]/.test(field.slice(name.length))).sort();
}

function stepInto(typeMap: TypeMap, path: Partial, field: string): Partial {
  const def = typeMap.complex[path.type]?.[field];
  if (!def) throw new UntranslatableExpression(`${path.type} has no element '${field}'`);
  return { steps: [...path.steps, { field, array: def.array }], type: def.type, target: path.target };
}

/** Applies one dotted segment to every path so far (a choice element without `as` fans out). */
function applySegment(typeMap: TypeMap, paths: Partial[], segment: string): Partial[] {
  const call = /^(\w+)\((.*)\)$/.exec(segment);
  if (!call) {
    if (!IDENTIFIER.test(segment)) throw new UntranslatableExpression(`'${segment}' is not an element name`);
    return paths.flatMap((path) => {
      if (path.choice) throw new UntranslatableExpression(`'${path.choice}' is a choice element without a type`);
      if (typeMap.complex[path.type]?.[segment]) return [stepInto(typeMap, path, segment)];
      const variants = choiceVariants(typeMap, path.type, segment);
      if (!variants.length) throw new UntranslatableExpression(`${path.type} has no element '${segment}'`);
      return [{ ...path, choice: segment }];
    });
  }
  const [, fn, arg] = call;
  if (fn === 'as' || fn === 'ofType') {
    if (!IDENTIFIER.test(arg)) throw new UntranslatableExpression(`${fn}(${arg}) names no type`);
    return paths.map((path) => {
      if (!path.choice) {
        if (path.type.toLowerCase() === arg.toLowerCase()) return path;
        throw new UntranslatableExpression(`${fn}(${arg}) on a non-choice element`);
      }
      const { choice, ...rest } = path;
      return stepInto(typeMap, rest, `${choice}${capitalize(arg)}`);
    });
  }
  if (fn === 'where') {
    const resolveIs = /^resolve\(\)\s+is\s+(\w+)$/.exec(arg.trim());
    if (resolveIs) return paths.map((path) => ({ ...path, target: resolveIs[1] }));
    const equals = /^([A-Za-z_]\w*)\s*=\s*'([^'\\]*)'$/.exec(arg.trim());
    if (equals) {
      return paths.map((path) => {
        const last = path.steps[path.steps.length - 1];
        if (!last || !typeMap.complex[path.type]?.[equals[1]]) throw new UntranslatableExpression(`where(${arg}) on ${path.type}`);
        const steps = [...path.steps.slice(0, -1), { ...last, where: { ...last.where, [equals[1]]: equals[2] } }];
        return { ...path, steps };
      });
    }
  }
  throw new UntranslatableExpression(`the function ${fn}(${arg}) is not supported`);
}

/** A choice element left open at the end (`Observation.effective`) stands for all its variants. */
function closeChoices(typeMap: TypeMap, paths: Partial[]): Partial[] {
  return paths.flatMap((path) => {
    if (!path.choice) return [path];
    const { choice, ...rest } = path;
    return choiceVariants(typeMap, path.type, choice).map((variant) => stepInto(typeMap, rest, variant));
  });
}

/**
 * Translates the branches of a FHIRPath expression that apply to resourceType into JSON paths.
 * Understood: dotted element paths, `(X as T)`, `X.as(T)`, `X.ofType(T)`, `.where(resolve() is T)`,
 * `.where(field='literal')`, and `|` unions. Anything else throws UntranslatableExpression.
 */
export function translateExpression(typeMap: TypeMap, resourceType: string, expression: string): SearchPath[] {
  const roots = new Set([resourceType, 'Resource', 'DomainResource']);
  const result: SearchPath[] = [];
  for (let branch of splitTopLevel(expression, '|')) {
    const asForm = /^\((.+)\s+as\s+(\w+)\)(.*)$/.exec(branch);
    if (asForm) branch = `${asForm[1]}.as(${asForm[2]})${asForm[3]}`;
    else if (branch.startsWith('(') && branch.endsWith(')')) branch = branch.slice(1, -1).trim();
    const [root, ...segments] = splitTopLevel(branch, '.');
    if (!roots.has(root)) {
      if (/^[A-Z]\w*$/.test(root)) continue; // a branch for another resource type
      throw new UntranslatableExpression(`'${branch}' does not start with a resource type`);
    }
    if (!segments.length) throw new UntranslatableExpression(`'${branch}' selects the whole resource`);
    let paths: Partial[] = [{ steps: [], type: resourceType }];
    for (const segment of segments) paths = applySegment(typeMap, paths, segment);
    for (const path of closeChoices(typeMap, paths)) {
      result.push({ steps: path.steps, valueType: path.type, ...(path.target ? { target: path.target } : {}) });
    }
  }
  if (!result.length) throw new UntranslatableExpression(`the expression has no branch for ${resourceType}`);
  return result;
}
