-- The jti of every client assertion (private_key_jwt) accepted, kept until the assertion expires:
-- RFC 7523 §3 item 7 lets us refuse a replayed jti, and OIDC Core §9 says the jti "MUST only be
-- used once". In the database, not in memory, so a replay to another server process is refused too.
create table if not exists client_assertion_jti (
  client_id text not null,
  jti text not null,
  expires_at timestamptz not null,
  primary key (client_id, jti)
);
create index if not exists client_assertion_jti_expires_at on client_assertion_jti (expires_at);
