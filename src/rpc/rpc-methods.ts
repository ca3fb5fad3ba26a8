import { createPolicyTokenMethod } from './methods/create-policy-token-method';
import { getLaunchUriMethod } from './methods/get-launch-uri-method';
import { testPolicyMethod } from './methods/test-policy-method';
import type { RpcMethod } from './rpc-method';

/** Every rpc method by name. A new method is one file in methods/ and one line here. */
export const RPC_METHODS: ReadonlyMap<string, RpcMethod> = new Map(
  [testPolicyMethod, createPolicyTokenMethod, getLaunchUriMethod].map((method) => [method.name, method as RpcMethod]),
);
