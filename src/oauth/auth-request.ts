import type { Services } from '../interactions/interaction-context';

/** A request to an /auth endpoint as the endpoints see it: no Express, no sockets. */
export interface AuthRequest {
  services: Services;
  method: string;
  /** Body (form or JSON) and query parameters, each given once. */
  params: Record<string, string>;
  /** Lowercased header names. */
  headers: Record<string, string | undefined>;
  /** The client's network address, for throttling. */
  address?: string;
}

export interface AuthResponse {
  status: number;
  /** JSON unless `html` is set. */
  body?: unknown;
  html?: string;
  headers?: Record<string, string>;
}

/** RFC 6749 §5.1: token responses and errors must never be cached. */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;
