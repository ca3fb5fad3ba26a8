-- Every change to an AccessPolicy or a Role is announced at commit, so each server process on this
-- database evaluates the next request against the new set (src/access/access-policies.ts).
create or replace function lockbox_access_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('lockbox_access_changed', tg_table_name);
  return null;
end
$$;
create or replace trigger accesspolicy_access_changed after insert or update or delete or truncate on accesspolicy
  for each statement execute function lockbox_access_changed();
create or replace trigger role_access_changed after insert or update or delete or truncate on role
  for each statement execute function lockbox_access_changed();
-- A user's roles are found in one index lookup on every request that needs them.
create index if not exists role_user_id on role ((resource#>>'{user,id}'));
