-- Indexes for tables that grow with use (issue 13, item 8). Each serves a
-- hot query that otherwise scans every row of one user (or of the table);
-- storage/postgres/plans_test.go checks their plans on 200,000 rows.
BEGIN;
-- RevokeSessionRefreshTokens (signing a device out): rotation keeps old
-- rows until the family expires, so one user can hold 100,000 rows.
CREATE INDEX refresh_tokens_user_session_idx ON refresh_tokens (user_id, session_id);
-- The account page's sessions list, newest first, one page at a time.
CREATE INDEX sessions_user_created_idx ON sessions (user_id, created_at, id);
DROP INDEX sessions_user_id_idx; -- a prefix of the index above
-- The account page's device list (last seen first, one page at a time)
-- replaces devices_user (user_id, last_seen), of which it is an extension.
CREATE INDEX devices_user_seen_idx ON devices (user_id, last_seen, id);
DROP INDEX devices_user;
-- Device retention: the hourly sweep deletes devices not seen for
-- defences.device_retention.
CREATE INDEX devices_last_seen_idx ON devices (last_seen);
-- The admin API's audit log of one user (every query carries the tenant
-- since 0009): in (at, id) order straight from the index, even for a user
-- who owns most of the tenant's events (audit_log_tenant would read all the
-- others first, audit_log_user lacks the tenant and the id).
CREATE INDEX audit_log_tenant_user ON audit_log (tenant_id, user_id, at, id) WHERE user_id <> '';
COMMIT;
