-- A sign-in through an IdentityProvider in flight: what /auth/redirect promised the provider, kept
-- here (not in the browser) until /auth/callback consumes it, once, before expires_at. Keyed by the
-- SHA-256 of `state`, so a database read does not yield a usable state. Any server process may
-- receive the callback.
create table if not exists identity_sign_in (
  state_hash text primary key,
  provider_id text not null,
  nonce text not null,
  code_verifier text not null,
  redirect_uri text not null,
  return_to text not null,
  expires_at timestamptz not null
);
create index if not exists identity_sign_in_expires_at on identity_sign_in (expires_at);
