-- A key's own budget ({daily_usd, monthly_usd}), rate limits ({rpm, tpm, concurrent}) and budget alerts
-- ({webhook_url, at_percent}), each held as well as its tenant's; when it last authenticated a request.
ALTER TABLE api_keys ADD COLUMN budget jsonb;
ALTER TABLE api_keys ADD COLUMN limits jsonb;
ALTER TABLE api_keys ADD COLUMN alerts jsonb;
ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;

-- Tenants added through the admin API, beside the config file's: `spec` holds the fields a YAML tenant has
-- (without api_keys: a store tenant's callers use virtual keys). A deleted tenant keeps its row, marked, so
-- every instance reads the deletion as a change.
CREATE TABLE tenants (
  id         text PRIMARY KEY,
  spec       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at timestamptz
);
CREATE INDEX tenants_updated ON tenants (updated_at);

-- A budget alert sent: one row per budget holder, window and threshold, so that however many instances see
-- the threshold crossed, one claims it and sends it.
CREATE TABLE alerts_sent (
  holder   text NOT NULL,
  window_start text NOT NULL,
  percent  integer NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (holder, window_start, percent)
);
