package login

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/admit-idp/admit/storage"
)

type countingDefences struct{ failed, succeeded []Attempt }

func (c *countingDefences) Check(*http.Request, Attempt) (Verdict, error) { return Verdict{}, nil }
func (c *countingDefences) Failed(_ *http.Request, a Attempt) (Verdict, error) {
	c.failed = append(c.failed, a)
	return Verdict{}, nil
}
func (c *countingDefences) Succeeded(_ *http.Request, a Attempt) error {
	c.succeeded = append(c.succeeded, a)
	return nil
}
func (c *countingDefences) CaptchaFor(*http.Request, string) (Captcha, error) { return Captcha{}, nil }

// Only the outcome of the step that went through Guard counts: a wallet
// failure after a password attempt does not count against the e-mail, and
// a success with another method does not reset its counter.
func TestOnlyGuardedStepsCount(t *testing.T) {
	d := &countingDefences{}
	e := &Engine{Defences: d, Logger: slog.New(slog.DiscardHandler)}
	f := &Flow{LoginFlow: storage.LoginFlow{Data: map[string]string{}}}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	w := httptest.NewRecorder()

	if !e.Guard(w, r, f, Attempt{Action: "login", Identifier: "ada@example.com", Lockable: true}) {
		t.Fatal("guard refused")
	}
	e.defenceFailed(r, f, "password", "bad_credentials")
	e.defenceFailed(r, f, "wallet", "bad_signature") // not guarded
	f.UserID = "mallory"
	e.defenceSucceeded(r, f, "wallet") // not guarded: must not reset ada's counter
	if len(d.failed) != 1 || d.failed[0].Identifier != "ada@example.com" || len(d.succeeded) != 0 {
		t.Fatalf("failed %+v succeeded %+v", d.failed, d.succeeded)
	}
	e.Guard(w, r, f, Attempt{Action: "login", Identifier: "ada@example.com", Lockable: true})
	e.defenceSucceeded(r, f, "password")
	if len(d.succeeded) != 1 {
		t.Fatalf("guarded success not reported: %+v", d.succeeded)
	}
}
