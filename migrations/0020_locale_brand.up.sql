-- 0020_locale_brand: each tenant's and client's brand, and the client
-- metadata the consent page shows (issue 17).
--
-- The user's saved language already has its column (users.locale, 0001).
-- A brand belongs to a tenant (client_id '') or overrides it for one of its
-- clients; the logo is stored here, sniffed and bounded by storage/admin, and
-- served from Admit's own origin (/brand/...), so the pages' CSP stays
-- img-src 'self'.
BEGIN;

CREATE TABLE brands (
    tenant_id      text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id      text        NOT NULL DEFAULT '',
    display_name   text        NOT NULL DEFAULT '',
    primary_color  text        NOT NULL DEFAULT '',
    support_url    text        NOT NULL DEFAULT '',
    privacy_url    text        NOT NULL DEFAULT '',
    default_locale text        NOT NULL DEFAULT '',
    logo           bytea,
    logo_type      text        NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, client_id),
    CHECK (logo IS NULL OR octet_length(logo) <= 262144)
);

-- OpenID Connect Dynamic Client Registration §2 client metadata.
ALTER TABLE clients
    ADD COLUMN logo_uri   text NOT NULL DEFAULT '',
    ADD COLUMN policy_uri text NOT NULL DEFAULT '',
    ADD COLUMN tos_uri    text NOT NULL DEFAULT '';

COMMIT;
