import { allowEngine } from './engines/allow-engine';
import { allowRpcEngine } from './engines/allow-rpc-engine';
import { complexEngine } from './engines/complex-engine';
import { jsonSchemaEngine } from './engines/json-schema-engine';
import { matchoEngine } from './engines/matcho-engine';
import { matchoRpcEngine } from './engines/matcho-rpc-engine';
import { signedRpcEngine } from './engines/signed-rpc-engine';
import { smartOnFhirEngine } from './engines/smart-on-fhir-engine';
import { sqlEngine } from './engines/sql-engine';
import type { PolicyEngine } from './policy-engine';

/** Every AccessPolicy engine by its `engine` name. A new engine is one file and one line here. */
export const POLICY_ENGINES: ReadonlyMap<string, PolicyEngine> = new Map(
  [
    allowEngine,
    matchoEngine,
    jsonSchemaEngine,
    sqlEngine,
    complexEngine,
    allowRpcEngine,
    matchoRpcEngine,
    signedRpcEngine,
    smartOnFhirEngine,
  ].map((engine) => [engine.name, engine]),
);
