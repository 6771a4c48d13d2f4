package totp

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	pqtotp "github.com/pquerna/otp/totp"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/memory"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func newCore(t *testing.T) (*Core, *fakeClock) {
	t.Helper()
	// Mid-step, so ±1 step is unambiguous.
	clk := &fakeClock{t: time.Unix(1_800_000_015, 0).UTC()}
	mk, err := keys.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := keys.NewSealer(mk)
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.New(clk.Now)
	return &Core{Durable: mem, Ephemeral: mem, Sealer: sealer, Issuer: "Admit", Now: clk.Now}, clk
}

// enrol runs a full enrolment and returns the base32 secret and codes.
func enrol(t *testing.T, c *Core, clk *fakeClock, user string) (string, []string) {
	t.Helper()
	en, err := c.StartEnrolment(t.Context(), user, user+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := c.ConfirmEnrolment(t.Context(), user, codeAt(t, en.Secret, clk.Now()))
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	clk.Advance(ReplayWindow) // let the confirmation code's step expire
	return en.Secret, codes
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := pqtotp.GenerateCodeCustom(secret, at, validateOpts)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestCodeWindow(t *testing.T) {
	cases := []struct {
		name   string
		offset time.Duration
		want   error
	}{
		{"previous step", -Period, nil},
		{"current step", 0, nil},
		{"next step", Period, nil},
		{"two steps ago", -2 * Period, ErrWrongCode},
		{"two steps ahead", 2 * Period, ErrWrongCode},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, clk := newCore(t)
			secret, _ := enrol(t, c, clk, "u1")
			err := c.VerifyCode(t.Context(), "u1", codeAt(t, secret, clk.Now().Add(tc.offset)))
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyCode(now%+v) = %v, want %v", tc.offset, err, tc.want)
			}
		})
	}
}

func TestCodeReplay(t *testing.T) {
	c, clk := newCore(t)
	secret, _ := enrol(t, c, clk, "u1")
	code := codeAt(t, secret, clk.Now())
	if err := c.VerifyCode(t.Context(), "u1", code); err != nil {
		t.Fatal(err)
	}
	clk.Advance(20 * time.Second)
	if err := c.VerifyCode(t.Context(), "u1", code); !errors.Is(err, ErrCodeUsed) {
		t.Fatalf("replay = %v, want ErrCodeUsed", err)
	}
	// The next step's code is a different code and works.
	if err := c.VerifyCode(t.Context(), "u1", codeAt(t, secret, clk.Now().Add(Period))); err != nil {
		t.Fatalf("next code: %v", err)
	}
}

func TestMalformedCodes(t *testing.T) {
	c, clk := newCore(t)
	secret, _ := enrol(t, c, clk, "u1")
	for _, in := range []string{"", "12345", "1234567", "abcdef", "12 34 5x"} {
		if err := c.VerifyCode(t.Context(), "u1", in); !errors.Is(err, ErrMalformed) {
			t.Errorf("VerifyCode(%q) = %v, want ErrMalformed", in, err)
		}
	}
	code := codeAt(t, secret, clk.Now())
	if err := c.VerifyCode(t.Context(), "u1", " "+code[:3]+" "+code[3:]+" "); err != nil {
		t.Fatalf("spaced code: %v", err)
	}
}

func TestBackupCodes(t *testing.T) {
	c, clk := newCore(t)
	_, codes := enrol(t, c, clk, "u1")
	format := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)
	seen := map[string]bool{}
	for _, code := range codes {
		if !format.MatchString(code) || seen[code] {
			t.Fatalf("backup code %q: bad format or duplicate", code)
		}
		seen[code] = true
	}
	if len(codes) != BackupCodeCount {
		t.Fatalf("%d codes, want %d", len(codes), BackupCodeCount)
	}
	n, err := c.ConsumeBackupCode(t.Context(), "u1", codes[0])
	if err != nil || n != BackupCodeCount-1 {
		t.Fatalf("consume = %d, %v; want %d", n, err, BackupCodeCount-1)
	}
	if _, err := c.ConsumeBackupCode(t.Context(), "u1", codes[0]); !errors.Is(err, ErrBackupUnknown) {
		t.Fatalf("reuse = %v, want ErrBackupUnknown", err)
	}
	// Typed in lower case without the dash.
	lower := []byte(codes[1][:4] + codes[1][5:])
	for i, b := range lower {
		if b >= 'A' && b <= 'Z' {
			lower[i] = b + 'a' - 'A'
		}
	}
	if _, err := c.ConsumeBackupCode(t.Context(), "u1", string(lower)); err != nil {
		t.Fatalf("lower-case code: %v", err)
	}
	if _, err := c.ConsumeBackupCode(t.Context(), "u1", "nope"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("malformed backup code = %v", err)
	}
}

func TestRegenerateInvalidatesOldSet(t *testing.T) {
	c, clk := newCore(t)
	_, old := enrol(t, c, clk, "u1")
	fresh, err := c.RegenerateBackupCodes(t.Context(), "u1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConsumeBackupCode(t.Context(), "u1", old[2]); !errors.Is(err, ErrBackupUnknown) {
		t.Fatalf("old code after regeneration = %v", err)
	}
	if _, err := c.ConsumeBackupCode(t.Context(), "u1", fresh[2]); err != nil {
		t.Fatalf("new code: %v", err)
	}
}

func TestPendingEnrolment(t *testing.T) {
	c, clk := newCore(t)
	first, err := c.StartEnrolment(t.Context(), "u1", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(PendingReuse - time.Second)
	again, _ := c.StartEnrolment(t.Context(), "u1", "a@example.com")
	if again.Secret != first.Secret {
		t.Fatal("restarting within 5 minutes showed a new secret")
	}
	clk.Advance(time.Second)
	later, _ := c.StartEnrolment(t.Context(), "u1", "a@example.com")
	if later.Secret == first.Secret {
		t.Fatal("restarting after 5 minutes showed the same secret")
	}
	clk.Advance(PendingLifetime)
	if _, err := c.ConfirmEnrolment(t.Context(), "u1", codeAt(t, later.Secret, clk.Now())); !errors.Is(err, ErrNoPending) {
		t.Fatalf("confirm after expiry = %v, want ErrNoPending", err)
	}
}

func TestEnrolmentViewAndSealing(t *testing.T) {
	c, clk := newCore(t)
	en, err := c.StartEnrolment(t.Context(), "u1", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(en.Secret); err != nil || len(raw) != secretSize {
		t.Fatalf("secret %q: %v", en.Secret, err)
	}
	if !regexp.MustCompile(`^otpauth://totp/Admit:a@example.com\?`).MatchString(en.URI) || !regexp.MustCompile(`^data:image/png;base64,`).MatchString(en.QRDataURI) {
		t.Fatalf("uri %q / qr %.40q", en.URI, en.QRDataURI)
	}
	if _, err := c.ConfirmEnrolment(t.Context(), "u1", codeAt(t, en.Secret, clk.Now())); err != nil {
		t.Fatal(err)
	}
	cred, _ := c.Durable.GetTOTPCredential(t.Context(), "u1")
	if string(cred.Secret) == en.Secret {
		t.Fatal("secret stored in plaintext")
	}
	if _, err := c.open("u2", cred.Secret); err == nil {
		t.Fatal("sealed secret opens for another user")
	}
}

// TestLegacyBackupCodes: a backup code imported from the old service (hex
// SHA-256 of "XXXX-XXXX", as mfa.service.ts stored it) works once, typed in
// any case with or without the hyphen, next to Admit's own codes.
func TestLegacyBackupCodes(t *testing.T) {
	c, clk := newCore(t)
	_, own := enrol(t, c, clk, "u1")
	cred, err := c.Durable.GetTOTPCredential(t.Context(), "u1")
	if err != nil {
		t.Fatal(err)
	}
	var legacy []string
	for _, code := range []string{"A1B2-C3D4", "0F0F-9E9E", "DEAD-BEEF"} {
		sum := sha256.Sum256([]byte(code)) // the old hashBackupCode
		legacy = append(legacy, storage.LegacyBackupCodePrefix+hex.EncodeToString(sum[:]))
	}
	if err := c.Durable.ReplaceBackupCodes(t.Context(), "u1", append(cred.BackupCodes, legacy...), clk.Now()); err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"A1B2-C3D4", "0f0f9e9e", "dead-BEEF"} {
		if _, err := c.ConsumeBackupCode(t.Context(), "u1", typed); err != nil {
			t.Fatalf("legacy code %q: %v", typed, err)
		}
		if _, err := c.ConsumeBackupCode(t.Context(), "u1", typed); !errors.Is(err, ErrBackupUnknown) {
			t.Fatalf("legacy code %q a second time = %v, want ErrBackupUnknown", typed, err)
		}
	}
	if n, err := c.ConsumeBackupCode(t.Context(), "u1", own[0]); err != nil || n != BackupCodeCount-1 {
		t.Fatalf("Admit's own code after import = %d, %v", n, err)
	}
}
