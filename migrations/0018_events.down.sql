BEGIN;
DROP TABLE session_clients;
ALTER TABLE clients
    DROP COLUMN backchannel_logout_uri,
    DROP COLUMN backchannel_logout_session_required,
    DROP COLUMN frontchannel_logout_uri,
    DROP COLUMN frontchannel_logout_session_required;
DROP TABLE webhooks;
DROP TABLE event_delivery_attempts;
DROP TABLE event_deliveries;
DROP TABLE outbox_events;
COMMIT;
