package postgres

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/admit-idp/admit/storage"
)

// dispatchLock is the advisory-lock key of the outbox. Every append takes
// it shared (in its own transaction, before its event gets a seq) and
// UndispatchedEvents takes it exclusively for the read: so when the
// dispatcher sees event n, every event with a lower seq has committed or
// rolled back, and deliveries are created in seq order (per-user order).
const dispatchLock = 0x61646d6974657674 // "admitevt"

// insertEvents appends events inside tx (the change's transaction), in
// one statement however many there are (a bulk import writes a batch's
// at once), with seq in the order given. An event of a user that names no
// tenant gets the user's, read by the INSERT itself: no round trip before
// the change (events.Announcing relies on it).
func insertEvents(ctx context.Context, tx execer, events []storage.Event) error {
	if len(events) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, int64(dispatchLock)); err != nil {
		return err
	}
	n := len(events)
	ids, types, tenants, users := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ats, data := make([]time.Time, n), make([]string, n)
	for i, e := range events {
		ids[i], types[i], tenants[i], users[i], ats[i], data[i] = e.ID, e.Type, e.TenantID, e.UserID, e.Time, string(e.Data)
		if len(e.Data) == 0 {
			data[i] = "{}"
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO outbox_events (id, type, tenant_id, user_id, at, data)
		SELECT e.id, e.type,
			COALESCE(NULLIF(e.tenant_id, ''), (SELECT u.tenant_id FROM users u WHERE u.id = e.user_id AND e.user_id <> ''), ''),
			e.user_id, e.at, e.data::jsonb
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
			WITH ORDINALITY AS e(id, type, tenant_id, user_id, at, data, n)
		ORDER BY e.n`, ids, types, tenants, users, ats, data)
	return err
}

// WriteEvents appends events in tx, for a writer that changes Admit's
// tables in its own transaction rather than through a Store (the bulk
// importer): the events commit with its change or not at all, exactly as
// a Store change's (storage.WithEvents).
func WriteEvents(ctx context.Context, tx pgx.Tx, events []storage.Event) error {
	return wrap("write events", insertEvents(ctx, tx, events))
}

// execAnnounced runs a change with the events attached to ctx
// (storage.WithEvents) in one transaction (changeTx): the events are
// inserted only if the statement changed a row.
func (d db) execAnnounced(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	err := d.changeTx(ctx, func(tx pgx.Tx) (bool, error) {
		var err error
		tag, err = tx.Exec(ctx, sql, args...)
		return err == nil && tag.RowsAffected() > 0, err
	})
	return tag, err
}

// AppendEvents implements storage.Outbox.
func (s *Store) AppendEvents(ctx context.Context, events []storage.Event) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return insertEvents(ctx, tx, events) })
	return wrap("append events", err)
}

const eventColumns = `e.id, e.seq, e.type, e.tenant_id, e.user_id, e.at, e.data`

func scanEvent(r row) (storage.Event, error) {
	var e storage.Event
	var data []byte
	err := r.Scan(&e.ID, &e.Seq, &e.Type, &e.TenantID, &e.UserID, &e.Time, &data)
	e.Data = data
	return e, err
}

// ListEvents implements storage.Outbox.
func (s *Store) ListEvents(ctx context.Context, afterSeq int64, limit int) ([]storage.Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM outbox_events e
		WHERE e.seq > $1 ORDER BY e.seq LIMIT $2`, afterSeq, limit)
	if err != nil {
		return nil, wrap("list events", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Event, error) { return scanEvent(r) })
	return out, wrap("list events", err)
}

// UndispatchedEvents implements storage.Outbox. It reads under the
// exclusive dispatch lock (see dispatchLock).
func (s *Store) UndispatchedEvents(ctx context.Context, limit int) ([]storage.Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	var out []storage.Event
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(dispatchLock)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM outbox_events e
			WHERE NOT e.dispatched ORDER BY e.seq LIMIT $1`, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Event, error) { return scanEvent(r) })
		return err
	})
	return out, wrap("undispatched events", err)
}

// DispatchEvents implements storage.Outbox.
func (s *Store) DispatchEvents(ctx context.Context, sinks map[string][]string, at time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for id, names := range sinks {
			if len(names) > 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO event_deliveries
					(event_id, sink, seq, order_key, tenant_id, state, next_at, updated_at)
					SELECT e.id, s.sink, e.seq, e.user_id, e.tenant_id, 'pending', $3, $3
					FROM outbox_events e, unnest($2::text[]) AS s(sink)
					WHERE e.id = $1 AND NOT e.dispatched
					ON CONFLICT DO NOTHING`, id, names, at); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE outbox_events SET dispatched = true WHERE id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("dispatch events", err)
}

const deliveryColumns = `d.event_id, d.sink, d.seq, d.order_key, d.tenant_id, d.state, d.attempts,
	d.next_at, d.last_status, d.last_error, d.updated_at, d.delivered_at`

func scanDelivery(r row, extra ...any) (storage.Delivery, error) {
	var d storage.Delivery
	var delivered *time.Time
	err := r.Scan(append([]any{&d.EventID, &d.Sink, &d.Seq, &d.OrderKey, &d.TenantID, &d.State, &d.Attempts,
		&d.NextAt, &d.LastStatus, &d.LastError, &d.UpdatedAt, &delivered}, extra...)...)
	if delivered != nil {
		d.DeliveredAt = *delivered
	}
	return d, err
}

// ClaimDeliveries implements storage.Outbox. A delivery locked by another
// node's claim is skipped (SKIP LOCKED); its later deliveries for the same
// user are held back by the NOT EXISTS, which sees it still pending.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.Claimed, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.pool.Query(ctx, `WITH c AS (
			SELECT d.event_id, d.sink FROM event_deliveries d
			WHERE d.state = 'pending' AND d.next_at <= $1
			AND (d.order_key = '' OR NOT EXISTS (SELECT 1 FROM event_deliveries p
				WHERE p.sink = d.sink AND p.order_key = d.order_key AND p.state = 'pending' AND p.seq < d.seq))
			ORDER BY d.seq, d.sink LIMIT $3
			FOR UPDATE OF d SKIP LOCKED)
		UPDATE event_deliveries d SET next_at = $2
		FROM c, outbox_events e
		WHERE d.event_id = c.event_id AND d.sink = c.sink AND e.id = d.event_id
		RETURNING `+deliveryColumns+`, `+eventColumns, now, now.Add(lease), limit)
	if err != nil {
		return nil, wrap("claim deliveries", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Claimed, error) {
		var c storage.Claimed
		var data []byte
		d, err := scanDelivery(r, &c.Event.ID, &c.Event.Seq, &c.Event.Type, &c.Event.TenantID, &c.Event.UserID, &c.Event.Time, &data)
		c.Delivery, c.Event.Data = d, data
		return c, err
	})
	if err != nil {
		return nil, wrap("claim deliveries", err)
	}
	// RETURNING has no order: a claim goes by (seq, sink).
	slices.SortFunc(out, func(a, b storage.Claimed) int {
		return cmp.Or(cmp.Compare(a.Delivery.Seq, b.Delivery.Seq), cmp.Compare(a.Delivery.Sink, b.Delivery.Sink))
	})
	return out, nil
}

// FinishDelivery implements storage.Outbox.
func (s *Store) FinishDelivery(ctx context.Context, a storage.DeliveryAttempt, state string, retryAt time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE event_deliveries SET state = $3, attempts = $4, last_status = $5,
			last_error = $6, updated_at = $7,
			next_at = CASE WHEN $3 = 'pending' THEN $8 ELSE next_at END,
			delivered_at = CASE WHEN $3 = 'delivered' THEN $7 ELSE delivered_at END
			WHERE event_id = $1 AND sink = $2`,
			a.EventID, a.Sink, state, a.Attempt, a.Status, a.Error, a.At, retryAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		_, err = tx.Exec(ctx, `INSERT INTO event_delivery_attempts (event_id, sink, attempt, at, status, latency_us, error)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.EventID, a.Sink, a.Attempt, a.At, a.Status, a.Latency.Microseconds(), a.Error)
		return err
	})
	return wrap("finish delivery", err)
}

// ListDeliveries implements storage.Outbox.
func (s *Store) ListDeliveries(ctx context.Context, f storage.DeliveryFilter) ([]storage.Delivery, error) {
	var w where
	w.addIf(f.TenantID != "", `d.tenant_id = ?`, f.TenantID)
	w.addIf(f.Sink != "", `d.sink = ?`, f.Sink)
	w.addIf(f.State != "", `d.state = ?`, f.State)
	w.addIf(f.EventID != "", `d.event_id = ?`, f.EventID)
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM event_deliveries d`+w.clause()+
		` ORDER BY d.seq DESC, d.sink`+w.limit(limit), w.args...)
	if err != nil {
		return nil, wrap("list deliveries", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Delivery, error) { return scanDelivery(r) })
	return out, wrap("list deliveries", err)
}

// ListDeliveryAttempts implements storage.Outbox.
func (s *Store) ListDeliveryAttempts(ctx context.Context, eventID, sink string) ([]storage.DeliveryAttempt, error) {
	rows, err := s.pool.Query(ctx, `SELECT event_id, sink, attempt, at, status, latency_us, error
		FROM event_delivery_attempts WHERE event_id = $1 AND sink = $2 ORDER BY id`, eventID, sink)
	if err != nil {
		return nil, wrap("list delivery attempts", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.DeliveryAttempt, error) {
		var a storage.DeliveryAttempt
		var us int64
		err := r.Scan(&a.EventID, &a.Sink, &a.Attempt, &a.At, &a.Status, &us, &a.Error)
		a.Latency = time.Duration(us) * time.Microsecond
		return a, err
	})
	return out, wrap("list delivery attempts", err)
}

// ReplayDelivery implements storage.Outbox.
func (s *Store) ReplayDelivery(ctx context.Context, eventID, sink string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE event_deliveries SET state = 'pending', attempts = 0, next_at = $3,
		updated_at = $3, delivered_at = NULL WHERE event_id = $1 AND sink = $2`, eventID, sink, at)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("replay delivery", err)
}

const webhookColumns = `id, tenant_id, url, events, sealed_secret, created_at`

func scanWebhook(r row) (storage.Webhook, error) {
	var w storage.Webhook
	err := r.Scan(&w.ID, &w.TenantID, &w.URL, &w.Events, &w.SealedSecret, &w.CreatedAt)
	return w, err
}

// CreateWebhook implements storage.Outbox.
func (s *Store) CreateWebhook(ctx context.Context, w storage.Webhook) error {
	events := w.Events
	if events == nil {
		events = []string{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		w.ID, w.TenantID, w.URL, events, w.SealedSecret, w.CreatedAt)
	if foreignKeyViolation(err, "tenant_id") {
		err = errNoSuch("tenant")
	}
	return wrap("create webhook", err)
}

// GetWebhook implements storage.Outbox.
func (s *Store) GetWebhook(ctx context.Context, tenantID, id string) (storage.Webhook, error) {
	w, err := scanWebhook(s.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	return w, wrap("get webhook", err)
}

// ListWebhooks implements storage.Outbox.
func (s *Store) ListWebhooks(ctx context.Context, tenantID string) ([]storage.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE $1 = '' OR tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, wrap("list webhooks", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Webhook, error) { return scanWebhook(r) })
	return out, wrap("list webhooks", err)
}

// DeleteWebhook implements storage.Outbox.
func (s *Store) DeleteWebhook(ctx context.Context, tenantID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("delete webhook", err)
}

// AddSessionClient implements storage.SessionClients.
func (s *Store) AddSessionClient(ctx context.Context, sessionID, clientID string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO session_clients (session_id, client_id, at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, sessionID, clientID, at)
	if foreignKeyViolation(err, "session_id") {
		err = errNoSuch("session")
	}
	return wrap("add session client", err)
}

// SessionLinks implements storage.SessionClients.
func (s *Store) SessionLinks(ctx context.Context, userID, sessionID string) ([]storage.SessionLink, error) {
	var w where
	w.addIf(sessionID != "", `s.id = ?`, sessionID)
	w.addIf(userID != "", `s.user_id = ?`, userID)
	if sessionID == "" && userID == "" {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT s.id, s.user_id,
		coalesce(array_agg(c.client_id ORDER BY c.client_id) FILTER (WHERE c.client_id IS NOT NULL), '{}')
		FROM sessions s LEFT JOIN session_clients c ON c.session_id = s.id`+w.clause()+`
		GROUP BY s.id, s.user_id ORDER BY s.id`, w.args...)
	if err != nil {
		return nil, wrap("session links", err)
	}
	out, err := pgx.CollectRows(rows, scanSessionLink)
	return out, wrap("session links", err)
}

// scanSessionLink reads a row of (session ID, user ID, client IDs), whose
// empty client array the model spells nil.
func scanSessionLink(r pgx.CollectableRow) (storage.SessionLink, error) {
	var l storage.SessionLink
	err := r.Scan(&l.SessionID, &l.UserID, &l.Clients)
	if len(l.Clients) == 0 {
		l.Clients = nil
	}
	return l, err
}

// changeTx runs fn in a transaction and, if fn reports that it changed
// something, inserts the events attached to ctx in the same transaction
// (for changes made with Query or QueryRow, which Exec's interception does
// not see); the batch is marked written only once the transaction
// committed.
func (s *Store) changeTx(ctx context.Context, fn func(tx pgx.Tx) (changed bool, err error)) error {
	return s.pool.changeTx(ctx, fn)
}

func (d db) changeTx(ctx context.Context, fn func(tx pgx.Tx) (changed bool, err error)) error {
	tx, err := d.begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	changed, err := fn(tx)
	if err != nil {
		return err
	}
	b := storage.PendingEvents(ctx)
	if changed && b != nil {
		if err := insertEvents(ctx, tx, b.Events()); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if changed && b != nil {
		b.MarkWritten()
	}
	return nil
}

// pruneBatch bounds one statement of the outbox retention: a backlog is
// deleted a batch at a time, so no statement holds many locks for long.
const pruneBatch = 1000

// PruneOutbox implements storage.Outbox. Events go oldest first (index
// outbox_events_dispatched_at, migration 0023), their deliveries and log
// lines with them (ON DELETE CASCADE); SKIP LOCKED lets two nodes pruning
// at once take disjoint batches. Housekeeping: the caller's context
// bounds it, not a request's deadline.
func (s *Store) PruneOutbox(ctx context.Context, before, deadBefore time.Time) (int64, error) {
	events, err := s.pruneInBatches(ctx, `DELETE FROM outbox_events WHERE seq IN (
		SELECT e.seq FROM outbox_events e
		WHERE e.dispatched AND e.at < $1
		AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.event_id = e.id
			AND (d.state = 'pending' OR (d.state = 'dead' AND d.updated_at >= $2)))
		ORDER BY e.at LIMIT $3 FOR UPDATE SKIP LOCKED)`, before, deadBefore, pruneBatch)
	if err != nil {
		return events, wrap("prune outbox events", err)
	}
	attempts, err := s.pruneInBatches(ctx, `DELETE FROM event_delivery_attempts WHERE id IN (
		SELECT a.id FROM event_delivery_attempts a
		JOIN event_deliveries d ON d.event_id = a.event_id AND d.sink = a.sink
		WHERE a.at < $1 AND d.state <> 'dead'
		ORDER BY a.at LIMIT $2 FOR UPDATE OF a SKIP LOCKED)`, before, pruneBatch)
	return events + attempts, wrap("prune delivery log", err)
}

// pruneInBatches runs a DELETE bounded by a LIMIT of pruneBatch until a
// batch deletes fewer rows (or ctx ends).
func (s *Store) pruneInBatches(ctx context.Context, sql string, args ...any) (int64, error) {
	var total int64
	for {
		tag, err := s.pool.housekeeping().Exec(ctx, sql, args...)
		if err != nil {
			return total, err
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneBatch {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}
