-- Notifications that arrive (issue 12): each notification is routed once to the channels that want it, one delivery
-- per channel; every attempt's result is kept. Notifications raised before this migration count as routed, so an
-- upgrade does not send the past.
ALTER TABLE notifications ADD COLUMN subject TEXT;
ALTER TABLE notifications ADD COLUMN message_key TEXT;
ALTER TABLE notifications ADD COLUMN routed_at TIMESTAMPTZ;
UPDATE notifications SET routed_at = raised_at;
CREATE INDEX notifications_unrouted ON notifications (routed_at, id);

CREATE TABLE notification_deliveries (
  id SERIAL PRIMARY KEY,
  notification_id INTEGER NOT NULL REFERENCES notifications (id),
  channel TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead', 'suppressed', 'held', 'summarized')),
  -- why it is suppressed, held, summarized (by which summary) or dead
  reason TEXT,
  created_at TIMESTAMPTZ NOT NULL,
  -- when its current series of attempts began (creation, or an operator's retry); maxAge counts from here
  queued_at TIMESTAMPTZ NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMPTZ,
  -- a dispatcher holds the delivery until then while it sends; a crashed dispatcher's lease simply runs out
  lease_until TIMESTAMPTZ,
  finished_at TIMESTAMPTZ
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
CREATE INDEX notification_deliveries_channel ON notification_deliveries (channel, created_at);
CREATE INDEX notification_deliveries_notification ON notification_deliveries (notification_id);

CREATE TABLE notification_attempts (
  id SERIAL PRIMARY KEY,
  delivery_id INTEGER NOT NULL REFERENCES notification_deliveries (id),
  attempted_at TIMESTAMPTZ NOT NULL,
  ok BOOLEAN NOT NULL,
  -- HTTP status line, SMTP response or the error, as the channel reported it
  result TEXT NOT NULL
);
CREATE INDEX notification_attempts_delivery ON notification_attempts (delivery_id, id);
