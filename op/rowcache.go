package op

import (
	"context"
	"sync"
	"time"

	"github.com/admit-idp/admit/storage"
)

// With Storage.Stamps set (production: Redis, shared by every node), a node
// keeps the users (with their role grants) and the clients it read between
// requests, each under the change stamps (storage.Stamps) it was read with,
// and uses an entry only after reading the current stamps and finding them
// equal:
//   - userinfo and introspection read the user's and the tenant's stamps in
//     the same round trip as the deny-list check (liveAccessClaims), so a
//     user disabled, deleted or changed, a role grant revoked or a tenant
//     suspended through any node is seen by every node on its next
//     request, at the cost of no extra round trip;
//   - a client lookup reads the client's and its tenant's stamps (one
//     Redis MGET instead of a Postgres query); the login pages read the
//     flow's client the same way (CachedClients);
//   - a grant (code exchange, refresh, device) reads its user's and the
//     client's tenant's stamps (primeGrantUser) instead of the user's row.
//
// Every write of these rows restamps them (storage/layered.Stamped). An
// entry is also dropped after rowCacheMaxAge, and when the first role grant
// it holds expires, so that time-bound grants end on time. Without Stamps
// (development, one process on the memory store) nothing is cached.
type rowCache struct {
	mu      sync.Mutex
	users   map[string]cachedUser
	clients map[string]cachedClient
}

type cachedUser struct {
	user   storage.User
	grants []storage.RoleGrant
	stamps [2]string // user, tenant
	until  time.Time
}

type cachedClient struct {
	client storage.Client
	// stamps of the client and of its tenant (its status comes with the
	// client); the tenant's is unknownStamp until a lookup that already
	// knew the tenant read it.
	stamps [2]string
	until  time.Time
}

// unknownStamp is never a store's stamp: an entry holding it is read again.
const unknownStamp = "\x00unknown"

// rowCacheMaxAge bounds how long an entry is used. It is the bound on
// staleness only when a restamp failed after a write (see layered.Stamped);
// it must stay below redis.StampLifetime.
const rowCacheMaxAge = time.Minute

// maxCachedRows bounds each map (a user with grants is about 1 KB).
const maxCachedRows = 4096

// evictOne makes room in a full map by deleting an arbitrary entry.
func evictOne[V any](m map[string]V) {
	for k := range m {
		delete(m, k)
		return
	}
}

func (c *rowCache) user(id string, stamps [2]string, now time.Time) (cachedUser, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.users[id]
	if !ok || e.stamps != stamps || !now.Before(e.until) {
		return cachedUser{}, false
	}
	return e, true
}

func (c *rowCache) putUser(e cachedUser) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users == nil {
		c.users = make(map[string]cachedUser)
	}
	if len(c.users) >= maxCachedRows {
		evictOne(c.users)
	}
	c.users[e.user.ID] = e
}

func (c *rowCache) client(id string) (cachedClient, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.clients[id]
	return e, ok
}

func (c *rowCache) putClient(e cachedClient) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clients == nil {
		c.clients = make(map[string]cachedClient)
	}
	if len(c.clients) >= maxCachedRows {
		evictOne(c.clients)
	}
	c.clients[e.client.ID] = e
}

// loadClient reads a client through the cache (see rowCache): one Redis
// round trip reads the client's stamp and, when the node knows the
// client's tenant, the tenant's. When the stamps cannot be read (Redis
// down) it reads Postgres and caches nothing.
func (s *Storage) loadClient(ctx context.Context, id string) (storage.Client, error) {
	if s.Stamps == nil {
		return s.Clients.GetClient(ctx, id)
	}
	keys := []string{storage.ClientStamp(id)}
	cached, have := s.rows.client(id)
	if have {
		keys = append(keys, storage.TenantStamp(tenantOf(cached.client.TenantID)))
	}
	_, stamps, err := s.Stamps.CheckRevokedStamped(ctx, nil, keys)
	if err != nil || len(stamps) != len(keys) {
		return s.Clients.GetClient(ctx, id)
	}
	now := s.now()
	if have && cached.stamps == [2]string{stamps[0], stamps[1]} && now.Before(cached.until) {
		return cached.client, nil
	}
	c, err := s.Clients.GetClient(ctx, id)
	if err != nil {
		return c, err
	}
	e := cachedClient{client: c, stamps: [2]string{stamps[0], unknownStamp}, until: now.Add(rowCacheMaxAge)}
	if have && tenantOf(cached.client.TenantID) == tenantOf(c.TenantID) {
		e.stamps[1] = stamps[1] // read before the row: valid for it
	}
	s.rows.putClient(e)
	return c, nil
}

// CachedClients reads clients through this node's row cache (loadClient):
// for the login pages, which read the flow's client on every step, so
// that a warm node reads a client's stamps from Redis instead of its row
// from Postgres, and sees every change as the protocol endpoints do.
func (s *Storage) CachedClients() CachedClients { return CachedClients{s: s} }

// CachedClients is Storage's client reader (see Storage.CachedClients).
type CachedClients struct{ s *Storage }

// GetClient reads the client; storage.ErrNotFound if there is none.
func (c CachedClients) GetClient(ctx context.Context, id string) (storage.Client, error) {
	return c.s.loadClient(ctx, id)
}

// userStampKeys are the stamps a cached user depends on: the user's own
// and their tenant's (its status comes with the user).
func userStampKeys(userID, tenantID string) []string {
	return []string{storage.UserStamp(userID), storage.TenantStamp(tenantOf(tenantID))}
}

// primeUser puts the user (and grants) into the request's memo from the
// cache when stamps (read by liveAccessClaims) match; otherwise it reads
// the user and caches them under stamps. A failed read is left to the
// caller's own lookup, which reports it.
func (s *Storage) primeUser(ctx context.Context, userID string, stamps []string) {
	st := stateOf(ctx)
	if st == nil || len(stamps) != 2 {
		return
	}
	key := [2]string{stamps[0], stamps[1]}
	now := s.now()
	e, ok := s.rows.user(userID, key, now)
	if !ok {
		var err error
		e, err = s.readUser(ctx, userID, now)
		if err != nil {
			return
		}
		e.stamps = key
		s.rows.putUser(e)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.users == nil {
		st.users = map[string]storage.User{}
	}
	st.users[userID] = e.user
	if s.rolesOn() {
		if st.grants == nil {
			st.grants = map[string][]storage.RoleGrant{}
		}
		st.grants[userID] = e.grants
	}
}

// primeGrantUser lets a grant (code, refresh, device) read its user through
// the row cache: the user's and the tenant's stamps in one Redis round trip
// instead of the user's row from Postgres. The tenant is the client's
// (read through the cache, and kept in the request's memo for
// grantParties): a grant's user and client are of one tenant, and a user of
// another is refused by checkSameTenant whatever the cache holds. Without
// Stamps, or when they cannot be read, the grant reads Postgres as before.
func (s *Storage) primeGrantUser(ctx context.Context, userID, clientID string) {
	if s.Stamps == nil || stateOf(ctx) == nil {
		return
	}
	c, err := s.getClient(ctx, clientID)
	if err != nil {
		return // grantParties reports it
	}
	_, stamps, err := s.Stamps.CheckRevokedStamped(ctx, nil, userStampKeys(userID, c.TenantID))
	if err != nil {
		return
	}
	s.primeUser(ctx, userID, stamps)
}

// readUser reads a user (with their grants when roles are on) for the
// cache; the entry ends after rowCacheMaxAge or when its first grant
// expires.
func (s *Storage) readUser(ctx context.Context, id string, now time.Time) (cachedUser, error) {
	e := cachedUser{until: now.Add(rowCacheMaxAge)}
	var err error
	if s.rolesOn() {
		e.user, e.grants, err = s.Grants.GetUserWithGrants(ctx, id, now)
		if first := firstExpiry(e.grants, now, true); !first.IsZero() && first.Before(e.until) {
			e.until = first
		}
	} else {
		e.user, err = s.Users.GetUser(ctx, id)
	}
	return e, err
}
