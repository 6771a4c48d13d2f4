package keys_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/memory"
)

const (
	testGrace  = time.Hour
	testReload = 30 * time.Second
)

var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// newManager returns an uninitialised Manager on store with the test clock.
func newManager(store storage.SigningKeys, sealer *keys.Sealer, c *clock, alg jose.SignatureAlgorithm) *keys.Manager {
	return &keys.Manager{
		Store: store, Sealer: sealer, Algorithm: alg,
		Grace: testGrace, ReloadEvery: testReload, Now: c.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// initManager returns an initialised Manager on a fresh in-memory store.
func initManager(t testing.TB, alg jose.SignatureAlgorithm) (*keys.Manager, *memory.Store, *clock) {
	t.Helper()
	c := newClock()
	store := memory.New(c.Now)
	m := newManager(store, mustSealer(t), c, alg)
	if err := m.Init(context.Background()); err != nil {
		t.Fatalf("Init: %v", err)
	}
	return m, store, c
}

// stored returns the store's keys of alg in state.
func stored(t *testing.T, s storage.SigningKeys, alg jose.SignatureAlgorithm, state string) []storage.SigningKey {
	t.Helper()
	all, err := s.ListSigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(all, func(k storage.SigningKey) bool {
		return k.Algorithm != string(alg) || k.State != state
	})
}

// onlyKID returns the kid of the single key of alg in state.
func onlyKID(t *testing.T, s storage.SigningKeys, alg jose.SignatureAlgorithm, state string) string {
	t.Helper()
	ks := stored(t, s, alg, state)
	if len(ks) != 1 {
		t.Fatalf("%d %s %s keys in store, want 1", len(ks), state, alg)
	}
	return ks[0].ID
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// copyStore returns a fresh store holding the records of src that keep
// returns, as changed by it.
func copyStore(t *testing.T, src storage.SigningKeys, c *clock, keep func(*storage.SigningKey) bool) *memory.Store {
	t.Helper()
	all, err := src.ListSigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dst := memory.New(c.Now)
	for i := range all {
		if !keep(&all[i]) {
			continue
		}
		if err := dst.CreateSigningKey(context.Background(), all[i]); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func activeKID(t *testing.T, m *keys.Manager) string {
	t.Helper()
	k, err := m.SigningKey(context.Background())
	if err != nil {
		t.Fatalf("SigningKey: %v", err)
	}
	return k.ID()
}

// publicKIDs returns the published kids, sorted: the store orders keys of
// equal CreatedAt arbitrarily.
func publicKIDs(t *testing.T, m *keys.Manager) []string {
	return publicKIDsOf(t, m, "")
}

// publicKIDsOf is publicKIDs restricted to the keys of alg (all if "").
func publicKIDsOf(t *testing.T, m *keys.Manager, alg jose.SignatureAlgorithm) []string {
	t.Helper()
	pks, err := m.PublicKeys(context.Background())
	if err != nil {
		t.Fatalf("PublicKeys: %v", err)
	}
	var ids []string
	for _, k := range pks {
		if alg == "" || k.Algorithm() == alg {
			ids = append(ids, k.ID())
		}
	}
	slices.Sort(ids)
	return ids
}

func TestInitCreatesActiveAndNext(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(string(alg), func(t *testing.T) {
			m, store, _ := initManager(t, alg)
			active := onlyKID(t, store, alg, storage.KeyActive)
			next := onlyKID(t, store, alg, storage.KeyNext)
			if got := activeKID(t, m); got != active {
				t.Errorf("SigningKey = %s, want active %s", got, active)
			}
			if got := publicKIDsOf(t, m, alg); !slices.Equal(got, sorted(active, next)) {
				t.Errorf("PublicKeys = %v, want [%s %s]", got, active, next)
			}
			k, _ := m.SigningKey(context.Background())
			if k.SignatureAlgorithm() != alg {
				t.Errorf("algorithm = %s, want %s", k.SignatureAlgorithm(), alg)
			}
		})
	}
}

func TestDefaultAlgorithmIsRS256(t *testing.T) {
	m, store, _ := initManager(t, "")
	if got := activeKID(t, m); got != onlyKID(t, store, jose.RS256, storage.KeyActive) {
		t.Errorf("default manager signs with %s, not the RS256 active key", got)
	}
}

func TestInitIdempotent(t *testing.T) {
	m, store, _ := initManager(t, jose.RS256)
	before := activeKID(t, m)
	if err := m.Init(context.Background()); err != nil {
		t.Fatalf("second Init: %v", err)
	}
	all, _ := store.ListSigningKeys(context.Background())
	if len(all) != 2 {
		t.Errorf("%d keys after second Init, want 2", len(all))
	}
	if after := activeKID(t, m); after != before {
		t.Errorf("active kid changed from %s to %s", before, after)
	}
}

func TestInitCompletesPartialState(t *testing.T) {
	m1, full, c := initManager(t, jose.ES256)
	active := activeKID(t, m1)
	// Only the active key survived, as after a crash between the creations.
	store := copyStore(t, full, c, func(k *storage.SigningKey) bool { return k.State == storage.KeyActive })
	m := newManager(store, m1.Sealer, c, jose.ES256)
	if err := m.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	onlyKID(t, store, jose.ES256, storage.KeyNext)
	if got := onlyKID(t, store, jose.ES256, storage.KeyActive); got != active {
		t.Errorf("Init replaced the active key %s with %s", active, got)
	}
}

func TestInitToleratesConcurrentCreation(t *testing.T) {
	_, store, c := initManager(t, jose.RS256)
	sealer := mustSealer(t) // irrelevant: this node never unseals before failing
	// The second node's first listing misses the keys the first node made,
	// so it tries to create both and meets ErrAlreadyExists twice.
	blind := &blindStore{SigningKeys: store}
	m2 := newManager(blind, sealer, c, jose.RS256)
	err := m2.Init(context.Background())
	// Its master key differs, so the reload after the tolerated conflicts
	// must fail to unseal: proof that Init got past both conflicts.
	if !errors.Is(err, keys.ErrUnsealFailed) {
		t.Fatalf("Init = %v, want ErrUnsealFailed from the reload", err)
	}
	if all, _ := store.ListSigningKeys(context.Background()); len(all) != 2 {
		t.Errorf("%d keys in store, want 2", len(all))
	}
}

func TestTwoManagersAgree(t *testing.T) {
	c, sealer := newClock(), mustSealer(t)
	store := memory.New(c.Now)
	ms := make([]*keys.Manager, 8)
	var wg sync.WaitGroup
	errs := make([]error, len(ms))
	for i := range ms {
		ms[i] = newManager(store, sealer, c, jose.ES256)
		wg.Go(func() { errs[i] = ms[i].Init(context.Background()) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Init: %v", err)
	}
	want := onlyKID(t, store, jose.ES256, storage.KeyActive)
	onlyKID(t, store, jose.ES256, storage.KeyNext)
	for i, m := range ms {
		if got := activeKID(t, m); got != want {
			t.Errorf("manager %d signs with %s, want %s", i, got, want)
		}
	}
}

func TestRotate(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(string(alg), func(t *testing.T) {
			m, store, c := initManager(t, alg)
			oldActive, oldNext := activeKID(t, m), onlyKID(t, store, alg, storage.KeyNext)
			c.Advance(time.Minute)
			if err := m.Rotate(context.Background()); err != nil {
				t.Fatalf("Rotate: %v", err)
			}
			if got := activeKID(t, m); got != oldNext {
				t.Errorf("active after Rotate = %s, want old next %s", got, oldNext)
			}
			retired := stored(t, store, alg, storage.KeyRetired)
			if len(retired) != 1 || retired[0].ID != oldActive || !retired[0].RetiredAt.Equal(c.Now()) {
				t.Errorf("retired = %+v, want %s retired at %s", retired, oldActive, c.Now())
			}
			newNext := onlyKID(t, store, alg, storage.KeyNext)
			if newNext == oldActive || newNext == oldNext {
				t.Errorf("new next kid %s reuses an old kid", newNext)
			}
			if got, want := publicKIDsOf(t, m, alg), sorted(oldActive, oldNext, newNext); !slices.Equal(got, want) {
				t.Errorf("PublicKeys = %v, want %v", got, want)
			}
		})
	}
}

func TestTokenSignedBeforeRotationVerifies(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(string(alg), func(t *testing.T) {
			m, _, c := initManager(t, alg)
			k, _ := m.SigningKey(context.Background())
			token, err := k.Sign([]byte(`{"sub":"u1"}`), "at+jwt")
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Rotate(context.Background()); err != nil {
				t.Fatal(err)
			}
			c.Advance(testGrace - time.Second)
			payload, err := verify(t, m, token)
			if err != nil {
				t.Fatalf("token signed before rotation does not verify: %v", err)
			}
			if string(payload) != `{"sub":"u1"}` {
				t.Errorf("payload = %s", payload)
			}
			c.Advance(2 * time.Second) // past Grace: the key is no longer published
			if _, err := verify(t, m, token); err == nil {
				t.Error("token still verifies after the grace period")
			}
		})
	}
}

// verify checks token the way a relying party does: through the JWKS built
// from PublicKeys, selecting the key by kid.
func verify(t *testing.T, m *keys.Manager, token string) ([]byte, error) {
	t.Helper()
	pks, err := m.PublicKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	for _, pk := range pks {
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key: pk.Key(), KeyID: pk.ID(), Algorithm: string(pk.Algorithm()), Use: pk.Use(),
		})
	}
	jws, err := jose.ParseSignedCompact(token, algorithms)
	if err != nil {
		t.Fatal(err)
	}
	return jws.Verify(set)
}

func TestRetiredKeyPrunedAfterGrace(t *testing.T) {
	m, store, c := initManager(t, jose.RS256)
	old := activeKID(t, m)
	if err := m.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		advance   time.Duration
		published bool
	}{
		{0, true},
		{testGrace - time.Nanosecond, true},
		{time.Nanosecond, false}, // exactly RetiredAt+Grace: no longer after now
	}
	for _, tt := range tests {
		c.Advance(tt.advance)
		if got := slices.Contains(publicKIDs(t, m), old); got != tt.published {
			t.Fatalf("at RetiredAt+%s: published = %v, want %v", c.Now().Sub(stored(t, store, jose.RS256, storage.KeyRetired)[0].RetiredAt), got, tt.published)
		}
	}
	// A prune within Grace would have kept it; this one, just after, must not.
	c.Advance(time.Nanosecond)
	if err := m.Prune(context.Background()); err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if n := len(stored(t, store, jose.RS256, storage.KeyRetired)); n != 0 {
		t.Errorf("%d retired keys left after Prune", n)
	}
	if got := len(publicKIDs(t, m)); got != 2 {
		t.Errorf("%d public keys after Prune, want 2", got)
	}
}

func TestPruneKeepsKeysWithinGrace(t *testing.T) {
	m, store, c := initManager(t, jose.ES256)
	if err := m.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Advance(testGrace - time.Second)
	if err := m.Prune(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(stored(t, store, jose.ES256, storage.KeyRetired)); n != 1 {
		t.Errorf("%d retired keys after early Prune, want 1", n)
	}
}

func TestSecondManagerSeesRotationAfterReloadEvery(t *testing.T) {
	m1, store, c := initManager(t, jose.RS256)
	sealer := m1.Sealer
	counting := &countingStore{SigningKeys: store}
	m2 := newManager(counting, sealer, c, jose.RS256)
	if err := m2.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	old, oldNext := activeKID(t, m2), onlyKID(t, store, jose.RS256, storage.KeyNext)
	if err := m1.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	lists := counting.lists.Load()
	c.Advance(testReload - time.Second)
	if got := activeKID(t, m2); got != old {
		t.Errorf("m2 switched to %s before ReloadEvery", got)
	}
	if n := counting.lists.Load() - lists; n != 0 {
		t.Errorf("fresh SigningKey read the store %d times", n)
	}
	c.Advance(time.Second)
	if got := activeKID(t, m2); got != oldNext {
		t.Errorf("m2 signs with %s after ReloadEvery, want %s", got, oldNext)
	}
	if n := counting.lists.Load() - lists; n != 1 {
		t.Errorf("stale SigningKey read the store %d times, want 1", n)
	}
}

func TestReloadFailureKeepsCachedKeys(t *testing.T) {
	m1, store, c := initManager(t, jose.ES256)
	counting := &countingStore{SigningKeys: store}
	m := newManager(counting, m1.Sealer, c, jose.ES256)
	if err := m.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := activeKID(t, m)
	counting.fail.Store(true)
	base := counting.lists.Load()
	c.Advance(testReload)
	for range 3 {
		if got := activeKID(t, m); got != want {
			t.Fatalf("SigningKey = %s during outage, want cached %s", got, want)
		}
	}
	if n := counting.lists.Load() - base; n != 1 {
		t.Errorf("%d reload attempts during one interval, want 1", n)
	}
	if err := m.Reload(context.Background()); !errors.Is(err, errDown) {
		t.Errorf("forced Reload = %v, want the store error", err)
	}
	counting.fail.Store(false)
	c.Advance(testReload)
	if got := activeKID(t, m); got != want {
		t.Errorf("SigningKey after recovery = %s, want %s", got, want)
	}
}

func TestConcurrentSigningDuringReload(t *testing.T) {
	m, _, c := initManager(t, jose.ES256)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 50 {
				k, err := m.SigningKey(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := k.Sign([]byte(`{}`), "JWT"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 10 {
		c.Advance(testReload)
		if err := m.Rotate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

func TestSigningKeyDoesNotAllocateWhenFresh(t *testing.T) {
	m, _, _ := initManager(t, jose.RS256)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := m.SigningKey(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("SigningKey allocates %.1f times per call, want 0", allocs)
	}
}

func TestManagerWithWrongMasterKeyFails(t *testing.T) {
	_, store, c := initManager(t, jose.RS256)
	m := newManager(store, mustSealer(t), c, jose.RS256)
	if err := m.Init(context.Background()); !errors.Is(err, keys.ErrUnsealFailed) {
		t.Fatalf("Init with another master key = %v, want ErrUnsealFailed", err)
	}
	if _, err := m.SigningKey(context.Background()); !errors.Is(err, keys.ErrUnsealFailed) {
		t.Errorf("SigningKey = %v, want ErrUnsealFailed", err)
	}
}

func TestSealedKeyCannotMoveBetweenRows(t *testing.T) {
	m1, full, c := initManager(t, jose.RS256)
	all, _ := full.ListSigningKeys(context.Background())
	blobs := map[string][]byte{all[0].ID: all[1].PrivateKey, all[1].ID: all[0].PrivateKey}
	swapped := copyStore(t, full, c, func(k *storage.SigningKey) bool {
		k.PrivateKey = blobs[k.ID]
		return true
	})
	m := newManager(swapped, m1.Sealer, c, jose.RS256)
	if err := m.Reload(context.Background()); !errors.Is(err, keys.ErrUnsealFailed) {
		t.Fatalf("Reload with swapped blobs = %v, want ErrUnsealFailed", err)
	}
}

// Keys of several algorithms are active at once: each signs with its own
// algorithm, all are published, and Rotate rotates them together.
func TestSeveralAlgorithmsActive(t *testing.T) {
	sealer, c := mustSealer(t), newClock()
	store := memory.New(c.Now)
	m := newManager(store, sealer, c, jose.ES256)
	m.Extra = []jose.SignatureAlgorithm{jose.EdDSA}
	if err := m.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := m.SigningAlgorithms(); !slices.Equal(got, []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.EdDSA}) {
		t.Errorf("SigningAlgorithms = %v, want the default first, RS256 always, then Extra", got)
	}
	if k, _ := m.SigningKey(context.Background()); k.SignatureAlgorithm() != jose.ES256 {
		t.Errorf("SigningKey signs with %s, want the default ES256", k.SignatureAlgorithm())
	}
	before := map[jose.SignatureAlgorithm]string{}
	for _, alg := range algorithms {
		k, err := m.SigningKeyFor(context.Background(), alg)
		if err != nil || k.SignatureAlgorithm() != alg || k.ID() != onlyKID(t, store, alg, storage.KeyActive) {
			t.Fatalf("SigningKeyFor(%s) = %v, %v; want the active %s key", alg, k, err, alg)
		}
		before[alg] = k.ID()
		if n := len(publicKIDsOf(t, m, alg)); n != 2 {
			t.Errorf("%d %s keys published, want 2 (active and next)", n, alg)
		}
	}
	if _, err := m.SigningKeyFor(context.Background(), jose.PS256); !errors.Is(err, keys.ErrNoActiveKey) {
		t.Errorf("SigningKeyFor(PS256) = %v, want ErrNoActiveKey", err)
	}
	c.Advance(time.Minute)
	if err := m.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, alg := range algorithms {
		retired := stored(t, store, alg, storage.KeyRetired)
		if len(retired) != 1 || retired[0].ID != before[alg] {
			t.Errorf("after Rotate, retired %s keys = %v, want the old active %s", alg, retired, before[alg])
		}
		if k, _ := m.SigningKeyFor(context.Background(), alg); k.ID() == before[alg] {
			t.Errorf("%s still signs with the retired key", alg)
		}
	}

	// A node configured without EdDSA still publishes the EdDSA keys it
	// finds (another node signs with them) but does not sign with them.
	rsOnly := newManager(store, sealer, c, jose.RS256)
	if err := rsOnly.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := rsOnly.SigningKeyFor(context.Background(), jose.EdDSA); !errors.Is(err, keys.ErrNoActiveKey) {
		t.Errorf("SigningKeyFor(EdDSA) on an RS256-only node = %v, want ErrNoActiveKey", err)
	}
	if n := len(publicKIDsOf(t, rsOnly, jose.EdDSA)); n != 3 {
		t.Errorf("RS256-only node publishes %d EdDSA keys, want 3 (active, next, retired)", n)
	}
}

func TestManagerConfigErrors(t *testing.T) {
	sealer, c := mustSealer(t), newClock()
	store := memory.New(c.Now)
	tests := []struct {
		name string
		m    *keys.Manager
	}{
		{"nil store", newManager(nil, sealer, c, jose.RS256)},
		{"nil sealer", newManager(store, nil, c, jose.RS256)},
		{"HS256", newManager(store, sealer, c, jose.HS256)},
		{"RS512", newManager(store, sealer, c, jose.RS512)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.m.Init(context.Background()); err == nil {
				t.Error("Init succeeded, want error")
			}
			if err := tt.m.Rotate(context.Background()); err == nil {
				t.Error("Rotate succeeded, want error")
			}
		})
	}
	if all, _ := store.ListSigningKeys(context.Background()); len(all) != 0 {
		t.Errorf("misconfigured managers stored %d keys", len(all))
	}
}

func TestSigningKeyWithoutActiveKey(t *testing.T) {
	m := newManager(memory.New(nil), mustSealer(t), newClock(), jose.RS256)
	if _, err := m.SigningKey(context.Background()); !errors.Is(err, keys.ErrNoActiveKey) {
		t.Errorf("SigningKey on empty store = %v, want ErrNoActiveKey", err)
	}
}

func TestRotateWithoutNextKey(t *testing.T) {
	m := newManager(memory.New(nil), mustSealer(t), newClock(), jose.RS256)
	if err := m.Rotate(context.Background()); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Rotate on empty store = %v, want storage.ErrNotFound", err)
	}
}

func TestStaleReaderDoesNotWaitForReload(t *testing.T) {
	m1, store, c := initManager(t, jose.ES256)
	gate := newGateStore(store)
	m := newManager(gate, m1.Sealer, c, jose.ES256)
	if err := m.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := activeKID(t, m)
	gate.armed.Store(true)
	c.Advance(testReload)
	// Goroutines must not call t.Fatal, so they report "" on error.
	kid := func(out chan<- string) {
		k, err := m.SigningKey(context.Background())
		if err != nil {
			t.Error(err)
			out <- ""
			return
		}
		out <- k.ID()
	}
	reloaded, got := make(chan string), make(chan string)
	go kid(reloaded) // this caller runs the reload
	<-gate.entered
	go kid(got) // this one must not wait for it
	select {
	case kid := <-got:
		if kid != want {
			t.Errorf("stale reader got %s, want %s", kid, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SigningKey blocked behind a reload in progress")
	}
	close(gate.release)
	if kid := <-reloaded; kid != want {
		t.Errorf("reloading caller got %s, want %s", kid, want)
	}
}

func TestReloadReusesDecodedKeys(t *testing.T) {
	m, _, c := initManager(t, jose.RS256)
	before, _ := m.SigningKey(context.Background())
	c.Advance(testReload)
	if err := m.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Same pointer: the key was not unsealed and parsed again, and the
	// signers it cached survive the reload.
	if after, _ := m.SigningKey(context.Background()); after != before {
		t.Error("Reload decoded an unchanged key again")
	}
}
