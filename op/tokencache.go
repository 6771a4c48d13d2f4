package op

import (
	"sync"
)

// verifiedTokens remembers the access tokens this node verified, so that a
// token presented again (a resource server calling userinfo or
// introspection per request) costs a map lookup instead of a signature
// verification and two JSON decodings. An entry proves only what never
// changes about a token: its signature and its claims. Everything that can
// change is checked on every use, as for a token seen the first time: the
// key is still published (verifyAccessToken), issuer and expiry, and the
// deny-list and the user and client rows (liveAccessClaims, activeUser).
//
// The cache is bounded (maxVerifiedTokens, about 1.5 KB each); when full, an
// arbitrary entry makes room, and expired entries are dropped as they are
// met.
type verifiedTokens struct {
	mu sync.Mutex
	// byToken is keyed by the whole compact JWS (signature included, so a
	// forged signature never matches); byPayload by its payload segment,
	// which is what op hands back as the token ID (see Decrypt).
	byToken   map[string]*verifiedToken
	byPayload map[string]*verifiedToken
}

type verifiedToken struct {
	token   string
	payload string
	kid     string
	claims  accessClaims
}

// maxVerifiedTokens bounds the cache: a few MB at most.
const maxVerifiedTokens = 4096

func (c *verifiedTokens) byJWS(token string) (*verifiedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.byToken[token]
	return v, ok
}

func (c *verifiedTokens) byPayloadSegment(payload string) (*verifiedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.byPayload[payload]
	return v, ok
}

func (c *verifiedTokens) put(v *verifiedToken, nowUnix int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byToken == nil {
		c.byToken = make(map[string]*verifiedToken)
		c.byPayload = make(map[string]*verifiedToken)
	}
	if len(c.byToken) >= maxVerifiedTokens {
		evicted := 0
		for _, old := range c.byToken {
			if old.claims.Expiry > nowUnix && evicted > 0 {
				break
			}
			c.dropLocked(old)
			evicted++
		}
	}
	c.byToken[v.token] = v
	c.byPayload[v.payload] = v
}

func (c *verifiedTokens) drop(v *verifiedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked(v)
}

func (c *verifiedTokens) dropLocked(v *verifiedToken) {
	if c.byToken[v.token] == v {
		delete(c.byToken, v.token)
	}
	if c.byPayload[v.payload] == v {
		delete(c.byPayload, v.payload)
	}
}
