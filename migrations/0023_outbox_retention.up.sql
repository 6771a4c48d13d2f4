-- 0023_outbox_retention: indexes for the outbox's retention job
-- (Store.PruneOutbox, hourly; docs/events.md "Retention"). It deletes old
-- dispatched events oldest first and old delivery-log lines by time; without
-- these, each batch would scan the whole table.
BEGIN;

CREATE INDEX outbox_events_dispatched_at ON outbox_events (at) WHERE dispatched;
CREATE INDEX event_delivery_attempts_at ON event_delivery_attempts (at);

COMMIT;
