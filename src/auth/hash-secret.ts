import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256 hex: what Client.secret and Session tokens are stored as (never the clear value). */
export function hashSecret(value: string): string {
  return hash('sha256', value, 'hex');
}

/**
 * Compares a presented secret with a stored SHA-256 hex in constant time: both sides are hashed
 * to the same length first, so neither the content nor the length of the secret leaks.
 */
export function isSameSecret(presented: string, storedHash: unknown): boolean {
  if (typeof storedHash !== 'string' || storedHash.length !== 64) return false;
  return timingSafeEqual(hash('sha256', presented, 'buffer') as unknown as Buffer, Buffer.from(storedHash, 'hex'));
}

/** An opaque token or generated secret: 256 random bits, base64url (RFC 6749 §10.10). */
export function newRandomToken(): string {
  return randomBytes(32).toString('base64url');
}
