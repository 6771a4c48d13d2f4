BEGIN;

DROP INDEX IF EXISTS event_delivery_attempts_at;
DROP INDEX IF EXISTS outbox_events_dispatched_at;

COMMIT;
