package selfservice

import "testing"

// TestBlocklistDecodedOnFirstUse: building a policy (at start) does not
// decode the blocklist; the first check does, once, for every policy.
func TestBlocklistDecodedOnFirstUse(t *testing.T) {
	before := blocklistsDecoded.Load()
	p, q := NewPolicy(8, 64), NewPolicy(9, 128)
	if n := blocklistsDecoded.Load() - before; n != 0 {
		t.Fatalf("NewPolicy decoded the blocklist %d times, want 0", n)
	}
	if got := p.Problem("password1", ""); got != ProblemCommon {
		t.Fatalf("Problem(password1) = %q, want %q", got, ProblemCommon)
	}
	if got := q.Problem("password1", ""); got != ProblemCommon {
		t.Fatalf("Problem(password1) with min 9 = %q, want %q", got, ProblemCommon)
	}
	if n := blocklistsDecoded.Load(); n != 1 {
		t.Fatalf("blocklist decoded %d times in this process, want once", n)
	}
}
