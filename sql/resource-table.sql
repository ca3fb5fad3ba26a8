-- Applied once per resource type; {{table}} is the lowercased type name from the fixed registry.
create table if not exists "{{table}}" (
  id text primary key,
  txid bigint not null,
  cts timestamptz not null default now(),
  ts timestamptz not null default now(),
  resource_type text not null default '{{type}}',
  status text not null check (status in ('created', 'updated', 'deleted', 'recreated')),
  resource jsonb not null
);
create table if not exists "{{table}}_history" (
  id text not null,
  txid bigint not null,
  cts timestamptz not null,
  ts timestamptz not null,
  resource_type text not null default '{{type}}',
  status text not null check (status in ('created', 'updated', 'deleted', 'recreated')),
  resource jsonb not null,
  primary key (id, txid)
);
create index if not exists "{{table}}_history_txid" on "{{table}}_history" (txid);
create index if not exists "{{table}}_ts" on "{{table}}" (ts);
