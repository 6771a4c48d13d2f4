package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MasterKeySize is the length of the AES-256 master key in bytes.
const MasterKeySize = 32

// sealVersion is the first byte of every sealed blob. It lets a future format
// (another cipher, a key identifier for master-key rotation) coexist with
// blobs already at rest.
const sealVersion byte = 0x01

// nonceSize is the standard GCM nonce length; random 96-bit nonces are safe
// for far more messages than a key store will ever seal under one master key.
const nonceSize = 12

// ErrUnsealFailed is returned by Open for any blob that cannot be decrypted:
// wrong master key, wrong additional data, tampering, truncation or an unknown
// format version. The causes are deliberately not distinguished further, so
// the error reveals nothing useful to an attacker.
var ErrUnsealFailed = errors.New("keys: unseal failed")

// Sealer encrypts small secrets at rest with AES-256-GCM under the master key.
// It is safe for concurrent use: the GCM AEAD keeps no per-call state.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte master key.
func NewSealer(masterKey []byte) (*Sealer, error) {
	if len(masterKey) != MasterKeySize {
		return nil, fmt.Errorf("keys: master key is %d bytes, want %d", len(masterKey), MasterKeySize)
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, fmt.Errorf("keys: master key cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keys: master key GCM: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext and authenticates it together with additionalData,
// which is not stored: Open must be given the same bytes. Callers pass the
// identity of the row the blob belongs to, so a blob copied into another row
// fails to open.
//
// Format: version (1 byte) | nonce (12 bytes) | ciphertext and GCM tag.
func (s *Sealer) Seal(plaintext, additionalData []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+s.aead.Overhead())
	out[0] = sealVersion
	nonce := out[1:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keys: seal nonce: %w", err)
	}
	return s.aead.Seal(out, nonce, plaintext, additionalData), nil
}

// Open reverses Seal. Any failure wraps ErrUnsealFailed.
func (s *Sealer) Open(sealed, additionalData []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: blob too short", ErrUnsealFailed)
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrUnsealFailed, sealed[0])
	}
	nonce, ciphertext := sealed[1:1+nonceSize], sealed[1+nonceSize:]
	plaintext, err := s.aead.Open(nil, nonce, ciphertext, additionalData)
	if err != nil {
		// The GCM error carries no detail; say what it most likely means.
		return nil, fmt.Errorf("%w: wrong master key, wrong additional data or tampered blob", ErrUnsealFailed)
	}
	return plaintext, nil
}

// GenerateMasterKey returns a fresh random master key. It is meant for
// development mode, where nothing needs to survive a restart; production
// passes a key generated once and kept in a secret store.
func GenerateMasterKey() ([]byte, error) {
	key := make([]byte, MasterKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("keys: generate master key: %w", err)
	}
	return key, nil
}

// ParseMasterKey decodes a 32-byte master key given as 64 hex characters or
// as base64 (standard or URL alphabet, padded or not). Surrounding white space
// is ignored. Error messages never include the input, which is a secret.
func ParseMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("keys: master key is empty")
	}
	// Hex first: 64 hex characters are also valid base64 (of 48 bytes), so
	// the order settles the ambiguity in favour of the intended reading.
	if len(s) == 2*MasterKeySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	// Operators paste keys from `openssl rand -base64 32` (standard, padded)
	// as well as URL-safe unpadded ones, so all four variants are accepted.
	encodings := [...]*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	}
	for _, enc := range encodings {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != MasterKeySize {
			return nil, fmt.Errorf("keys: master key decodes to %d bytes, want %d", len(key), MasterKeySize)
		}
		return key, nil
	}
	return nil, fmt.Errorf("keys: master key (%d characters) is neither 64 hex characters nor base64 of %d bytes", len(s), MasterKeySize)
}

// derivePrefix separates keys derived with DeriveKey from every other use
// of the master key (keys/signed uses its own prefix).
const derivePrefix = "admit/derived/v1/"

// DeriveKey derives a 32-byte key for one purpose from the master key with
// HKDF-SHA256 (RFC 5869), e.g. the key that encrypts opaque access tokens:
// every node holding the master key derives the same key, and no other
// secret needs configuring.
func DeriveKey(master []byte, purpose string) ([]byte, error) {
	if len(master) != 32 || purpose == "" {
		return nil, errors.New("keys: DeriveKey needs a 32-byte master key and a purpose")
	}
	return hkdf.Key(sha256.New, master, nil, derivePrefix+purpose, 32)
}
