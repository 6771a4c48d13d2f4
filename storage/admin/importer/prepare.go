package importer

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/gagliardetto/solana-go"

	"github.com/admit-idp/admit/storage"
)

// Skip reasons. The report groups skipped records by them.
const (
	ReasonBadRecord       = "invalid record"
	ReasonInvalidEmail    = "invalid e-mail"
	ReasonDuplicateEmail  = "duplicate e-mail within a tenant"
	ReasonDuplicateID     = "duplicate id"
	ReasonUnknownHash     = "unknown hash format"
	ReasonBadSecret       = "undecryptable secret"
	ReasonBadBackupCodes  = "invalid backup-code hashes"
	ReasonBadWallet       = "invalid wallet address"
	ReasonWalletInUse     = "wallet in use by another user"
	ReasonIdentityInUse   = "identity in use by another user"
	ReasonEmailTaken      = "e-mail taken by another user in Admit"
	ReasonOtherTenant     = "id belongs to a user of another tenant"
	ReasonUnknownTenant   = "unknown tenant"
	ReasonWrongTenant     = "record of another tenant"
	ReasonBadRole         = "invalid role"
	ReasonBadPhone        = "invalid phone number"
	ReasonBadTimestamp    = "invalid timestamps"
	ReasonMissingIdentity = "invalid identity"
	ReasonBadPasskey      = "invalid passkey"
	ReasonPasskeyInUse    = "passkey in use by another user"
)

// solanaMainnet is the CAIP-2 reference of Solana mainnet.
const solanaMainnet = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"

// sealer is what the importer needs from keys.Sealer.
type sealer interface {
	Seal(plaintext, additionalData []byte) ([]byte, error)
	Open(sealed, additionalData []byte) ([]byte, error)
}

// User is a prepared record: what the writer stores.
type User struct {
	storage.User
	Phone        string
	DeletedAt    time.Time
	DeletedEmail string
	// TOTPSecret is the plaintext secret; TOTPSealed the same sealed with
	// the master key. Both nil without TOTP.
	TOTPSecret  []byte
	TOTPSealed  []byte
	BackupCodes []string
	Wallets     []storage.Wallet
	Identities  []storage.Identity
	Grants      []storage.RoleGrant
	// PasskeyHandle is the WebAuthn user handle (nil without passkeys).
	PasskeyHandle []byte
	Passkeys      []storage.Passkey
}

// skipError is a record that cannot be imported, and why.
type skipError struct {
	reason string
	detail string
}

func (e *skipError) Error() string {
	if e.detail == "" {
		return e.reason
	}
	return e.reason + ": " + e.detail
}

func skip(reason, format string, args ...any) error {
	return &skipError{reason: reason, detail: fmt.Sprintf(format, args...)}
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// preparer turns records into Users. It is used by one goroutine.
type preparer struct {
	sealer    sealer
	checkHash func(hash string) error
	legacyKey []byte // first 32 bytes of the old JWT_ACCESS_SECRET; nil if not given
	tenant    string // when set, every record must be of this tenant
	now       time.Time
}

func (p *preparer) prepare(r Record) (User, error) {
	if r.ID == "" || strings.ContainsRune(r.ID, 0) {
		return User{}, skip(ReasonBadRecord, "empty id")
	}
	tenant := r.TenantID
	if tenant == "" {
		tenant = p.tenant // a per-tenant import: records name no tenant
	}
	if tenant == "" {
		tenant = storage.DefaultTenantID
	}
	if p.tenant != "" && tenant != p.tenant {
		return User{}, skip(ReasonWrongTenant, "tenant %s", tenant)
	}
	if r.CreatedAt.IsZero() {
		return User{}, skip(ReasonBadTimestamp, "created_at missing")
	}
	u := User{User: storage.User{
		ID: r.ID, TenantID: tenant, EmailVerified: r.EmailVerified,
		GivenName: r.GivenName, FamilyName: r.FamilyName, Locale: r.Locale,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.CreatedAt.UTC(),
	}}
	if r.UpdatedAt != nil && !r.UpdatedAt.IsZero() {
		u.UpdatedAt = r.UpdatedAt.UTC()
	}
	email, err := normaliseEmail(r.Email)
	if err != nil {
		return User{}, err
	}
	u.Email = email
	if r.Phone != "" && !e164.MatchString(r.Phone) {
		return User{}, skip(ReasonBadPhone, "not E.164")
	}
	u.Phone = r.Phone
	switch r.Status {
	case "", StatusActive:
	case StatusDisabled:
		u.Disabled = true
	case StatusDeleted:
		// As storage.UserAdmin.SoftDeleteUser leaves it: disabled, the
		// address kept aside (reserved), no live e-mail.
		u.Disabled, u.DeletedEmail, u.Email = true, u.Email, ""
		u.DeletedAt = u.UpdatedAt
		if r.DeletedAt != nil {
			u.DeletedAt = r.DeletedAt.UTC()
		}
	default:
		return User{}, skip(ReasonBadRecord, "status %q", r.Status)
	}
	if err := p.password(&u, r.Password); err != nil {
		return User{}, err
	}
	if err := p.totp(&u, r.TOTP, r.BackupCodes); err != nil {
		return User{}, err
	}
	if err := p.wallets(&u, r.Wallets); err != nil {
		return User{}, err
	}
	for _, id := range r.Identities {
		if id.Provider == "" || id.Subject == "" {
			return User{}, skip(ReasonMissingIdentity, "provider and subject are required")
		}
		e, _ := normaliseEmail(id.Email)
		u.Identities = append(u.Identities, storage.Identity{
			ProviderID: id.Provider, Subject: id.Subject, UserID: u.ID, Email: e,
			CreatedAt: orTime(id.CreatedAt, u.CreatedAt), LastUsedAt: orTime(id.CreatedAt, u.CreatedAt),
		})
	}
	if err := p.roles(&u, r.Roles); err != nil {
		return User{}, err
	}
	if err := p.passkeys(&u, r.Passkeys); err != nil {
		return User{}, err
	}
	if !u.DeletedAt.IsZero() {
		// Admit revokes a deleted user's grants (admin.Service); so does
		// the import.
		u.Grants = nil
	}
	return u, nil
}

func normaliseEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	if e == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", skip(ReasonInvalidEmail, "")
	}
	return e, nil
}

func orTime(t *time.Time, def time.Time) time.Time {
	if t == nil || t.IsZero() {
		return def
	}
	return t.UTC()
}

func (p *preparer) password(u *User, pw *Password) error {
	if pw == nil || pw.Hash == "" {
		return nil
	}
	hash := pw.Hash
	switch pw.Algorithm {
	case "", "auto":
	case "firebase-scrypt":
		hash = storage.FirebaseScryptHash(pw.Hash, pw.Salt, pw.SaltSeparator, pw.SignerKey, pw.Rounds, pw.MemCost)
	default:
		return skip(ReasonUnknownHash, "algorithm %q", pw.Algorithm)
	}
	if err := p.checkHash(hash); err != nil {
		// Never the hash itself in the report: it is a secret.
		return skip(ReasonUnknownHash, "")
	}
	u.PasswordHash = hash
	return nil
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func (p *preparer) totp(u *User, t *TOTP, codes *BackupCodes) error {
	if t != nil {
		secret, err := p.openSecret(t)
		if err != nil {
			return err
		}
		sealed, err := p.sealer.Seal(secret, storage.TOTPSecretAD(u.ID))
		if err != nil {
			return fmt.Errorf("import: seal: %w", err) // the master key is broken: stop
		}
		u.TOTPSecret, u.TOTPSealed = secret, sealed
	}
	if codes == nil || len(codes.Hashes) == 0 {
		return nil
	}
	if t == nil {
		return skip(ReasonBadBackupCodes, "backup codes without a TOTP secret")
	}
	for _, h := range codes.Hashes {
		var stored string
		var ok bool
		switch codes.Scheme {
		case SchemeLegacySHA256:
			stored, ok = storage.LegacyBackupCodePrefix+strings.ToLower(h), isSHA256Hex(h)
		case SchemeAdminSHA256:
			stored, ok = strings.ToLower(h), isSHA256Hex(h)
		}
		if !ok {
			return skip(ReasonBadBackupCodes, "scheme %q", codes.Scheme)
		}
		u.BackupCodes = append(u.BackupCodes, stored)
	}
	return nil
}

func isSHA256Hex(h string) bool {
	b, err := hex.DecodeString(h)
	return err == nil && len(b) == 32
}

// openSecret returns the raw TOTP key bytes.
func (p *preparer) openSecret(t *TOTP) ([]byte, error) {
	text := t.Secret
	switch t.Sealing {
	case "", SealingBase32:
	case SealingLegacy:
		plain, err := OpenLegacySecret(p.legacyKey, t.Secret)
		if err != nil {
			return nil, skip(ReasonBadSecret, "%v", err)
		}
		text = plain
	default:
		return nil, skip(ReasonBadSecret, "sealing %q", t.Sealing)
	}
	raw, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(strings.ReplaceAll(text, " ", ""), "=")))
	if err != nil || len(raw) < 10 {
		return nil, skip(ReasonBadSecret, "not a base32 secret of at least 80 bits")
	}
	return raw, nil
}

// ErrLegacyKey: the old service's JWT_ACCESS_SECRET does not open its TOTP
// secrets (or was not given).
var ErrLegacyKey = errors.New("the legacy JWT access secret does not decrypt the old TOTP secrets")

// LegacyKey derives the old service's TOTP key as mfa.service.ts did:
// Buffer.from(JWT_ACCESS_SECRET, 'utf8').slice(0, 32). A shorter secret
// made Node refuse the key, so the old service cannot have used one.
func LegacyKey(jwtAccessSecret string) ([]byte, error) {
	if len(jwtAccessSecret) < 32 {
		return nil, fmt.Errorf("%w: it must be at least 32 bytes long", ErrLegacyKey)
	}
	return []byte(jwtAccessSecret)[:32], nil
}

// OpenLegacySecret decrypts "iv:authTag:ciphertext" (hex) with AES-256-GCM
// and a 16-byte IV, as mfa.service.ts encrypted it, and returns the
// plaintext (the base32 secret).
func OpenLegacySecret(key []byte, sealed string) (string, error) {
	if key == nil {
		return "", fmt.Errorf("%w: no --legacy-jwt-access-secret given", ErrLegacyKey)
	}
	parts := strings.Split(sealed, ":")
	if len(parts) != 3 {
		return "", errors.New("not iv:authTag:ciphertext")
	}
	iv, err1 := hex.DecodeString(parts[0])
	tag, err2 := hex.DecodeString(parts[1])
	ct, err3 := hex.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || len(iv) != 16 || len(tag) != 16 {
		return "", errors.New("bad hex or lengths")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(iv))
	if err != nil {
		return "", err
	}
	plain, err := gcm.Open(nil, iv, append(ct, tag...), nil)
	if err != nil {
		return "", errors.New("authentication failed (wrong key or damaged value)")
	}
	return string(plain), nil
}

var hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

func (p *preparer) wallets(u *User, ws []Wallet) error {
	for _, w := range ws {
		sw := storage.Wallet{Namespace: w.Namespace, ChainRef: w.ChainRef, UserID: u.ID, CreatedAt: orTime(w.CreatedAt, u.CreatedAt)}
		switch w.Namespace {
		case "eip155":
			// Any case: the old service stored what wallets sent. EIP-55
			// is the stored form; lookups ignore case anyway.
			if !hexAddress.MatchString(w.Address) {
				return skip(ReasonBadWallet, "eip155")
			}
			sw.Address = common.HexToAddress(strings.ToLower(w.Address)).Hex()
			if sw.ChainRef == "" {
				sw.ChainRef = "1"
			}
		case "solana":
			pk, err := solana.PublicKeyFromBase58(w.Address)
			if err != nil {
				return skip(ReasonBadWallet, "solana")
			}
			sw.Address = pk.String()
			if sw.ChainRef == "" {
				sw.ChainRef = solanaMainnet
			}
		default:
			return skip(ReasonBadWallet, "namespace %q", w.Namespace)
		}
		u.Wallets = append(u.Wallets, sw)
	}
	return nil
}

func (p *preparer) roles(u *User, rs []Role) error {
	for _, r := range rs {
		if r.Role == "" {
			return skip(ReasonBadRole, "empty role")
		}
		g := storage.RoleGrant{
			TenantID: u.TenantID, UserID: u.ID, Role: r.Role, GrantedBy: r.GrantedBy,
			GrantedAt: orTime(r.GrantedAt, u.CreatedAt), Active: true,
		}
		if g.GrantedBy == "" {
			g.GrantedBy = "import"
		}
		if r.VenueID != "" {
			g.ResourceType, g.ResourceID = storage.ResourceVenue, r.VenueID
		}
		if r.ExpiresAt != nil {
			g.ExpiresAt = r.ExpiresAt.UTC()
		}
		u.Grants = append(u.Grants, g)
	}
	return nil
}

var b64url = base64.RawURLEncoding

// passkeys decodes real WebAuthn credentials. Their attestation is not
// re-checked (it was, at registration elsewhere): the type is "none".
func (p *preparer) passkeys(u *User, pk *Passkeys) error {
	if pk == nil || len(pk.Credentials) == 0 {
		return nil
	}
	handle, err := b64url.DecodeString(pk.UserHandle)
	if err != nil || len(handle) == 0 || len(handle) > 64 {
		return skip(ReasonBadPasskey, "user_handle: 1 to 64 bytes of base64url")
	}
	u.PasskeyHandle = handle
	for i, c := range pk.Credentials {
		id, err1 := b64url.DecodeString(c.ID)
		key, err2 := b64url.DecodeString(c.PublicKey)
		aaguid := make([]byte, 16)
		var err3 error
		if c.AAGUID != "" {
			aaguid, err3 = hex.DecodeString(strings.ReplaceAll(c.AAGUID, "-", ""))
		}
		if err1 != nil || err2 != nil || err3 != nil || len(id) == 0 || len(id) > 1023 || len(key) == 0 || len(aaguid) != 16 {
			return skip(ReasonBadPasskey, "credential %d: id, public_key or aaguid", i)
		}
		name := c.Name
		if name == "" {
			name = "Passkey"
		}
		u.Passkeys = append(u.Passkeys, storage.Passkey{
			ID: id, UserID: u.ID, PublicKey: key, SignCount: c.SignCount, AAGUID: aaguid,
			Transports: append([]string{}, c.Transports...), BackupEligible: c.BackupEligible,
			BackupState: c.BackupState, UserVerified: c.UserVerified, AttestationType: "none",
			Name: name, CreatedAt: orTime(c.CreatedAt, u.CreatedAt),
		})
	}
	return nil
}
