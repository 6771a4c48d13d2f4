package memory

import (
	"context"
	"sync"
	"time"

	"github.com/admit-idp/admit/storage"
)

// sweepInterval bounds how often a write scans every expiring map. Reads
// already hide and drop expired records, so the sweep only reclaims memory
// held by records nobody asks for again.
const sweepInterval = time.Minute

// Store is an in-process storage.Durable and storage.Ephemeral. One mutex
// guards every map, which makes rotation and code redemption trivially
// atomic; contention is irrelevant at development scale.
type Store struct {
	now func() time.Time

	mu        sync.Mutex
	lastSweep time.Time

	users             map[string]storage.User // by ID
	userByEmail       map[string]string       // e-mail → user ID
	clients           map[string]storage.Client
	consents          map[consentKey]storage.Consent
	refresh           map[string]storage.RefreshToken // by hash
	replacedBy        map[string]string               // refresh hash → its successor's
	sessions          map[string]storage.Session      // by ID
	sessionByTok      map[string]string               // token hash → session ID
	keys              map[string]storage.SigningKey   // by ID
	authRequests      map[string]storage.AuthRequest
	codes             map[string]codeRecord // by hash
	flows             map[string]storage.LoginFlow
	revoked           map[string]time.Time              // key → until
	totp              map[string]storage.TOTPCredential // by user ID
	totpPending       map[string]storage.PendingTOTP    // by user ID
	totpUsed          map[string]time.Time              // user:step → until
	identities        map[identityKey]storage.Identity
	wallets           map[walletKey]storage.Wallet        // created on first use (wallet.go)
	walletNonces      map[string]storage.WalletNonce      // by hash
	counters          map[string]counter                  // rate-limit windows
	accountTokens     map[string]storage.AccountToken     // by hash, created on first use (accounts.go)
	accounts          map[string]accountExtra             // by user ID, created on first use (accounts.go)
	defOnce           sync.Once                           // defences.go
	defState          *defences                           // rate limits, failure counters, audit log
	passkeys          map[string]storage.Passkey          // by credential id; created on first use (passkeys.go)
	passkeyHandles    map[string][]byte                   // user ID → WebAuthn user handle
	passkeyChallenges map[string]storage.PasskeyChallenge // by binding key
	tenants           map[string]storage.Tenant           // by ID (tenants.go)
	grants            map[string]storage.RoleGrant        // by ID (tenants.go)
	brands            map[brandKey]storage.Brand          // brands.go
	device            *deviceState                        // created on first use (devicegrant.go)
	stamps            map[string]string                   // created on first use (stamps.go)
	apis              map[string]storage.API              // by ID, created on first use (apis.go)
	dpopPar           *dpopParState                       // created on first use (dpoppar.go)
	sessionClients    map[string]map[string]time.Time     // session ID → client ID → first code (sessions.go)
	outbox            *outboxState                        // created on first use (outbox.go)
}

var (
	_ storage.Durable   = (*Store)(nil)
	_ storage.Ephemeral = (*Store)(nil)
)

// New returns an empty store that decides expiry with now (time.Now if nil).
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{
		now:          now,
		users:        make(map[string]storage.User),
		userByEmail:  make(map[string]string),
		clients:      make(map[string]storage.Client),
		consents:     make(map[consentKey]storage.Consent),
		refresh:      make(map[string]storage.RefreshToken),
		replacedBy:   make(map[string]string),
		sessions:     make(map[string]storage.Session),
		sessionByTok: make(map[string]string),
		keys:         make(map[string]storage.SigningKey),
		authRequests: make(map[string]storage.AuthRequest),
		codes:        make(map[string]codeRecord),
		flows:        make(map[string]storage.LoginFlow),
		revoked:      make(map[string]time.Time),
		totp:         make(map[string]storage.TOTPCredential),
		totpPending:  make(map[string]storage.PendingTOTP),
		totpUsed:     make(map[string]time.Time),
		identities:   make(map[identityKey]storage.Identity),
		tenants:      map[string]storage.Tenant{storage.DefaultTenantID: defaultTenant(now())},
		grants:       make(map[string]storage.RoleGrant),
		brands:       make(map[brandKey]storage.Brand),
	}
}

// Ping always succeeds: the store is in-process.
func (s *Store) Ping(context.Context) error { return nil }

// expired reports whether a record ending at end is gone at now. It matches
// storage.RefreshToken.Usable: a record is valid strictly before its end.
func expired(now, end time.Time) bool { return !now.Before(end) }

// maybeSweepLocked drops expired records from every expiring map, at most
// once per sweepInterval. Callers hold s.mu.
func (s *Store) maybeSweepLocked(now time.Time) {
	if now.Sub(s.lastSweep) < sweepInterval {
		return
	}
	s.lastSweep = now
	s.sweepLocked(now)
}

// SweepExpired drops every record expired at before now, as the Postgres
// store's SweepExpired does (the writes' own sweep runs at most once a
// minute); each expired session is announced. It returns how many
// sessions it deleted.
func (s *Store) SweepExpired(_ context.Context, before time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sweepLocked(before), nil
}

// sweepLocked drops the records expired at now and returns how many
// sessions went. Callers hold s.mu.
func (s *Store) sweepLocked(now time.Time) int64 {
	var n int64
	for id, sess := range s.sessions {
		if expired(now, sess.ExpiresAt) {
			s.expireSessionLocked(id)
			n++
		}
	}
	deleteExpired(s.authRequests, now, func(r storage.AuthRequest) time.Time { return r.ExpiresAt })
	deleteExpired(s.codes, now, codeRecord.retainUntil)
	deleteExpired(s.flows, now, func(f storage.LoginFlow) time.Time { return f.ExpiresAt })
	deleteExpired(s.revoked, now, func(until time.Time) time.Time { return until })
	return n
}

// deleteExpired removes the entries of m whose end has passed.
func deleteExpired[K comparable, V any](m map[K]V, now time.Time, end func(V) time.Time) {
	for k, v := range m {
		if expired(now, end(v)) {
			delete(m, k)
		}
	}
}
