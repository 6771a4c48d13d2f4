// Package signed makes and checks short, URL-safe tokens that carry a
// payload, an expiry and an HMAC-SHA256 tag: the one way Admit signs values
// it hands out and reads back (unlock links, device cookies, logout
// redirects, op's in-process token IDs).
//
// # Format
//
// A token is
//
//	v1.<base64url(expiry | payload)>.<base64url(tag)>
//
// and a detached signature, for a payload that travels beside it, is
//
//	v1.<base64url(expiry)>.<base64url(tag)>
//
// where expiry is the big-endian Unix second at which the token stops being
// valid (8 bytes), and tag = HMAC-SHA256(purpose key, "admit-signed-v1" 0x00
// expiry payload). The version prefix lets the format change later without
// a new token being mistaken for an old one. The alphabet is base64url plus
// '.', so tokens fit in query strings, cookies and op's ':'-separated IDs.
//
// # Keys
//
// Each Signer serves one purpose. Its key is derived from a root secret
// (the master key, or a random per-process key) with HKDF-SHA256 (RFC 5869)
// and the purpose in the info parameter, so a token made for one purpose
// fails verification under every other: an unlock link is not a device
// cookie even where the payloads look alike.
//
// # Verification
//
// Verify recomputes the tag and compares it in constant time
// (crypto/hmac.Equal) before looking at the payload or the expiry. Every
// malformed, tampered, wrong-purpose or wrong-version token is ErrInvalid;
// a genuine token past its expiry is ErrExpired.
package signed
