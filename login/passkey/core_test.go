package passkey

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/admit-idp/admit/login/passkey/passkeytest"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/memory"
)

const origin = "https://id.example.com"

type fixture struct {
	core  *Core
	store *memory.Store
	now   time.Time
	user  storage.User
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.store = memory.New(func() time.Time { return f.now })
	rp, err := RelyingParty(origin)
	if err != nil {
		t.Fatal(err)
	}
	f.core = &Core{
		WebAuthn: rp, Store: f.store, Challenges: f.store, Now: func() time.Time { return f.now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	f.user = storage.User{ID: "u1", Email: "a@example.com", CreatedAt: f.now, UpdatedAt: f.now}
	if err := f.store.CreateUser(context.Background(), f.user); err != nil {
		t.Fatal(err)
	}
	return f
}

// register stores a credential for the user the way the account section
// does (through go-webauthn's registration checks).
func (f *fixture) register(t testing.TB, flags byte, count uint32) *passkeytest.Credential {
	t.Helper()
	ctx := context.Background()
	u, err := f.core.loadUser(ctx, f.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	opts, sd, err := f.core.WebAuthn.BeginRegistration(u)
	if err != nil {
		t.Fatal(err)
	}
	c := passkeytest.New("id.example.com", u.handle, flags)
	c.Count = count
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(c.Attestation(opts.Response.Challenge.String(), origin)))
	if err != nil {
		t.Fatal(err)
	}
	cred, err := f.core.WebAuthn.CreateCredential(u, *sd, parsed)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreatePasskey(ctx, fromCredential(cred, f.user.ID, "Key", f.now)); err != nil {
		t.Fatal(err)
	}
	return c
}

// login runs a discoverable ceremony through the ephemeral store.
func (f *fixture) login(t *testing.T, respond func(challenge string) string) (Assertion, error) {
	t.Helper()
	ctx := context.Background()
	opts, sd, err := f.core.WebAuthn.BeginDiscoverableLogin()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.core.saveCeremony(ctx, flowBinding("f1"), sd); err != nil {
		t.Fatal(err)
	}
	raw := respond(opts.Response.Challenge.String())
	got, err := f.core.takeCeremony(ctx, flowBinding("f1"))
	if err != nil {
		return Assertion{}, err
	}
	return f.core.VerifyDiscoverable(ctx, got, []byte(raw))
}

func TestRelyingPartyFromIssuer(t *testing.T) {
	for _, tc := range []struct {
		issuer, rpID, origin string
		err                  bool
	}{
		{"https://id.example.com", "id.example.com", "https://id.example.com", false},
		{"http://localhost:8080/", "localhost", "http://localhost:8080", false},
		{"https://id.example.com:8443/tenant", "id.example.com", "https://id.example.com:8443", false},
		{"http://127.0.0.1:8080", "", "", true},
		{"ftp://id.example.com", "", "", true},
	} {
		rp, err := RelyingParty(tc.issuer)
		if tc.err {
			if err == nil {
				t.Errorf("%s: no error", tc.issuer)
			}
			continue
		}
		if err != nil || rp.Config.RPID != tc.rpID || !slices.Equal(rp.Config.RPOrigins, []string{tc.origin}) {
			t.Errorf("%s: rp %q origins %v err %v", tc.issuer, rp.Config.RPID, rp.Config.RPOrigins, err)
		}
	}
}

func TestAMR(t *testing.T) {
	for _, tc := range []struct {
		be, uv bool
		want   []string
	}{
		{false, false, []string{"hwk"}},
		{false, true, []string{"hwk", "user", "mfa"}},
		{true, false, []string{"swk"}},
		{true, true, []string{"swk", "user", "mfa"}},
	} {
		a := Assertion{Passkey: storage.Passkey{BackupEligible: tc.be}, UserVerified: tc.uv}
		if got := a.AMR(); !slices.Equal(got, tc.want) {
			t.Errorf("BE=%v UV=%v: amr %v, want %v", tc.be, tc.uv, got, tc.want)
		}
	}
}

func TestDiscoverableLogin(t *testing.T) {
	f := newFixture(t)
	c := f.register(t, passkeytest.FlagUV, 1)
	a, err := f.login(t, func(ch string) string { return c.Assertion(ch, origin) })
	if err != nil {
		t.Fatal(err)
	}
	if a.UserID != f.user.ID || !a.UserVerified || a.Passkey.SignCount != 2 || !a.Passkey.LastUsedAt.Equal(f.now) {
		t.Fatalf("assertion = %+v", a)
	}
}

// TestCounterPolicy: a counter that does not increase blocks the passkey;
// a synced passkey that always reports 0 is fine.
func TestCounterPolicy(t *testing.T) {
	t.Run("synced zero", func(t *testing.T) {
		f := newFixture(t)
		c := f.register(t, passkeytest.FlagUV|passkeytest.FlagBE|passkeytest.FlagBS, 0)
		for range 3 {
			if _, err := f.login(t, func(ch string) string { return c.Assertion(ch, origin) }); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("regression", func(t *testing.T) {
		f := newFixture(t)
		c := f.register(t, 0, 5)
		if _, err := f.login(t, func(ch string) string { return c.Assertion(ch, origin) }); err != nil {
			t.Fatal(err)
		}
		clone := *c
		clone.Count = 3 // a copy of the key that lagged behind
		_, err := f.login(t, func(ch string) string { return clone.Assertion(ch, origin) })
		if !errors.Is(err, ErrCloned) {
			t.Fatalf("regressed counter: %v, want ErrCloned", err)
		}
		p, _ := f.store.GetPasskey(context.Background(), c.ID)
		if !p.CloneWarning || p.SignCount != 6 {
			t.Fatalf("stored passkey after regression: %+v", p)
		}
		// The genuine authenticator is refused too until re-registered.
		if _, err := f.login(t, func(ch string) string { return c.Assertion(ch, origin) }); !errors.Is(err, ErrCloned) {
			t.Fatalf("flagged passkey: %v, want ErrCloned", err)
		}
	})
}

func TestBackupEligibleMustNotChange(t *testing.T) {
	f := newFixture(t)
	c := f.register(t, passkeytest.FlagBE, 0)
	c.Flags = 0
	if _, err := f.login(t, func(ch string) string { return c.Assertion(ch, origin) }); !errors.Is(err, ErrRejected) {
		t.Fatalf("BE flipped: %v, want ErrRejected", err)
	}
}

func TestSingleUseChallenge(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.core.saveCeremony(ctx, "flow:x", &webauthn.SessionData{Challenge: "abc"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.core.takeCeremony(ctx, "flow:x"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.core.takeCeremony(ctx, "flow:x"); !errors.Is(err, ErrNoCeremony) {
		t.Fatalf("second take: %v", err)
	}
	if err := f.core.saveCeremony(ctx, "flow:y", &webauthn.SessionData{Challenge: "abc"}); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(ChallengeLifetime)
	if _, err := f.core.takeCeremony(ctx, "flow:y"); !errors.Is(err, ErrNoCeremony) {
		t.Fatalf("take after 5 minutes: %v", err)
	}
}

func TestFailureMessages(t *testing.T) {
	for _, err := range []error{ErrNoCeremony, ErrMalformed, ErrUnknownCredential, ErrWrongUser, ErrWrongOrigin, ErrChallenge, ErrCloned, ErrNotAttested, ErrRejected} {
		if msg, reason := failure(errors.Join(errors.New("x"), err)); msg == "" || reason == "" {
			t.Errorf("%v has no message", err)
		}
	}
	if msg, _ := failure(storage.ErrUnavailable); msg != "" {
		t.Error("a backend error got a user message")
	}
}
