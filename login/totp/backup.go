package totp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/admit-idp/admit/storage"
)

// backupAlphabet is Crockford's base32 without I, L, O and U: unambiguous
// when read off paper. Eight characters carry 40 random bits.
const backupAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ErrBackupUnknown: not an unused backup code of the user.
var ErrBackupUnknown = errors.New("totp: unknown or used backup code")

// NewBackupCodes returns BackupCodeCount codes formatted XXXX-XXXX and the
// hashes to store.
func NewBackupCodes() (codes, hashes []string, err error) {
	for range BackupCodeCount {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, nil, fmt.Errorf("totp: random: %w", err)
		}
		var sb strings.Builder
		for i, v := range b {
			if i == 4 {
				sb.WriteByte('-')
			}
			sb.WriteByte(backupAlphabet[v&31])
		}
		code := sb.String()
		codes = append(codes, code)
		hashes = append(hashes, hexOf(normaliseBackup(code)))
	}
	return codes, hashes, nil
}

// normaliseBackup upper-cases, drops separators and maps the letters people
// confuse with digits, so "abcd efgh", "ABCD-EFGH" and "abcdefgh" match.
func normaliseBackup(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		case 'O':
			return '0'
		case 'I', 'L':
			return '1'
		}
		return r
	}, s)
}

// IsBackupCode reports whether s has the shape of a backup code.
func IsBackupCode(s string) bool {
	n := normaliseBackup(s)
	if len(n) != 8 {
		return false
	}
	for _, r := range n {
		if !strings.ContainsRune(backupAlphabet, r) {
			return false
		}
	}
	return true
}

// ConsumeBackupCode spends one backup code and returns how many remain.
// A code is tried in Admit's scheme first, then, when it could be an old
// service's code (eight hex digits), in the legacy scheme: the user may type
// it in any case, with or without the hyphen (storage.LegacyBackupCodePrefix).
func (c *Core) ConsumeBackupCode(ctx context.Context, userID, raw string) (int, error) {
	if !IsBackupCode(raw) {
		return 0, ErrMalformed
	}
	n := normaliseBackup(raw)
	left, err := c.Durable.ConsumeBackupCode(ctx, userID, hexOf(n), c.Now())
	if errors.Is(err, storage.ErrNotFound) && isHex(n) {
		left, err = c.Durable.ConsumeBackupCode(ctx, userID, storage.LegacyBackupCodePrefix+hexOf(n[:4]+"-"+n[4:]), c.Now())
	}
	if errors.Is(err, storage.ErrNotFound) {
		return 0, ErrBackupUnknown
	}
	return left, err
}

func isHex(s string) bool {
	return strings.Trim(s, "0123456789ABCDEF") == ""
}

// RemainingBackupCodes counts the user's unused codes.
func (c *Core) RemainingBackupCodes(ctx context.Context, userID string) (int, error) {
	cred, err := c.Durable.GetTOTPCredential(ctx, userID)
	if err != nil {
		return 0, err
	}
	return len(cred.BackupCodes), nil
}
