package keys

import (
	"context"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/admit-idp/admit/storage"
)

// snapshot is an immutable view of the store at loadedAt. It is replaced
// wholesale on reload, so readers need no lock.
type snapshot struct {
	loadedAt time.Time
	// active holds the active key of each algorithm.
	active map[jose.SignatureAlgorithm]*SigningKey
	// keys are all usable stored keys, oldest first.
	keys []entry
	// byID lets the next reload reuse decoded keys (and their cached
	// signers) instead of unsealing and parsing them again.
	byID map[string]*SigningKey
}

// entry is one stored key with the state that decides whether it is published.
type entry struct {
	key       *SigningKey
	state     string
	retiredAt time.Time
}

// build decodes stored into a snapshot, reusing keys decoded by prev.
func (m *Manager) build(ctx context.Context, stored []storage.SigningKey, prev *snapshot) (*snapshot, error) {
	s := &snapshot{loadedAt: m.now(), byID: make(map[string]*SigningKey, len(stored)),
		active: make(map[jose.SignatureAlgorithm]*SigningKey, 3)}
	for _, rec := range stored {
		if !Supported(jose.SignatureAlgorithm(rec.Algorithm)) {
			// A newer release may have added an algorithm during a rolling
			// upgrade; skipping beats failing every reload on this node.
			m.logger().WarnContext(ctx, "skipping signing key of unsupported algorithm", "kid", rec.ID, "alg", rec.Algorithm)
			continue
		}
		k, err := reuseOrDecode(m.Sealer, rec, prev)
		if err != nil {
			return nil, err
		}
		s.byID[rec.ID] = k
		s.keys = append(s.keys, entry{key: k, state: rec.State, retiredAt: rec.RetiredAt})
		if rec.State == storage.KeyActive {
			s.active[k.alg] = k
		}
	}
	return s, nil
}

// reuseOrDecode returns prev's decoded key for rec if there is one. A kid
// names one key pair forever, so the cached key cannot be out of date.
func reuseOrDecode(sealer *Sealer, rec storage.SigningKey, prev *snapshot) (*SigningKey, error) {
	if prev != nil {
		if k, ok := prev.byID[rec.ID]; ok && string(k.alg) == rec.Algorithm {
			return k, nil
		}
	}
	return decode(sealer, rec)
}

// published returns the public keys to publish at now.
func (s *snapshot) published(now time.Time, grace time.Duration) []*PublicKey {
	out := make([]*PublicKey, 0, len(s.keys))
	for _, e := range s.keys {
		if e.state == storage.KeyRetired && !e.retiredAt.Add(grace).After(now) {
			continue
		}
		out = append(out, e.key.public)
	}
	return out
}

// renewed is a copy of s marked as loaded at now, used to postpone the next
// reload attempt after a failed one.
func (s *snapshot) renewed(now time.Time) *snapshot {
	c := *s
	c.loadedAt = now
	return &c
}

// activeOf is the active key of alg, nil if none.
func (s *snapshot) activeOf(alg jose.SignatureAlgorithm) *SigningKey {
	return s.active[alg]
}

// activeID is the kid of the active key of alg, or "" if there is none.
func (s *snapshot) activeID(alg jose.SignatureAlgorithm) string {
	if s == nil || s.active[alg] == nil {
		return ""
	}
	return s.active[alg].id
}
