-- Search helpers. IMMUTABLE so that indexes can be built on them; they never raise on stored data
-- (a throwing index expression would make a valid write fail), and they read only their arguments.

-- The string values at the given jsonpaths (lax mode; non-strings skipped).
create or replace function lockbox_strings(resource jsonb, paths text[]) returns setof text
language sql immutable parallel safe as $$
  select value #>> '{}' from unnest(paths) as path, jsonb_path_query(resource, path::jsonpath) as value
  where jsonb_typeof(value) = 'string'
$$;

-- Every lowercase prefix (1..32 characters) of those strings: a GIN index on it answers FHIR's
-- default string search (case-insensitive "starts with") with plain array containment, which needs
-- no extension (pg_trgm is not available everywhere, e.g. PGlite).
create or replace function lockbox_prefixes(resource jsonb, paths text[]) returns text[]
language sql immutable parallel safe as $$
  select coalesce(array_agg(distinct left(v, n)), '{}')
  from (select lower(s) as v from lockbox_strings(resource, paths) as s) as strings,
       generate_series(1, least(length(v), 32)) as n
$$;

-- A FHIR date, dateTime or instant as the range of time it denotes at its precision
-- (2020 is all of 2020). Zone-less values are UTC. Anything else is null, never an error.
create or replace function lockbox_date_range(value text) returns tstzrange
language sql immutable parallel safe as $$
  select case when m is null then null else tstzrange(t, t + step) end
  from (select regexp_match(value,
          '^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?(Z|[+-]\d{2}:\d{2})?)?)?)?$') as m) as parsed,
  lateral (select
      ((m[1] || '-01-01')::timestamp
        + (coalesce(m[2], '01')::int - 1) * interval '1 month'
        + (coalesce(m[3], '01')::int - 1) * interval '1 day'
        + coalesce(m[4], '0')::int * interval '1 hour'
        + coalesce(m[5], '0')::int * interval '1 minute'
        + coalesce(m[6], '0')::numeric * interval '1 second'
        - case when m[7] is null or m[7] = 'Z' then interval '0' else m[7]::interval end
      ) at time zone 'UTC' as t,
      case
        when m[6] like '%.%' then interval '1 millisecond'
        when m[4] is not null then interval '1 second'
        when m[3] is not null then interval '1 day'
        when m[2] is not null then interval '1 month'
        else interval '1 year'
      end as step
    where m is not null) as computed
$$;

-- The time ranges of the date, dateTime, instant and Period values at the given jsonpaths.
create or replace function lockbox_date_ranges(resource jsonb, paths text[]) returns setof tstzrange
language sql immutable parallel safe as $$
  select case
      when jsonb_typeof(value) = 'string' then lockbox_date_range(value #>> '{}')
      when lo > hi then null -- a Period that ends before it starts denotes no time
      else tstzrange(lo, hi)
    end
  from unnest(paths) as path, jsonb_path_query(resource, path::jsonpath) as value,
    lateral (select lower(lockbox_date_range(value ->> 'start')) as lo, upper(lockbox_date_range(value ->> 'end')) as hi) as period
  where jsonb_typeof(value) in ('string', 'object')
$$;

-- All of them as one multirange: overlap with it is overlap with any value, and a GiST index on it
-- answers the date prefixes.
create or replace function lockbox_date_span(resource jsonb, paths text[]) returns tstzmultirange
language sql immutable parallel safe as $$
  select range_agg(r) from lockbox_date_ranges(resource, paths) as r where r is not null
$$;
