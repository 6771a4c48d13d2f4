package app_test

import (
	"testing"
	"time"
)

// TestRefreshSupersededSuccessorIsReplay, on both backends: T0 is rotated
// to T1 (the answer is lost), the retry with T0 supersedes T1 with T2, and
// T1 presented afterwards is replay: refused, and the family is revoked.
// Otherwise T0 and T1 could supersede each other's successors for as long
// as the reuse interval keeps being renewed, and a public client does not
// authenticate, so a thief of one rotated token could keep minting.
func TestRefreshSupersededSuccessorIsReplay(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			r, tok := offlineToken(t, e)
			lost, err := r.refresh(tok.RefreshToken)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(5 * time.Second)
			retried, err := r.refresh(tok.RefreshToken)
			if err != nil {
				t.Fatalf("retry inside the interval: %v", err)
			}
			e.clock.Advance(5 * time.Second)
			if _, err := r.refresh(lost.RefreshToken); !isOAuthError(err, "invalid_grant") {
				t.Fatalf("the superseded successor presented again: %v, want invalid_grant", err)
			}
			if _, err := r.refresh(retried.RefreshToken); !isOAuthError(err, "invalid_grant") {
				t.Fatalf("the family survived a superseded token's reuse: %v", err)
			}
			if r.introspect(retried.AccessToken)["active"] != false {
				t.Fatal("replay did not revoke the family's access tokens")
			}
		})
	}
}
