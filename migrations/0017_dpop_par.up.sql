BEGIN;
-- RFC 9449 §5.2 dpop_bound_access_tokens and RFC 9126 §6
-- require_pushed_authorization_requests, per client.
ALTER TABLE clients ADD COLUMN dpop_bound_access_tokens boolean NOT NULL DEFAULT false;
ALTER TABLE clients ADD COLUMN require_pushed_authorization_requests boolean NOT NULL DEFAULT false;
-- The JWK thumbprint (RFC 7638) of the DPoP key a public client's refresh
-- token is bound to (RFC 9449 §5); NULL when unbound. Rotation copies it.
ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt text;
COMMIT;
