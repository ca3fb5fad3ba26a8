-- SMART App Launch context that a code carries to its Session: patient, encounter, fhirContext,
-- need_patient_banner (smart-app-launch scopes-and-launch-context.html).
alter table authorization_code add column if not exists context jsonb;

-- An EHR launch (aidbox.smart/get-launch-uri): the `launch` value is handed to one app, which brings
-- it back to /auth/authorize. Stored as its SHA-256, bound to the client (and the user, when given),
-- short-lived, and spent by the code it yields.
create table if not exists smart_launch (
  launch_hash text primary key,
  client_id text not null,
  user_id text,
  context jsonb not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index if not exists smart_launch_expires_at on smart_launch (expires_at);
