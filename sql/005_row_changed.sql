-- One trigger function for "this row changed, tell every server process": the NOTIFY channel is the
-- trigger's argument, the payload `<table>:<id>`. Used by the identity caches (auth-resource-tables.sql)
-- and the introspector reload (030_user_identifier.sql).
create or replace function lockbox_row_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify(tg_argv[0], tg_table_name || ':' || (case when tg_op = 'DELETE' then old.id else new.id end));
  return null;
end
$$;
