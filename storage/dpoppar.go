package storage

import (
	"context"
	"net/url"
	"time"
)

// DPoPProofs remembers the DPoP proofs a server has accepted, so that a
// proof is accepted once across every node (RFC 9449 §11.1: "the server
// MUST ensure that the same proof is not used more than once"). It is
// ephemeral: a proof is remembered only for as long as its iat window would
// accept it.
type DPoPProofs interface {
	// UseDPoPProof records key (a digest of the proof's key thumbprint and
	// jti) until the given time. ErrAlreadyUsed if the key is recorded and
	// not yet past its until; the first of concurrent calls wins. After
	// until the store may forget the key: the caller's iat window refuses
	// such an old proof by itself.
	UseDPoPProof(ctx context.Context, key string, until time.Time) error
}

// PushedRequest is an RFC 9126 pushed authorization request: the
// authorization parameters a client posted to the PAR endpoint, stored by
// the SHA-256 of the random part of its request_uri (the URI itself is
// never stored).
type PushedRequest struct {
	Hash     string
	ClientID string
	// Params are the pushed authorization parameters, as validated.
	Params    url.Values
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PushedRequests holds pushed authorization requests (ephemeral: gone,
// ErrNotFound, from ExpiresAt on). Any node may serve /authorize for a
// request pushed to another.
type PushedRequests interface {
	// PushRequest stores r. ErrAlreadyExists if the hash is taken.
	PushRequest(ctx context.Context, r PushedRequest) error
	// ConsumePushedRequest removes and returns the request of clientID
	// (RFC 9126 §4: request_uri is one-time use). ErrNotFound if unknown,
	// used, expired or another client's; another client's request is left
	// in place. Of concurrent calls exactly one gets it.
	ConsumePushedRequest(ctx context.Context, hash, clientID string) (PushedRequest, error)
}
