// The worker thread that parses clients' YAML (see parse-yaml.ts). Plain CommonJS, loaded by path,
// so that it runs the same under tsx, jest and the dist/ bundle. Each message is one body; the
// message is { id, text, maxDepth }; the answer { id, value } or { id, error, costly }.
'use strict';
const { parentPort } = require('node:worker_threads');
const YAML = require('yaml');

/**
 * An upper bound of the nesting depth, from the lexer's tokens alone (no recursion): per line,
 * the indentation plus the block indicators (-, ?, :) on it, plus the open flow collections.
 * Every level of nesting needs one of those. Aliases aside: an alias puts its anchored structure
 * wherever it stands, which the tokens do not show; the 100 aliases allowed reach about 1,000
 * levels, which the parser survives, and parse-body.ts checks the value it gets back.
 * Stops counting past `max`.
 */
function depthBound(text, max) {
  let flow = 0;
  let line = 0;
  let lineStart = true;
  let bound = 0;
  for (const token of new YAML.Lexer().lex(text)) {
    if (token === '\n' || token === '\r\n' || token === '\r') {
      line = 0;
      lineStart = true;
      continue;
    }
    if (lineStart && /^ +$/.test(token)) line = token.length;
    // A sequence counts twice: `[a: x]` is a sequence holding a mapping, with no token for it.
    else if (token === '{') flow++;
    else if (token === '[') flow += 2;
    else if (token === '}') flow = Math.max(0, flow - 1);
    else if (token === ']') flow = Math.max(0, flow - 2);
    else if (flow === 0 && (token === '-' || token === '?' || token === ':')) line++;
    lineStart = false;
    bound = Math.max(bound, line + flow);
    if (bound > max) return bound;
  }
  return bound;
}

parentPort.on('message', ({ id, text, maxDepth }) => {
  try {
    // + 1: a block sequence may sit at its parent key's own indentation.
    if (depthBound(text, maxDepth) + 1 > maxDepth) {
      return parentPort.postMessage({ id, error: `The body nests objects and arrays more than ${maxDepth} levels deep`, costly: true });
    }
    const documents = YAML.parseAllDocuments(text, { schema: 'core', uniqueKeys: true });
    if (!Array.isArray(documents) || documents.length !== 1) throw new Error('expected exactly one YAML document');
    const [document] = documents;
    if (document.errors.length) throw new Error(document.errors[0].message.split('\n')[0]);
    parentPort.postMessage({ id, value: document.toJS({ maxAliasCount: 100 }) });
  } catch (error) {
    parentPort.postMessage({ id, error: `Malformed YAML: ${String((error && error.message) || error).split('\n')[0]}` });
  }
});
