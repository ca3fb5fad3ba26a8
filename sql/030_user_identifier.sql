-- A foreign identity (IdentityProvider.system + the provider's `sub`) belongs to at most one User.
-- Just-in-time creation inserts the row here with ON CONFLICT DO NOTHING in the transaction that
-- inserts the User, so ten simultaneous first requests create exactly one User: the primary key
-- decides, not timing. (An identifier array cannot carry a unique expression index per element.)
create table if not exists user_identity (
  system text not null,
  value text not null,
  user_id text not null,
  primary key (system, value)
);

-- Finding the User of a foreign token is one index lookup: `resource->'identifier' @> [{system, value}]`.
create index if not exists user_identifier on "user" using gin ((resource->'identifier') jsonb_path_ops);

-- A change to a TokenIntrospector or an IdentityProvider, by any process, is announced at commit:
-- every server process reloads its introspectors (src/identity/create-foreign-token-verifier.ts).
create or replace trigger tokenintrospector_changed after insert or update or delete on tokenintrospector
  for each row execute function lockbox_row_changed('lockbox_introspectors_changed');
create or replace trigger identityprovider_changed after insert or update or delete on identityprovider
  for each row execute function lockbox_row_changed('lockbox_introspectors_changed');
