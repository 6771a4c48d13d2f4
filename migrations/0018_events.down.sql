BEGIN;
DROP TABLE webhooks;
DROP TABLE event_delivery_attempts;
DROP TABLE event_deliveries;
DROP TABLE outbox_events;
COMMIT;
