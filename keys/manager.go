package keys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/admit-idp/admit/storage"
)

// Defaults for the zero values of Manager's fields.
const (
	DefaultAlgorithm   = jose.RS256
	DefaultGrace       = 24 * time.Hour
	DefaultReloadEvery = 30 * time.Second
)

// staleReloadTimeout bounds a reload triggered from the hot path. It runs
// detached from the request's context: a client hanging up must not make the
// reload fail and postpone the next attempt by a whole ReloadEvery.
const staleReloadTimeout = 5 * time.Second

// ErrNoActiveKey is returned when the store holds no active key of the
// manager's algorithm (Init was not run, or the store was emptied).
var ErrNoActiveKey = errors.New("keys: no active signing key")

// Manager runs the signing-key life cycle (see the package documentation) on
// top of a storage.SigningKeys and serves the keys from an in-memory snapshot.
// Set the exported fields before calling Init; do not change them afterwards.
// All methods are safe for concurrent use.
type Manager struct {
	Store  storage.SigningKeys
	Sealer *Sealer
	// Algorithm is the default signing algorithm (SigningKey): jose.RS256
	// (default), jose.ES256 or jose.EdDSA.
	Algorithm jose.SignatureAlgorithm
	// Extra are further algorithms whose keys are kept active at the same
	// time, for tokens that ask for them (SigningKeyFor): an API's or a
	// client's access-token algorithm, a client's
	// id_token_signed_response_alg. RS256 is always kept, whatever is set
	// here: OpenID Connect Core 15.1 requires ID tokens to be signable with
	// it. Keys of every algorithm are created, rotated and published
	// together. Keys of other algorithms found in the store are still
	// published.
	Extra []jose.SignatureAlgorithm
	// Grace is how long a retired key stays published. It must be at least
	// the longest lifetime of a signed token plus ReloadEvery (see doc.go).
	Grace time.Duration
	// ReloadEvery is how often the snapshot is refreshed from the store, so a
	// rotation made on another node is picked up without a restart.
	ReloadEvery time.Duration
	Now         func() time.Time
	Logger      *slog.Logger

	// snap is the current immutable snapshot; readers never lock.
	snap atomic.Pointer[snapshot]
	// mu serialises reloads; the hot path only ever TryLocks it.
	mu sync.Mutex
}

func (m *Manager) algorithm() jose.SignatureAlgorithm {
	if m.Algorithm == "" {
		return DefaultAlgorithm
	}
	return m.Algorithm
}

// SigningAlgorithms are the algorithms the manager keeps an active key of:
// the default first, then RS256, then Extra, without duplicates.
func (m *Manager) SigningAlgorithms() []jose.SignatureAlgorithm {
	out := []jose.SignatureAlgorithm{m.algorithm()}
	for _, a := range append([]jose.SignatureAlgorithm{jose.RS256}, m.Extra...) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func (m *Manager) grace() time.Duration {
	if m.Grace <= 0 {
		return DefaultGrace
	}
	return m.Grace
}

func (m *Manager) reloadEvery() time.Duration {
	if m.ReloadEvery <= 0 {
		return DefaultReloadEvery
	}
	return m.ReloadEvery
}

func (m *Manager) now() time.Time {
	if m.Now == nil {
		return time.Now()
	}
	return m.Now()
}

func (m *Manager) logger() *slog.Logger {
	if m.Logger == nil {
		return slog.Default()
	}
	return m.Logger
}

// check reports a misconfigured Manager early, with a clear message, rather
// than as a nil dereference on the first request.
func (m *Manager) check() error {
	switch {
	case m.Store == nil:
		return errors.New("keys: Manager.Store is nil")
	case m.Sealer == nil:
		return errors.New("keys: Manager.Sealer is nil")
	}
	for _, a := range m.SigningAlgorithms() {
		if !Supported(a) {
			return fmt.Errorf("keys: unsupported algorithm %q (want RS256, ES256 or EdDSA)", a)
		}
	}
	return nil
}

// Init makes sure an active and a next key of every algorithm
// (SigningAlgorithms) exist, creating the missing ones, then loads the
// snapshot. Several nodes may run Init at once:
// the store lets only one create each key, and the losers' ErrAlreadyExists
// just means the key is there now.
func (m *Manager) Init(ctx context.Context) error {
	if err := m.check(); err != nil {
		return err
	}
	stored, err := m.Store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: list signing keys: %w", err)
	}
	for _, alg := range m.SigningAlgorithms() {
		for _, state := range []string{storage.KeyActive, storage.KeyNext} {
			if hasKey(stored, alg, state) {
				continue
			}
			if err := m.create(ctx, alg, state); err != nil {
				return err
			}
		}
	}
	return m.Reload(ctx)
}

// hasKey reports whether stored holds a key of alg in state.
func hasKey(stored []storage.SigningKey, alg jose.SignatureAlgorithm, state string) bool {
	for _, k := range stored {
		if k.Algorithm == string(alg) && k.State == state {
			return true
		}
	}
	return false
}

// create generates and stores one key in state, tolerating a concurrent node
// that created it first.
func (m *Manager) create(ctx context.Context, alg jose.SignatureAlgorithm, state string) error {
	rec, err := generate(m.Sealer, alg, state, m.now())
	if err != nil {
		return err
	}
	err = m.Store.CreateSigningKey(ctx, rec)
	if errors.Is(err, storage.ErrAlreadyExists) {
		m.logger().DebugContext(ctx, "signing key created concurrently by another node",
			"state", state, "alg", rec.Algorithm)
		return nil
	}
	if err != nil {
		return fmt.Errorf("keys: store %s %s key: %w", state, rec.Algorithm, err)
	}
	m.logger().InfoContext(ctx, "signing key created", "kid", rec.ID, "alg", rec.Algorithm, "state", state)
	return nil
}

// SigningKey returns the active key of m.Algorithm. On the hot path it reads
// the snapshot only: no store access, no locking, no allocation. Once the
// snapshot is older than ReloadEvery, one caller reloads it while the others
// carry on with the current one.
func (m *Manager) SigningKey(ctx context.Context) (*SigningKey, error) {
	return m.SigningKeyFor(ctx, "")
}

// SigningKeyFor returns the active key of alg (the default algorithm when
// alg is empty), read from the snapshot like SigningKey. ErrNoActiveKey if
// alg is not one of SigningAlgorithms or has no active key.
func (m *Manager) SigningKeyFor(ctx context.Context, alg jose.SignatureAlgorithm) (*SigningKey, error) {
	if alg == "" {
		alg = m.algorithm()
	}
	s, err := m.current(ctx)
	if err != nil {
		return nil, err
	}
	if k := s.activeOf(alg); k != nil && slices.Contains(m.SigningAlgorithms(), alg) {
		return k, nil
	}
	return nil, fmt.Errorf("%w of algorithm %s", ErrNoActiveKey, alg)
}

// PublicKeys returns the keys to publish in the JWKS: every active and next
// key, and every retired key still within Grace, of every algorithm.
func (m *Manager) PublicKeys(ctx context.Context) ([]*PublicKey, error) {
	s, err := m.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.published(m.now(), m.grace()), nil
}

// Rotate, for every algorithm (SigningAlgorithms), retires the active key,
// promotes the next one (published since the previous rotation, so verifiers
// have had time to fetch it) and creates a new next key. Tokens signed by the
// old active keys stay verifiable for Grace. Each algorithm rotates in its
// own atomic store operation; a failure stops the loop and is reported (a
// second run rotates the rest, and again the ones already done).
func (m *Manager) Rotate(ctx context.Context) error {
	if err := m.check(); err != nil {
		return err
	}
	now := m.now()
	rotated := make(map[jose.SignatureAlgorithm]string)
	for _, alg := range m.SigningAlgorithms() {
		next, err := generate(m.Sealer, alg, storage.KeyNext, now)
		if err != nil {
			return err
		}
		if err := m.Store.RotateSigningKeys(ctx, next, now); err != nil {
			return fmt.Errorf("keys: rotate %s keys: %w", next.Algorithm, err)
		}
		rotated[alg] = next.ID
	}
	if err := m.Reload(ctx); err != nil {
		return err
	}
	for _, alg := range m.SigningAlgorithms() {
		m.logger().InfoContext(ctx, "signing keys rotated", "alg", alg,
			"active_kid", m.snap.Load().activeID(alg), "next_kid", rotated[alg])
	}
	return nil
}

// Prune deletes keys retired more than Grace ago: no unexpired token can
// carry their kid any more.
func (m *Manager) Prune(ctx context.Context) error {
	if err := m.check(); err != nil {
		return err
	}
	cutoff := m.now().Add(-m.grace())
	stored, err := m.Store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: list signing keys: %w", err)
	}
	if err := m.Store.DeleteRetiredSigningKeys(ctx, cutoff); err != nil {
		return fmt.Errorf("keys: delete keys retired before %s: %w", cutoff.Format(time.RFC3339), err)
	}
	// The store does not say what it deleted; the listing taken just before
	// is exact unless another node pruned concurrently, which only logs twice.
	for _, k := range stored {
		if k.State == storage.KeyRetired && k.RetiredAt.Before(cutoff) {
			m.logger().InfoContext(ctx, "signing key pruned", "kid", k.ID, "alg", k.Algorithm)
		}
	}
	return m.Reload(ctx)
}

// Reload re-reads the store now, whatever the snapshot's age.
func (m *Manager) Reload(ctx context.Context) error {
	if err := m.check(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reloadLocked(ctx)
}

// reloadLocked builds and installs a new snapshot. m.mu must be held.
func (m *Manager) reloadLocked(ctx context.Context) error {
	stored, err := m.Store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: list signing keys: %w", err)
	}
	s, err := m.build(ctx, stored, m.snap.Load())
	if err != nil {
		return err
	}
	m.snap.Store(s)
	return nil
}

// current returns a usable snapshot, loading the first one if necessary and
// refreshing a stale one.
func (m *Manager) current(ctx context.Context) (*snapshot, error) {
	s := m.snap.Load()
	if s == nil {
		if err := m.Reload(ctx); err != nil {
			return nil, err
		}
		return m.snap.Load(), nil
	}
	if m.now().Sub(s.loadedAt) < m.reloadEvery() {
		return s, nil
	}
	return m.refresh(ctx, s), nil
}

// refresh reloads a stale snapshot unless another goroutine already is, in
// which case the caller goes on with the stale one (still valid: keys retired
// elsewhere stay published for Grace). A failed reload keeps the old keys and
// is retried after another ReloadEvery, so an unreachable store costs one
// attempt per interval rather than one per request.
func (m *Manager) refresh(ctx context.Context, stale *snapshot) *snapshot {
	if !m.mu.TryLock() {
		return stale
	}
	defer m.mu.Unlock()
	if cur := m.snap.Load(); cur != stale {
		return cur // reloaded between our Load and TryLock
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), staleReloadTimeout)
	defer cancel()
	if err := m.reloadLocked(ctx); err != nil {
		m.logger().WarnContext(ctx, "signing key reload failed; keeping cached keys", "error", err)
		m.snap.Store(stale.renewed(m.now()))
	}
	return m.snap.Load()
}
