-- 0018_events: the event outbox, its deliveries and their log, and the
-- tenants' webhooks (issue 19; docs/events.md).
--
-- An event row is inserted in the same transaction as the change it
-- announces. Every node's delivery worker dispatches new events into one
-- delivery per sink (in seq order, under an advisory lock that appends
-- share), then claims due deliveries with FOR UPDATE SKIP LOCKED.
BEGIN;

CREATE TABLE outbox_events (
    seq        bigserial   PRIMARY KEY,
    id         text        NOT NULL UNIQUE,
    type       text        NOT NULL,
    tenant_id  text        NOT NULL DEFAULT '',
    user_id    text        NOT NULL DEFAULT '',
    at         timestamptz NOT NULL,
    data       jsonb       NOT NULL,
    dispatched boolean     NOT NULL DEFAULT false
);
CREATE INDEX outbox_events_undispatched ON outbox_events (seq) WHERE NOT dispatched;

CREATE TABLE event_deliveries (
    event_id     text        NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
    sink         text        NOT NULL,
    seq          bigint      NOT NULL,
    order_key    text        NOT NULL,
    tenant_id    text        NOT NULL,
    state        text        NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts     integer     NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL,
    last_status  integer     NOT NULL DEFAULT 0,
    last_error   text        NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL,
    delivered_at timestamptz,
    PRIMARY KEY (event_id, sink)
);
-- The claim: due pending deliveries by seq, and the per-user order check.
CREATE INDEX event_deliveries_pending ON event_deliveries (seq) WHERE state = 'pending';
CREATE INDEX event_deliveries_order ON event_deliveries (sink, order_key, seq) WHERE state = 'pending';
CREATE INDEX event_deliveries_listing ON event_deliveries (tenant_id, seq DESC);

CREATE TABLE event_delivery_attempts (
    id         bigserial   PRIMARY KEY,
    event_id   text        NOT NULL,
    sink       text        NOT NULL,
    attempt    integer     NOT NULL,
    at         timestamptz NOT NULL,
    status     integer     NOT NULL,
    latency_us bigint      NOT NULL,
    error      text        NOT NULL,
    FOREIGN KEY (event_id, sink) REFERENCES event_deliveries (event_id, sink) ON DELETE CASCADE
);
CREATE INDEX event_delivery_attempts_delivery ON event_delivery_attempts (event_id, sink, id);

CREATE TABLE webhooks (
    id            text        PRIMARY KEY,
    tenant_id     text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url           text        NOT NULL,
    events        text[]      NOT NULL DEFAULT '{}',
    sealed_secret bytea       NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id, id);

-- Logout notification settings of a client (Back-Channel Logout 1.0 §2.2,
-- Front-Channel Logout 1.0 §2).
ALTER TABLE clients
    ADD COLUMN backchannel_logout_uri text NOT NULL DEFAULT '',
    ADD COLUMN backchannel_logout_session_required boolean NOT NULL DEFAULT false,
    ADD COLUMN frontchannel_logout_uri text NOT NULL DEFAULT '',
    ADD COLUMN frontchannel_logout_session_required boolean NOT NULL DEFAULT false;

-- The clients that got an authorization code through a browser session:
-- the ones to notify when it ends. Gone with the session.
CREATE TABLE session_clients (
    session_id text        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    client_id  text        NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (session_id, client_id)
);

COMMIT;
