-- Indexes on the User, Client and Session resource tables. Applied at every start by
-- ensureAuthSchema, recorded once per version of this file, so a change to it is applied on the next start.
-- User names are unique regardless of case; a clash is a 23505, rendered as 409.
create unique index if not exists user_username_lower on "user" (lower(resource->>'userName'));
-- Login by e-mail finds the user in one lookup.
create index if not exists user_email_lower on "user" (lower(resource->>'email'));
-- A token finds its session in one index lookup: the session stores only SHA-256 hashes of its tokens.
create index if not exists session_access_token on session ((resource->>'access_token'));
create index if not exists session_refresh_token on session ((resource->>'refresh_token'));

-- Changes to Clients, Users and Sessions are announced by the triggers of sql/060_change_bus.sql.
