package signed

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// Sentinel errors of Verify.
var (
	// ErrInvalid: malformed, tampered, another purpose's or another
	// version's token. The causes are not told apart on purpose.
	ErrInvalid = errors.New("signed: invalid token")
	// ErrExpired: a genuine token whose expiry has passed.
	ErrExpired = errors.New("signed: token expired")
	// ErrWeakKey: New was given a root key shorter than MinRootKey bytes.
	ErrWeakKey = errors.New("signed: root key too short")
	// ErrNoPurpose: New was given an empty purpose.
	ErrNoPurpose = errors.New("signed: purpose is required")
)

// MinRootKey is the shortest root key New accepts (256 bits).
const MinRootKey = 32

const (
	version = "v1"
	// macLabel binds the tag to this format version, so a later format
	// using the same key cannot produce a colliding tag input.
	macLabel   = "admit-signed-v1\x00"
	hkdfPrefix = "admit/signed/v1/"
	expirySize = 8
)

// Strict decoding rejects non-zero padding bits, so one token has one
// spelling and a changed last character is never silently accepted.
var b64 = base64.RawURLEncoding.Strict()

// Signer signs and verifies tokens for one purpose. It is safe for
// concurrent use.
type Signer struct {
	key [sha256.Size]byte
	now func() time.Time
}

// New derives the purpose's key from root (HKDF-SHA256, RFC 5869 section 2;
// the purpose goes into info) and returns its Signer. now is the clock
// Verify and Sign use; nil means time.Now.
func New(root []byte, purpose string, now func() time.Time) (*Signer, error) {
	if len(root) < MinRootKey {
		return nil, ErrWeakKey
	}
	if purpose == "" {
		return nil, ErrNoPurpose
	}
	k, err := hkdf.Key(sha256.New, root, nil, hkdfPrefix+purpose, sha256.Size)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	s := &Signer{now: now}
	copy(s.key[:], k)
	return s, nil
}

// Sign returns a token carrying payload that expires ttl from now.
func (s *Signer) Sign(payload []byte, ttl time.Duration) string {
	return s.SignUntil(payload, s.now().Add(ttl))
}

// SignUntil returns a token carrying payload that is valid while the clock
// reads before expires (to the second, rounded down).
func (s *Signer) SignUntil(payload []byte, expires time.Time) string {
	body := withExpiry(expires, payload)
	return version + "." + b64.EncodeToString(body) + "." + b64.EncodeToString(s.tag(body))
}

// Verify checks token and returns its payload.
func (s *Signer) Verify(token string) ([]byte, error) {
	body, err := s.open(token)
	if err != nil {
		return nil, err
	}
	return body[expirySize:], nil
}

// SignDetached returns a signature over payload, which travels separately,
// expiring ttl from now.
func (s *Signer) SignDetached(payload []byte, ttl time.Duration) string {
	body := withExpiry(s.now().Add(ttl), payload)
	return version + "." + b64.EncodeToString(body[:expirySize]) + "." + b64.EncodeToString(s.tag(body))
}

// VerifyDetached checks a signature made by SignDetached over payload.
func (s *Signer) VerifyDetached(payload []byte, sig string) error {
	exp, tag, ok := split(sig)
	if !ok || len(exp) != expirySize {
		return ErrInvalid
	}
	return s.check(append(exp, payload...), tag)
}

// open splits, authenticates and checks the expiry of an attached token,
// returning expiry|payload.
func (s *Signer) open(token string) ([]byte, error) {
	body, tag, ok := split(token)
	if !ok || len(body) < expirySize {
		return nil, ErrInvalid
	}
	if err := s.check(body, tag); err != nil {
		return nil, err
	}
	return body, nil
}

// check compares the tag in constant time, then the expiry.
func (s *Signer) check(body, tag []byte) error {
	if !hmac.Equal(tag, s.tag(body)) {
		return ErrInvalid
	}
	exp := int64(binary.BigEndian.Uint64(body[:expirySize]))
	if s.now().Unix() >= exp {
		return ErrExpired
	}
	return nil
}

func (s *Signer) tag(body []byte) []byte {
	m := hmac.New(sha256.New, s.key[:])
	m.Write([]byte(macLabel))
	m.Write(body)
	return m.Sum(nil)
}

func withExpiry(expires time.Time, payload []byte) []byte {
	body := make([]byte, expirySize, expirySize+len(payload))
	binary.BigEndian.PutUint64(body, uint64(expires.Unix()))
	return append(body, payload...)
}

// split decodes "v1.<body>.<tag>".
func split(token string) (body, tag []byte, ok bool) {
	v, rest, ok1 := strings.Cut(token, ".")
	enc, encTag, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || v != version {
		return nil, nil, false
	}
	body, err1 := b64.DecodeString(enc)
	tag, err2 := b64.DecodeString(encTag)
	if err1 != nil || err2 != nil || len(tag) != sha256.Size {
		return nil, nil, false
	}
	return body, tag, true
}
