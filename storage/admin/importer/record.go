package importer

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Record is one user in Admit's import format. The JSON form is described
// by schema/user.schema.json.
type Record struct {
	ID            string       `json:"id"`
	TenantID      string       `json:"tenant_id,omitempty"`
	Email         string       `json:"email,omitempty"`
	EmailVerified bool         `json:"email_verified,omitempty"`
	GivenName     string       `json:"given_name,omitempty"`
	FamilyName    string       `json:"family_name,omitempty"`
	Phone         string       `json:"phone,omitempty"`
	Locale        string       `json:"locale,omitempty"`
	Status        string       `json:"status,omitempty"`
	DeletedAt     *time.Time   `json:"deleted_at,omitempty"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     *time.Time   `json:"updated_at,omitempty"`
	LastLoginAt   *time.Time   `json:"last_login_at,omitempty"`
	Password      *Password    `json:"password,omitempty"`
	TOTP          *TOTP        `json:"totp,omitempty"`
	BackupCodes   *BackupCodes `json:"backup_codes,omitempty"`
	Wallets       []Wallet     `json:"wallets,omitempty"`
	Identities    []Identity   `json:"identities,omitempty"`
	Roles         []Role       `json:"roles,omitempty"`
	Passkeys      *Passkeys    `json:"passkeys,omitempty"`

	// Dropped counts what the source had for this user that Admit does not
	// import (the old service's fake biometric credentials, its trusted
	// devices), by kind; it goes to the report, not to JSON.
	Dropped map[string]int `json:"-"`
}

// Statuses of a Record.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
	StatusDeleted  = "deleted"
)

// Password is a stored password hash.
type Password struct {
	// Algorithm is "auto" (or empty: a self-describing hash) or
	// "firebase-scrypt" (then the Firebase fields are set).
	Algorithm     string `json:"algorithm,omitempty"`
	Hash          string `json:"hash"`
	Salt          string `json:"salt,omitempty"`
	SaltSeparator string `json:"salt_separator,omitempty"`
	SignerKey     string `json:"signer_key,omitempty"`
	Rounds        int    `json:"rounds,omitempty"`
	MemCost       int    `json:"mem_cost,omitempty"`
}

// TOTP is an authenticator secret and how it is sealed.
type TOTP struct {
	Secret string `json:"secret"`
	// Sealing is SealingBase32 (default) or SealingLegacy.
	Sealing string `json:"sealing,omitempty"`
}

// TOTP sealings.
const (
	SealingBase32 = "base32"
	// SealingLegacy is the old auth-service's "iv:authTag:ciphertext" hex,
	// AES-256-GCM under the first 32 bytes of its JWT_ACCESS_SECRET.
	SealingLegacy = "legacy-aes-256-gcm"
)

// BackupCodes are hashes of unused backup codes in one scheme.
type BackupCodes struct {
	Scheme string   `json:"scheme"`
	Hashes []string `json:"hashes"`
}

// Backup-code schemes.
const (
	SchemeLegacySHA256 = "legacy-sha256"
	SchemeAdminSHA256  = "admit-sha256"
)

// Wallet is a linked blockchain account.
type Wallet struct {
	Namespace string     `json:"namespace"`
	Address   string     `json:"address"`
	ChainRef  string     `json:"chain_ref,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

// Identity is a linked social-login account.
type Identity struct {
	Provider  string     `json:"provider"`
	Subject   string     `json:"subject"`
	Email     string     `json:"email,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

// Passkeys are real WebAuthn credentials and the user handle the
// authenticators hold. Byte fields are base64url without padding.
type Passkeys struct {
	UserHandle  string              `json:"user_handle"`
	Credentials []PasskeyCredential `json:"credentials"`
}

// PasskeyCredential is one WebAuthn credential.
type PasskeyCredential struct {
	ID             string     `json:"id"`
	PublicKey      string     `json:"public_key"`
	SignCount      uint32     `json:"sign_count,omitempty"`
	AAGUID         string     `json:"aaguid,omitempty"`
	Transports     []string   `json:"transports,omitempty"`
	BackupEligible bool       `json:"backup_eligible,omitempty"`
	BackupState    bool       `json:"backup_state,omitempty"`
	UserVerified   bool       `json:"user_verified,omitempty"`
	Name           string     `json:"name,omitempty"`
	CreatedAt      *time.Time `json:"created_at,omitempty"`
}

// Role is a role grant, global or at a venue.
type Role struct {
	Role      string     `json:"role"`
	VenueID   string     `json:"venue_id,omitempty"`
	GrantedBy string     `json:"granted_by,omitempty"`
	GrantedAt *time.Time `json:"granted_at,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Source yields records. Next returns io.EOF after the last one. An error
// wrapping ErrBadRecord skips that record (the report says why); any other
// error stops the import.
type Source interface {
	Next() (Record, error)
}

// ErrBadRecord: one record of the source cannot be read; the rest can.
var ErrBadRecord = errors.New("bad record")

// ErrUnreadable: the source itself cannot be read on (a line longer than
// the limit, a body cut off or too large); the import stops.
var ErrUnreadable = errors.New("import: unreadable input")

//go:embed schema/user.schema.json
var schemaJSON []byte

// Schema is the JSON Schema of one line of the import format.
func Schema() []byte { return schemaJSON }

// compiled is the schema, compiled on the first record read: compiling it
// allocates 0.8 MB (11,500 objects), which every admit process paid at start
// while only an import uses it. The schema is embedded, so a panic here is a
// build defect, caught by TestSchemaCompiles.
var compiled = sync.OnceValue(func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("user.schema.json", doc); err != nil {
		panic(err)
	}
	return c.MustCompile("user.schema.json")
})

// JSONL reads Admit's import format: one JSON object per line, each checked
// against the schema. Blank lines are ignored.
type JSONL struct {
	sc   *bufio.Scanner
	line int
}

// maxLine bounds one record (a user with many roles stays far below).
const maxLine = 4 << 20

// NewJSONL reads records from r.
func NewJSONL(r io.Reader) *JSONL {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	return &JSONL{sc: sc}
}

// Next implements Source.
func (j *JSONL) Next() (Record, error) {
	for j.sc.Scan() {
		j.line++
		b := bytes.TrimSpace(j.sc.Bytes())
		if len(b) == 0 {
			continue
		}
		return j.decode(b)
	}
	if err := j.sc.Err(); err != nil {
		return Record{}, fmt.Errorf("%w: line %d: %v", ErrUnreadable, j.line+1, err)
	}
	return Record{}, io.EOF
}

func (j *JSONL) decode(b []byte) (Record, error) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return Record{}, fmt.Errorf("%w: line %d: not JSON", ErrBadRecord, j.line)
	}
	if err := compiled().Validate(inst); err != nil {
		return Record{}, fmt.Errorf("%w: line %d: %s", ErrBadRecord, j.line, schemaMessage(err))
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("%w: line %d: %v", ErrBadRecord, j.line, err)
	}
	return r, nil
}

// secretFields hold secrets (hashes, TOTP seeds): a validation message
// about them names the rule only, never the value.
var secretFields = []string{"/password", "/totp", "/backup_codes"}

// schemaMessage says where the first validation error is and what it is.
func schemaMessage(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return "schema"
	}
	for _, u := range ve.BasicOutput().Errors {
		if u.Error == nil || len(u.Errors) > 0 {
			continue
		}
		for _, f := range secretFields {
			if strings.HasPrefix(u.InstanceLocation, f) {
				return "schema: " + u.InstanceLocation + ": violates " + u.KeywordLocation[strings.LastIndexByte(u.KeywordLocation, '/')+1:]
			}
		}
		return "schema: " + u.InstanceLocation + ": " + u.Error.String()
	}
	return "schema"
}
