-- Search helpers. IMMUTABLE so that indexes can be built on them; they never raise on stored data
-- (a throwing index expression would make a valid write fail), and they read only their arguments.
-- Calls between them are schema-qualified: index builds run with a restricted search_path (PostgreSQL 17).

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
  from (select lower(s) as v from public.lockbox_strings(resource, paths) as s) as strings,
       generate_series(1, least(length(v), 32)) as n
$$;

-- A FHIR date, dateTime or instant as the range of time it denotes at its precision
-- (2020 is all of 2020). Zone-less values are UTC. Anything else is null, never an error.
-- PL/pgSQL, not SQL: its plans are cached across calls, which SQL functions nested in SQL
-- functions are not (that cost 3 ms a row).
create or replace function lockbox_date_range(value text) returns tstzrange
language plpgsql immutable parallel safe as $$
declare
  t timestamp;
  step interval := interval '1 year';
  time_part text;
  shift interval := interval '0';
begin
  -- The FHIR shapes with their field ranges; regex without captures (fast), positions after it.
  if value is null or value !~ '^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d+)?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)?)?)?)?$'
     or value like '0000%' then
    return null;
  end if;
  t := (substr(value, 1, 4) || '-01-01')::timestamp;
  if length(value) >= 7 then
    t := t + (substr(value, 6, 2)::int - 1) * interval '1 month';
    step := interval '1 month';
  end if;
  -- Day arithmetic rather than a cast: 2020-02-30 passes the pattern and must not raise.
  if length(value) >= 10 then
    t := t + (substr(value, 9, 2)::int - 1) * interval '1 day';
    step := interval '1 day';
  end if;
  if length(value) > 10 then
    time_part := substr(value, 12);
    if time_part !~ '(Z|[+-]\d{2}:\d{2})$' then
      time_part := time_part || 'Z';
    end if;
    shift := ('2000-01-01T' || time_part)::timestamptz - timestamptz '2000-01-01T00:00:00Z';
    step := case when time_part like '%.%' then interval '1 millisecond' when time_part ~ '^\d{2}:\d{2}:' then interval '1 second' else interval '1 minute' end;
  end if;
  return tstzrange((t at time zone 'UTC') + shift, (t at time zone 'UTC') + shift + step);
end
$$;

-- The time ranges of the date, dateTime, instant and Period values at the given jsonpaths.
create or replace function lockbox_date_ranges(resource jsonb, paths text[]) returns setof tstzrange
language plpgsql immutable parallel safe as $$
declare
  path text;
  value jsonb;
  lo timestamptz;
  hi timestamptz;
begin
  foreach path in array paths loop
    for value in select v from jsonb_path_query(resource, path::jsonpath) as v loop
      if jsonb_typeof(value) = 'string' then
        return next public.lockbox_date_range(value #>> '{}');
      elsif jsonb_typeof(value) = 'object' then
        lo := lower(public.lockbox_date_range(value ->> 'start'));
        hi := upper(public.lockbox_date_range(value ->> 'end'));
        -- A Period that ends before it starts denotes no time.
        if lo is null or hi is null or lo <= hi then
          return next tstzrange(lo, hi);
        end if;
      end if;
    end loop;
  end loop;
end
$$;

-- All of them as one multirange: overlap with it is overlap with any value, and a GiST index on it
-- answers the date prefixes.
create or replace function lockbox_date_span(resource jsonb, paths text[]) returns tstzmultirange
language plpgsql immutable parallel safe as $$
declare
  span tstzmultirange;
begin
  select range_agg(r) into span from public.lockbox_date_ranges(resource, paths) as r where r is not null;
  return span;
end
$$;
