-- One NOTIFY channel for every change a cache cares about (src/db/change-bus.ts), instead of one per
-- cache: payload `<op> <Type>/<id>` (op: create, update, delete), or `delete <Type>` for a TRUNCATE,
-- sent at commit to every server process on the database. Only the types some cache keeps are
-- announced (change-bus.ts ANNOUNCED_TYPES): each NOTIFY takes a database-wide lock at commit.
create or replace function lockbox_announce_change() returns trigger language plpgsql as $$
declare
  op text := case tg_op when 'INSERT' then 'create' when 'UPDATE' then 'update' else 'delete' end;
begin
  if tg_level = 'STATEMENT' then
    perform pg_notify('lockbox_changed', op || ' ' || tg_argv[0]);
  elsif tg_op = 'DELETE' then
    perform pg_notify('lockbox_changed', op || ' ' || tg_argv[0] || '/' || old.id);
  else
    perform pg_notify('lockbox_changed', op || ' ' || tg_argv[0] || '/' || new.id);
  end if;
  return null;
end
$$;

-- The channels this replaces: lockbox_identity_changed (auth-resource-tables.sql, whose next
-- version no longer makes them), lockbox_introspectors_changed (030) and lockbox_access_changed (040).
drop trigger if exists client_identity_changed on client;
drop trigger if exists user_identity_changed on "user";
drop trigger if exists session_identity_changed on session;
drop trigger if exists tokenintrospector_changed on tokenintrospector;
drop trigger if exists identityprovider_changed on identityprovider;
drop trigger if exists accesspolicy_access_changed on accesspolicy;
drop trigger if exists role_access_changed on role;
drop function if exists lockbox_row_changed();
drop function if exists lockbox_access_changed();

-- A new Client or User is announced too: a cache may remember that there was none (a foreign
-- token without a local User, the CORS origins of active Clients).
create or replace trigger lockbox_changed after insert or update or delete on client
  for each row execute function lockbox_announce_change('Client');
create or replace trigger lockbox_changed after insert or update or delete on "user"
  for each row execute function lockbox_announce_change('User');
-- New Sessions are not: no cache can hold one that did not exist, and every token grant inserts one.
create or replace trigger lockbox_changed after update or delete on session
  for each row execute function lockbox_announce_change('Session');
create or replace trigger lockbox_changed after insert or update or delete on accesspolicy
  for each row execute function lockbox_announce_change('AccessPolicy');
create or replace trigger lockbox_changed after insert or update or delete on role
  for each row execute function lockbox_announce_change('Role');
create or replace trigger lockbox_changed after insert or update or delete on tokenintrospector
  for each row execute function lockbox_announce_change('TokenIntrospector');
create or replace trigger lockbox_changed after insert or update or delete on identityprovider
  for each row execute function lockbox_announce_change('IdentityProvider');

-- TRUNCATE fires no row trigger: it is announced once per statement, without an id.
create or replace trigger lockbox_truncated after truncate on client
  for each statement execute function lockbox_announce_change('Client');
create or replace trigger lockbox_truncated after truncate on "user"
  for each statement execute function lockbox_announce_change('User');
create or replace trigger lockbox_truncated after truncate on session
  for each statement execute function lockbox_announce_change('Session');
create or replace trigger lockbox_truncated after truncate on accesspolicy
  for each statement execute function lockbox_announce_change('AccessPolicy');
create or replace trigger lockbox_truncated after truncate on role
  for each statement execute function lockbox_announce_change('Role');
create or replace trigger lockbox_truncated after truncate on tokenintrospector
  for each statement execute function lockbox_announce_change('TokenIntrospector');
create or replace trigger lockbox_truncated after truncate on identityprovider
  for each statement execute function lockbox_announce_change('IdentityProvider');
