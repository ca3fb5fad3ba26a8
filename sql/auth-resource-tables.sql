-- Indexes and triggers on the User, Client and Session resource tables. Applied at every start by
-- ensureAuthSchema, recorded once per version of this file, so a change to it is applied on the next start.
-- User names are unique regardless of case; a clash is a 23505, rendered as 409.
create unique index if not exists user_username_lower on "user" (lower(resource->>'userName'));
-- Login by e-mail finds the user in one lookup.
create index if not exists user_email_lower on "user" (lower(resource->>'email'));
-- A token finds its session in one index lookup: the session stores only SHA-256 hashes of its tokens.
create index if not exists session_access_token on session ((resource->>'access_token'));
create index if not exists session_refresh_token on session ((resource->>'refresh_token'));

-- Every change to a Client, a User or an existing Session is announced at commit, so that each
-- server process drops what it cached about that identity (src/auth/identity-cache.ts). A new User
-- is announced too: a foreign token may have been remembered as having none
-- (src/identity/create-foreign-token-verifier.ts). New sessions need no announcement: nothing can
-- have cached them.
create or replace trigger client_identity_changed after insert or update or delete on client
  for each row execute function lockbox_row_changed('lockbox_identity_changed');
create or replace trigger user_identity_changed after insert or update or delete on "user"
  for each row execute function lockbox_row_changed('lockbox_identity_changed');
create or replace trigger session_identity_changed after update or delete on session
  for each row execute function lockbox_row_changed('lockbox_identity_changed');
