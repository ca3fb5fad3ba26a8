import { toHttpError } from '../http/to-http-error';
import { callRpc } from './call-rpc';
import type { RpcContext } from './rpc-context';
import { toRpcError } from './to-rpc-error';

export interface RpcResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * POST /rpc without the transport: a parsed body → `200 {result}`, or the error's own status with
 * `{error: {code, message}}`. Only an unexpected error is thrown on, to the one renderer (an
 * opaque 500 with the request id, logged once).
 */
export async function handleRpc(ctx: RpcContext, body: unknown): Promise<RpcResponse> {
  try {
    return { status: 200, body: { result: await callRpc(ctx, body) } };
  } catch (error) {
    const known = toHttpError(error);
    if (!known) throw error;
    return { status: known.status, body: toRpcError(known), headers: known.headers };
  }
}
