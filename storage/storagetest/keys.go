package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func signingKeyTests() []testCase[storage.SigningKeys] {
	return []testCase[storage.SigningKeys]{
		{"RoundTrip", testKeyRoundTrip},
		{"ListEmpty", testKeyListEmpty},
		{"ListOldestFirst", testKeyListOrdered},
		{"DuplicateID", testKeyDuplicateID},
		{"OneActivePerAlgorithm", testKeyOneActive},
		{"OneNextPerAlgorithm", testKeyOneNext},
		{"AlgorithmsCoexist", testKeyAlgorithmsCoexist},
		{"Rotate", testKeyRotate},
		{"RotateWithoutNext", testKeyRotateWithoutNext},
		{"DeleteRetired", testKeyDeleteRetired},
	}
}

// sampleKey returns a key in the given state with the timestamps that state
// implies. PrivateKey is random bytes (including zero and high bytes) because
// the store must treat the sealed key as opaque.
func sampleKey(c *Clock, alg, state string) storage.SigningKey {
	k := storage.SigningKey{
		ID:         randomID(),
		Algorithm:  alg,
		State:      state,
		PrivateKey: append([]byte{0x00, 0xff, 0x80}, randomBytes(1200)...),
		CreatedAt:  c.Now().Add(-48 * time.Hour),
	}
	if state != storage.KeyNext {
		k.ActivatedAt = c.Now().Add(-24 * time.Hour)
	}
	if state == storage.KeyRetired {
		k.RetiredAt = c.Now().Add(-time.Hour)
	}
	return k
}

// listKeys lists the keys, failing the test on error.
func listKeys(t *testing.T, s storage.SigningKeys) []storage.SigningKey {
	t.Helper()
	got, err := s.ListSigningKeys(t.Context())
	mustOK(t, err, "ListSigningKeys")
	return got
}

// createKeys stores keys in order, failing the test on error.
func createKeys(t *testing.T, s storage.SigningKeys, keys ...storage.SigningKey) {
	t.Helper()
	for _, k := range keys {
		mustOK(t, s.CreateSigningKey(t.Context(), k), "CreateSigningKey "+k.State+" "+k.Algorithm)
	}
}

func testKeyRoundTrip(t *testing.T, s storage.SigningKeys, c *Clock) {
	retired := sampleKey(c, "RS256", storage.KeyRetired)
	assertFilled(t, retired)
	createKeys(t, s, retired)
	assertEqual(t, "ListSigningKeys", listKeys(t, s), []storage.SigningKey{retired})
}

func testKeyListEmpty(t *testing.T, s storage.SigningKeys, _ *Clock) {
	if got := listKeys(t, s); len(got) != 0 {
		t.Errorf("ListSigningKeys on an empty store returned %d keys", len(got))
	}
}

func testKeyListOrdered(t *testing.T, s storage.SigningKeys, c *Clock) {
	retired := sampleKey(c, "RS256", storage.KeyRetired)
	active := sampleKey(c, "RS256", storage.KeyActive)
	active.CreatedAt = retired.CreatedAt.Add(time.Hour)
	next := sampleKey(c, "RS256", storage.KeyNext)
	next.CreatedAt = retired.CreatedAt.Add(2 * time.Hour)
	createKeys(t, s, next, retired, active)
	assertEqual(t, "ListSigningKeys", listKeys(t, s), []storage.SigningKey{retired, active, next})
}

func testKeyDuplicateID(t *testing.T, s storage.SigningKeys, c *Clock) {
	k := sampleKey(c, "RS256", storage.KeyRetired)
	createKeys(t, s, k)
	dup := sampleKey(c, "ES256", storage.KeyActive)
	dup.ID = k.ID
	mustErr(t, s.CreateSigningKey(t.Context(), dup), storage.ErrAlreadyExists, "CreateSigningKey with a taken ID")
	assertEqual(t, "keys after rejected duplicate", listKeys(t, s), []storage.SigningKey{k})
}

func testKeyOneActive(t *testing.T, s storage.SigningKeys, c *Clock) {
	k := sampleKey(c, "RS256", storage.KeyActive)
	createKeys(t, s, k)
	err := s.CreateSigningKey(t.Context(), sampleKey(c, "RS256", storage.KeyActive))
	mustErr(t, err, storage.ErrAlreadyExists, "second active RS256 key")
	assertEqual(t, "keys after rejected key", listKeys(t, s), []storage.SigningKey{k})
}

func testKeyOneNext(t *testing.T, s storage.SigningKeys, c *Clock) {
	k := sampleKey(c, "ES256", storage.KeyNext)
	createKeys(t, s, k)
	err := s.CreateSigningKey(t.Context(), sampleKey(c, "ES256", storage.KeyNext))
	mustErr(t, err, storage.ErrAlreadyExists, "second next ES256 key")
	assertEqual(t, "keys after rejected key", listKeys(t, s), []storage.SigningKey{k})
}

// An active and a next key per algorithm, and any number of retired keys,
// coexist.
func testKeyAlgorithmsCoexist(t *testing.T, s storage.SigningKeys, c *Clock) {
	var want []storage.SigningKey
	for i, spec := range [][2]string{
		{"RS256", storage.KeyRetired}, {"RS256", storage.KeyRetired}, {"ES256", storage.KeyRetired},
		{"RS256", storage.KeyActive}, {"ES256", storage.KeyActive},
		{"RS256", storage.KeyNext}, {"ES256", storage.KeyNext},
	} {
		k := sampleKey(c, spec[0], spec[1])
		k.CreatedAt = k.CreatedAt.Add(time.Duration(i) * time.Minute)
		want = append(want, k)
	}
	createKeys(t, s, want...)
	assertEqual(t, "ListSigningKeys", listKeys(t, s), want)
}

func testKeyRotate(t *testing.T, s storage.SigningKeys, c *Clock) {
	retired := sampleKey(c, "RS256", storage.KeyRetired)
	active := sampleKey(c, "RS256", storage.KeyActive)
	active.CreatedAt = retired.CreatedAt.Add(time.Minute)
	next := sampleKey(c, "RS256", storage.KeyNext)
	next.CreatedAt = retired.CreatedAt.Add(2 * time.Minute)
	es := sampleKey(c, "ES256", storage.KeyActive) // another algorithm: untouched
	es.CreatedAt = retired.CreatedAt.Add(3 * time.Minute)
	createKeys(t, s, retired, active, next, es)

	c.Advance(time.Hour)
	at := c.Now()
	newNext := sampleKey(c, "RS256", storage.KeyNext)
	newNext.CreatedAt = at
	mustOK(t, s.RotateSigningKeys(t.Context(), newNext, at), "RotateSigningKeys")

	active.State, active.RetiredAt = storage.KeyRetired, at
	next.State, next.ActivatedAt = storage.KeyActive, at
	assertEqual(t, "keys after rotation", listKeys(t, s), []storage.SigningKey{retired, active, next, es, newNext})
}

func testKeyRotateWithoutNext(t *testing.T, s storage.SigningKeys, c *Clock) {
	active := sampleKey(c, "RS256", storage.KeyActive)
	otherNext := sampleKey(c, "ES256", storage.KeyNext) // wrong algorithm
	otherNext.CreatedAt = active.CreatedAt.Add(time.Minute)
	createKeys(t, s, active, otherNext)
	newNext := sampleKey(c, "RS256", storage.KeyNext)
	newNext.CreatedAt = c.Now()
	mustErr(t, s.RotateSigningKeys(t.Context(), newNext, c.Now()), storage.ErrNotFound, "RotateSigningKeys without a next key")
	assertEqual(t, "keys after failed rotation", listKeys(t, s), []storage.SigningKey{active, otherNext})
}

func testKeyDeleteRetired(t *testing.T, s storage.SigningKeys, c *Clock) {
	cutoff := c.Now().Add(-time.Hour)
	old := sampleKey(c, "RS256", storage.KeyRetired)
	old.RetiredAt = cutoff.Add(-time.Minute)
	recent := sampleKey(c, "RS256", storage.KeyRetired)
	recent.CreatedAt = old.CreatedAt.Add(time.Minute)
	recent.RetiredAt = cutoff.Add(time.Minute)
	active := sampleKey(c, "RS256", storage.KeyActive)
	active.CreatedAt = old.CreatedAt.Add(2 * time.Minute)
	next := sampleKey(c, "RS256", storage.KeyNext)
	next.CreatedAt = old.CreatedAt.Add(3 * time.Minute)
	createKeys(t, s, old, recent, active, next)

	mustOK(t, s.DeleteRetiredSigningKeys(t.Context(), cutoff), "DeleteRetiredSigningKeys")
	assertEqual(t, "keys after delete", listKeys(t, s), []storage.SigningKey{recent, active, next})
	mustOK(t, s.DeleteRetiredSigningKeys(t.Context(), cutoff), "DeleteRetiredSigningKeys (nothing to do)")
	assertEqual(t, "keys after second delete", listKeys(t, s), []storage.SigningKey{recent, active, next})
}
