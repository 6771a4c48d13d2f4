-- Audit log: append-only security events (issue 8). Nothing updates rows;
-- only the retention job deletes old ones.
CREATE TABLE audit_log (
    id          text        PRIMARY KEY,
    at          timestamptz NOT NULL,
    event       text        NOT NULL,
    outcome     text        NOT NULL DEFAULT '',
    reason      text        NOT NULL DEFAULT '',
    actor_id    text        NOT NULL DEFAULT '',
    user_id     text        NOT NULL DEFAULT '',
    client_id   text        NOT NULL DEFAULT '',
    ip          text        NOT NULL DEFAULT '',
    user_agent  text        NOT NULL DEFAULT '',
    request_id  text        NOT NULL DEFAULT '',
    details     jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_user ON audit_log (user_id, at) WHERE user_id <> '';
CREATE INDEX audit_log_event ON audit_log (event, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- Devices a user signed in from: a signed long-lived cookie (stored as its
-- SHA-256) plus user agent, language and IP prefix; trust counters.
CREATE TABLE devices (
    id           text        PRIMARY KEY,
    user_id      text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   text        NOT NULL,
    user_agent   text        NOT NULL DEFAULT '',
    language     text        NOT NULL DEFAULT '',
    ip_prefix    text        NOT NULL DEFAULT '',
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    successes    integer     NOT NULL DEFAULT 0,
    failures     integer     NOT NULL DEFAULT 0,
    trust_score  integer     NOT NULL DEFAULT 0,
    UNIQUE (user_id, token_hash)
);
CREATE INDEX devices_user ON devices (user_id, last_seen);

-- Lockout counters and locks live in Redis with a TTL (ephemeral), not here.
