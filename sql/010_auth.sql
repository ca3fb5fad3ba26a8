-- Refresh tokens already rotated away. Presenting one again is a replay: the session is revoked
-- (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
create table if not exists used_refresh_token (
  token_hash text primary key,
  session_id text not null,
  used_at timestamptz not null default now()
);

-- Token signing keys, shared by every server process on this database. A retired key still
-- verifies (and stays in the JWKS) until the tokens it signed have expired.
create table if not exists signing_key (
  kid text primary key,
  private_jwk jsonb not null,
  public_jwk jsonb not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz
);
