-- 0016_resources: registered APIs (RFC 8707 resource indicators) and the
-- per-client signing algorithms and resource allowlist.
BEGIN;

CREATE TABLE apis (
    id                      text        PRIMARY KEY,
    tenant_id               text        NOT NULL REFERENCES tenants (id),
    -- The resource URI: the "aud" of tokens for the API, unique across
    -- tenants so that an audience names one API.
    identifier              text        NOT NULL UNIQUE,
    name                    text        NOT NULL DEFAULT '',
    scopes                  text[]      NOT NULL DEFAULT '{}',
    access_token_lifetime   interval    NOT NULL DEFAULT '0',
    signing_alg             text        NOT NULL DEFAULT '',
    opaque                  boolean     NOT NULL DEFAULT false,
    introspection_client_id text        NOT NULL DEFAULT '',
    created_at              timestamptz NOT NULL
);

CREATE INDEX apis_tenant_id ON apis (tenant_id, id);

ALTER TABLE clients
    ADD COLUMN allowed_resources                text[] NOT NULL DEFAULT '{}',
    ADD COLUMN id_token_signed_response_alg     text   NOT NULL DEFAULT '',
    ADD COLUMN access_token_signed_response_alg text   NOT NULL DEFAULT '';

-- The resources (RFC 8707) a refresh token's grant covers.
ALTER TABLE refresh_tokens ADD COLUMN resources text[] NOT NULL DEFAULT '{}';

COMMIT;
