// Package passkeytest is a software WebAuthn authenticator for tests: one
// ES256 key per credential, attestation "none", and knobs to produce the
// bad inputs a server must refuse (wrong origin, malformed client data,
// counter regressions, another user's handle).
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator flags (WebAuthn §6.1).
const (
	FlagUP = 0x01
	FlagUV = 0x04
	FlagBE = 0x08
	FlagBS = 0x10
	FlagAT = 0x40
)

// Credential is a key the authenticator holds.
type Credential struct {
	ID         []byte
	UserHandle []byte
	RPID       string
	Key        *ecdsa.PrivateKey
	Count      uint32
	// Flags are added to every response (UV, BE, BS); UP is always set.
	Flags byte
}

// New creates a credential for rpID and user handle.
func New(rpID string, userHandle []byte, flags byte) *Credential {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return &Credential{ID: id, UserHandle: userHandle, RPID: rpID, Key: k, Flags: flags}
}

// B64 is base64url without padding, WebAuthn's JSON encoding.
func B64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// ClientData builds clientDataJSON.
func ClientData(typ, challenge, origin string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}

func (c *Credential) authData(extra byte, attested []byte) []byte {
	h := sha256.Sum256([]byte(c.RPID))
	out := append([]byte{}, h[:]...)
	out = append(out, FlagUP|c.Flags|extra)
	out = binary.BigEndian.AppendUint32(out, c.Count)
	return append(out, attested...)
}

func (c *Credential) coseKey() []byte {
	// Bytes is the uncompressed point 0x04 | X | Y (SEC 1, 2.3.3), 32 bytes
	// each on P-256.
	pt, err := c.Key.PublicKey.Bytes()
	if err != nil {
		panic(err) // a generated P-256 key always encodes
	}
	b, _ := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pt[1:33], -3: pt[33:65]})
	return b
}

// Attestation is the JSON of a registration response (attestation "none")
// answering challenge (base64url) at origin.
func (c *Credential) Attestation(challenge, origin string) string {
	att := make([]byte, 16) // AAGUID: zero
	att = binary.BigEndian.AppendUint16(att, uint16(len(c.ID)))
	att = append(att, c.ID...)
	att = append(att, c.coseKey()...)
	obj, _ := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": c.authData(FlagAT, att)})
	return c.json(map[string]any{
		"clientDataJSON":    B64(ClientData("webauthn.create", challenge, origin)),
		"attestationObject": B64(obj),
		"transports":        []string{"internal"},
	})
}

// Assertion signs challenge for origin with the next counter value.
func (c *Credential) Assertion(challenge, origin string) string {
	return c.AssertionWith(ClientData("webauthn.get", challenge, origin), c.UserHandle)
}

// AssertionWith signs arbitrary client data and user handle (for bad-input
// tests); the counter advances unless it is 0 (a synced passkey's).
func (c *Credential) AssertionWith(clientData, userHandle []byte) string {
	if c.Count > 0 {
		c.Count++
	}
	ad := c.authData(0, nil)
	sum := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, ad...), sum[:]...))
	sig, _ := ecdsa.SignASN1(rand.Reader, c.Key, digest[:])
	resp := map[string]any{
		"clientDataJSON": B64(clientData), "authenticatorData": B64(ad), "signature": B64(sig),
	}
	if userHandle != nil {
		resp["userHandle"] = B64(userHandle)
	}
	return c.json(resp)
}

func (c *Credential) json(response map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"id": B64(c.ID), "rawId": B64(c.ID), "type": "public-key", "response": response,
		"clientExtensionResults": map[string]any{}, "authenticatorAttachment": "platform",
	})
	return string(b)
}
