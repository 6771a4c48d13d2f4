package password

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"golang.org/x/crypto/bcrypt"
)

func fastParams() argon2id.Params {
	return argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

func TestHashUsesOWASPParameters(t *testing.T) {
	h, err := New(OWASP)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry the OWASP parameters", hash)
	}
}

func TestVerify(t *testing.T) {
	h, err := New(fastParams())
	if err != nil {
		t.Fatal(err)
	}
	current, _ := h.Hash("s3cret-pass")
	other := fastParams()
	other.Iterations = 3
	oldArgon, _ := argon2id.CreateHash("s3cret-pass", &other)
	oldBcrypt, _ := bcrypt.GenerateFromPassword([]byte("s3cret-pass"), bcrypt.MinCost)

	tests := []struct {
		name       string
		password   string
		hash       string
		wantErr    error
		wantRehash bool
		wantOther  bool
	}{
		{name: "current argon2id", password: "s3cret-pass", hash: current},
		{name: "wrong password", password: "nope", hash: current, wantErr: ErrMismatch},
		{name: "old argon2 parameters", password: "s3cret-pass", hash: oldArgon, wantRehash: true},
		{name: "bcrypt from the old service", password: "s3cret-pass", hash: string(oldBcrypt), wantRehash: true},
		{name: "bcrypt wrong password", password: "nope", hash: string(oldBcrypt), wantErr: ErrMismatch},
		{name: "garbage hash", password: "s3cret-pass", hash: "plaintext", wantOther: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := h.Verify(tt.password, tt.hash)
			switch {
			case tt.wantOther:
				if err == nil || errors.Is(err, ErrMismatch) {
					t.Fatalf("err = %v, want an unreadable-hash error", err)
				}
			case !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			case err == nil && res.NeedsRehash != tt.wantRehash:
				t.Fatalf("NeedsRehash = %v, want %v", res.NeedsRehash, tt.wantRehash)
			}
		})
	}
}

func TestVerifyUnknownAlwaysFails(t *testing.T) {
	h, _ := New(fastParams())
	if err := h.VerifyUnknown("admit-timing-equaliser"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("err = %v, want ErrMismatch", err)
	}
}

func BenchmarkVerifyOWASP(b *testing.B) {
	h, _ := New(OWASP)
	hash, _ := h.Hash("benchmark-password")
	b.ResetTimer()
	for b.Loop() {
		if _, err := h.Verify("benchmark-password", hash); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentHashesAreBounded: no more hashes than the budget's slots
// run at once, whatever the number of callers.
func TestConcurrentHashesAreBounded(t *testing.T) {
	h, _ := New(fastParams())
	if got, want := h.Budget().Concurrency(), DefaultConcurrency(); got != want {
		t.Fatalf("default budget %d slots; want %d", got, want)
	}
	held := fillBudget(t, h)
	done := make(chan struct{})
	go func() { _, _ = h.Hash("x"); close(done) }()
	select {
	case <-done:
		t.Fatal("a hash ran while every slot was taken")
	case <-time.After(50 * time.Millisecond):
	}
	held[0]()
	<-done
}

// fillBudget takes every slot of h's budget and returns their releases.
func fillBudget(t *testing.T, h *Hasher) []func() {
	t.Helper()
	var held []func()
	for range h.Budget().Concurrency() {
		r, err := h.Budget().Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, r)
	}
	return held
}

// TestOWASPDummyHash: the precomputed equal-time hash has exactly the
// OWASP parameters (so an unknown e-mail costs what a known one does), and
// New uses it without hashing.
func TestOWASPDummyHash(t *testing.T) {
	params, _, _, err := argon2id.DecodeHash(owaspDummyHash)
	if err != nil {
		t.Fatal(err)
	}
	if *params != OWASP {
		t.Fatalf("dummy hash parameters %+v, want OWASP %+v", *params, OWASP)
	}
	ok, err := argon2id.ComparePasswordAndHash("admit-timing-equaliser", owaspDummyHash)
	if err != nil || !ok {
		t.Fatalf("dummy hash does not verify: %v %v", ok, err)
	}
	h, err := New(OWASP)
	if err != nil {
		t.Fatal(err)
	}
	if h.dummyHash != owaspDummyHash || h.Budget().Stats().Admitted != 0 {
		t.Fatalf("New(OWASP) hashed at start (admitted %d)", h.Budget().Stats().Admitted)
	}
	if err := h.VerifyUnknown("whatever"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("VerifyUnknown: %v", err)
	}
}
