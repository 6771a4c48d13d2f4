package totp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"

	"github.com/admit-idp/admit/storage"
)

// Timing carried over from the old service (mfa.service.ts).
const (
	// Period is the TOTP time step (RFC 6238 default).
	Period = 30 * time.Second
	// Skew is how many steps either side of now are accepted (±30 s).
	Skew = 1
	// ReplayWindow is how long an accepted code stays refused: it covers the
	// whole acceptance window (three steps = 90 s).
	ReplayWindow = 90 * time.Second
	// PendingLifetime is how long an unconfirmed enrolment lives.
	PendingLifetime = 10 * time.Minute
	// PendingReuse: restarting an enrolment within this time shows the same
	// secret (the user may already have scanned it).
	PendingReuse = 5 * time.Minute
	// BackupCodeCount is how many backup codes a set has.
	BackupCodeCount = 10
	// secretSize is 160 bits, RFC 4226's recommendation for HMAC-SHA1.
	secretSize = 20
)

// Errors of code verification; handlers map them to messages.
var (
	ErrMalformed = errors.New("totp: malformed code")
	ErrWrongCode = errors.New("totp: wrong code")
	ErrCodeUsed  = errors.New("totp: code already used")
)

// sealer is what the package needs from keys.Sealer.
type sealer interface {
	Seal(plaintext, additionalData []byte) ([]byte, error)
	Open(sealed, additionalData []byte) ([]byte, error)
}

// Core verifies codes and manages credentials; the login method and the
// account section share it.
type Core struct {
	Durable   storage.TOTPCredentials
	Ephemeral storage.TOTPEphemeral
	Sealer    sealer
	// Issuer labels the entry in the authenticator app.
	Issuer string
	Now    func() time.Time
}

// seal binds the secret to the user: a sealed secret copied to another
// user's row does not open.
func (c *Core) seal(userID string, secret []byte) ([]byte, error) {
	return c.Sealer.Seal(secret, storage.TOTPSecretAD(userID))
}

func (c *Core) open(userID string, sealed []byte) ([]byte, error) {
	return c.Sealer.Open(sealed, storage.TOTPSecretAD(userID))
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NormaliseCode strips what users type around a code (spaces, dashes) and
// reports whether it is a 6-digit TOTP code.
func NormaliseCode(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if len(s) != 6 {
		return "", false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return s, true
}

// match returns the time step within ±Skew whose code equals code, comparing
// every candidate in constant time.
func match(secret []byte, code string, now time.Time) (int64, bool) {
	enc := b32.EncodeToString(secret)
	found, step := 0, int64(0)
	for d := -Skew; d <= Skew; d++ {
		t := now.Add(time.Duration(d) * Period)
		want, err := pqtotp.GenerateCodeCustom(enc, t, validateOpts)
		if err != nil {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found, step = 1, t.Unix()/int64(Period/time.Second)
		}
	}
	return step, found == 1
}

var validateOpts = pqtotp.ValidateOpts{Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// checkCode verifies a code against a plaintext secret and marks its step
// used, so the same code cannot be accepted twice within ReplayWindow.
func (c *Core) checkCode(ctx context.Context, userID string, secret []byte, raw string) error {
	code, ok := NormaliseCode(raw)
	if !ok {
		return ErrMalformed
	}
	step, ok := match(secret, code, c.Now())
	if !ok {
		return ErrWrongCode
	}
	err := c.Ephemeral.MarkTOTPStepUsed(ctx, userID, step, c.Now().Add(ReplayWindow))
	if errors.Is(err, storage.ErrAlreadyUsed) {
		return ErrCodeUsed
	}
	return err
}

// Enrolled reports whether the user has confirmed TOTP.
func (c *Core) Enrolled(ctx context.Context, userID string) (bool, error) {
	_, err := c.Durable.GetTOTPCredential(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// VerifyCode checks a code of the user's confirmed credential.
func (c *Core) VerifyCode(ctx context.Context, userID, raw string) error {
	cred, err := c.Durable.GetTOTPCredential(ctx, userID)
	if err != nil {
		return err
	}
	secret, err := c.open(userID, cred.Secret)
	if err != nil {
		return fmt.Errorf("totp: open secret of %s: %w", userID, err)
	}
	return c.checkCode(ctx, userID, secret, raw)
}

// Enrolment is what the enrolment page shows.
type Enrolment struct {
	Secret    string // base32, for manual entry
	URI       string // otpauth://
	QRDataURI string // data:image/png;base64,…
	ExpiresAt time.Time
}

// StartEnrolment returns the user's pending enrolment, creating one unless a
// pending secret younger than PendingReuse exists.
func (c *Core) StartEnrolment(ctx context.Context, userID, account string) (Enrolment, error) {
	now := c.Now()
	p, err := c.Ephemeral.GetPendingTOTP(ctx, userID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return Enrolment{}, err
	}
	if err != nil || now.Sub(p.CreatedAt) >= PendingReuse {
		if p, err = c.newPending(ctx, userID, now); err != nil {
			return Enrolment{}, err
		}
	}
	return c.enrolment(userID, account, p)
}

func (c *Core) newPending(ctx context.Context, userID string, now time.Time) (storage.PendingTOTP, error) {
	secret := make([]byte, secretSize)
	if _, err := rand.Read(secret); err != nil {
		return storage.PendingTOTP{}, fmt.Errorf("totp: random: %w", err)
	}
	sealed, err := c.seal(userID, secret)
	if err != nil {
		return storage.PendingTOTP{}, err
	}
	p := storage.PendingTOTP{UserID: userID, Secret: sealed, CreatedAt: now, ExpiresAt: now.Add(PendingLifetime)}
	return p, c.Ephemeral.PutPendingTOTP(ctx, p)
}

// enrolment renders the pending secret as URI, base32 and QR code.
func (c *Core) enrolment(userID, account string, p storage.PendingTOTP) (Enrolment, error) {
	secret, err := c.open(userID, p.Secret)
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp: open pending secret: %w", err)
	}
	key, err := pqtotp.Generate(pqtotp.GenerateOpts{
		Issuer: c.Issuer, AccountName: account, Secret: secret, Period: uint(Period / time.Second),
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp: key: %w", err)
	}
	qr, err := qrDataURI(key)
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL(), QRDataURI: qr, ExpiresAt: p.ExpiresAt}, nil
}

// qrDataURI renders the key's otpauth URI as a PNG, inline (the CSP allows
// img-src data:), so the secret never leaves the page in another request.
func qrDataURI(key *otp.Key) (string, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return "", fmt.Errorf("totp: qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("totp: qr png: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// ErrNoPending: the enrolment expired (or was never started).
var ErrNoPending = errors.New("totp: no pending enrolment")

// ConfirmEnrolment checks a code against the pending secret and, when it is
// right, stores the credential with a fresh set of backup codes, which it
// returns in plaintext (to be shown once).
func (c *Core) ConfirmEnrolment(ctx context.Context, userID, raw string) ([]string, error) {
	p, err := c.Ephemeral.GetPendingTOTP(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNoPending
	}
	if err != nil {
		return nil, err
	}
	secret, err := c.open(userID, p.Secret)
	if err != nil {
		return nil, fmt.Errorf("totp: open pending secret: %w", err)
	}
	if err := c.checkCode(ctx, userID, secret, raw); err != nil {
		return nil, err
	}
	codes, hashes, err := NewBackupCodes()
	if err != nil {
		return nil, err
	}
	now := c.Now()
	cred := storage.TOTPCredential{UserID: userID, Secret: p.Secret, BackupCodes: hashes, CreatedAt: now, UpdatedAt: now}
	if err := c.Durable.SaveTOTPCredential(ctx, cred); err != nil {
		return nil, err
	}
	_ = c.Ephemeral.DeletePendingTOTP(ctx, userID)
	return codes, nil
}

// Disable removes the user's credential.
func (c *Core) Disable(ctx context.Context, userID string) error {
	return c.Durable.DeleteTOTPCredential(ctx, userID)
}

// RegenerateBackupCodes replaces the set; the old codes stop working.
func (c *Core) RegenerateBackupCodes(ctx context.Context, userID string) ([]string, error) {
	codes, hashes, err := NewBackupCodes()
	if err != nil {
		return nil, err
	}
	return codes, c.Durable.ReplaceBackupCodes(ctx, userID, hashes, c.Now())
}

// hexOf is the stored form of a normalised backup code.
func hexOf(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}
