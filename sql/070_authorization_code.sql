-- An authorization code issued by /auth/authorize and not yet expired (RFC 6749 §4.1.2): keyed by
-- the SHA-256 of the code, so a read of this table yields no usable code. Everything the token
-- request must match is bound here. `used_at` makes the code single use; the row outlives its use
-- until it expires, so a second presentation is recognised as one and revokes `session_id`, the
-- Session issued from it (§4.1.2 "SHOULD revoke … all tokens previously issued based on that code").
create table if not exists authorization_code (
  code_hash text primary key,
  session_id text not null,
  client_id text not null,
  user_id text not null,
  redirect_uri text not null,
  redirect_uri_sent boolean not null,
  code_challenge text,
  nonce text,
  scope text[] not null,
  audience text,
  parent_session text,
  auth_time bigint not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index if not exists authorization_code_expires_at on authorization_code (expires_at);

-- Consent is looked up per client and person on every authorization request.
create index if not exists grant_client_user on "grant" ((resource#>>'{client,id}'), (resource#>>'{user,id}'));
-- The account page lists a person's Grants.
create index if not exists grant_user on "grant" ((resource#>>'{user,id}'));
