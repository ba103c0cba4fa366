-- Virtual keys: each belongs to a tenant (from the YAML file or, later, the store) and may only narrow it.
-- A key is kept only as its sha256; `prefix` is its first 8 characters, to tell keys apart in a list.
CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  tenant       text NOT NULL,
  name         text,
  key_hash     text NOT NULL UNIQUE,
  prefix       text NOT NULL,
  models       text[],
  default_tags text[] NOT NULL DEFAULT '{}',
  metadata     jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  revoked_at   timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX api_keys_tenant ON api_keys (tenant);
CREATE INDEX api_keys_updated ON api_keys (updated_at);

-- Every admin change: who, what, when, before and after. Never a key.
CREATE TABLE audit (
  id     bigserial PRIMARY KEY,
  at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor  text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  before jsonb,
  after  jsonb
);
