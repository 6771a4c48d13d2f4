package password

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// hugeBcrypt is a well-formed bcrypt hash at cost 31 (2^31 rounds, about
// 40 hours per check): an import must refuse it and a sign-in must never
// start hashing it.
const hugeBcrypt = "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"

func TestBcryptCostAboveCapRefused(t *testing.T) {
	if f, err := Format(hugeBcrypt); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("Format(cost 31) = %q, %v; want ErrUnknownFormat", f, err)
	}
	h, err := New(fastParams())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := h.Verify("U*U", hugeBcrypt)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, ErrMismatch) {
			t.Fatalf("Verify(cost 31) = %v; want an unreadable-hash error", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Verify(cost 31) still hashing after 3s; it must refuse the cost before hashing")
	}
}

// TestBcryptVerifyTakesHashingSlot: bcrypt verification is bounded by the
// same concurrency cap as argon2id.
func TestBcryptVerifyTakesHashingSlot(t *testing.T) {
	h, err := New(fastParams())
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	held := fillBudget(t, h)
	done := make(chan error, 1)
	go func() {
		_, err := h.Verify("pw", string(hash))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("bcrypt Verify returned (%v) while every hashing slot was taken", err)
	case <-time.After(300 * time.Millisecond):
	}
	held[0]()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("bcrypt Verify did not proceed after a slot was freed")
	}
}
