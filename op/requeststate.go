package op

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/storage"
)

// requestState is per-request scratch space, put in the context by the HTTP
// layer (WithRequestState):
//   - outage records a backend failure. op rewraps some storage errors (a
//     failed code lookup becomes invalid_grant), so the HTTP layer asks
//     Outage instead of reading the error type, and answers 503
//     temporarily_unavailable: the client may retry.
//   - clients and users memoise lookups: op asks for the same client up to
//     four times in one token request. The memo lives for one request only,
//     so a removed client or disabled user is never served stale.
type requestState struct {
	outage  atomic.Bool
	mu      sync.Mutex
	clients map[string]storage.Client
	users   map[string]storage.User
	// grants are the users' grants read together with the user (see
	// getUser): minting the token then needs no query of its own.
	grants map[string][]storage.RoleGrant
	// signingOut marks an end_session request (SigningOut).
	signingOut bool
	// client is the client op looked up last (GetClientByClientID). At the
	// token endpoint op looks up the client it authenticates right before
	// it reads the refresh token, so this is the presenting client.
	client string
}

type requestStateKey struct{}

// WithRequestState returns a context carrying per-request state.
func WithRequestState(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestStateKey{}, &requestState{})
}

// EndSessionPath is where op serves RP-initiated logout.
var EndSessionPath = zop.DefaultEndpoints.EndSession.Relative()

// SigningOut marks ctx (which must carry request state) as an end_session
// request: a user of a suspended tenant must still be able to sign out, so
// there the client is looked up whatever its tenant's state.
func SigningOut(ctx context.Context) context.Context {
	if st := stateOf(ctx); st != nil {
		st.signingOut = true
	}
	return ctx
}

// presentedBy records id as the client op looked up (see requestState).
func presentedBy(ctx context.Context, id string) {
	if st := stateOf(ctx); st != nil {
		st.mu.Lock()
		st.client = id
		st.mu.Unlock()
	}
}

// presentingClient is the client op looked up last in this request, or ""
// without request state.
func presentingClient(ctx context.Context) string {
	st := stateOf(ctx)
	if st == nil {
		return ""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.client
}

func stateOf(ctx context.Context) *requestState {
	st, _ := ctx.Value(requestStateKey{}).(*requestState)
	return st
}

// Outage reports whether a backend was unavailable during this request.
func Outage(ctx context.Context) bool {
	st := stateOf(ctx)
	return st != nil && st.outage.Load()
}

// noteOutage records err in ctx's state when it is a backend outage.
func noteOutage(ctx context.Context, err error) {
	if st := stateOf(ctx); st != nil && errors.Is(err, storage.ErrUnavailable) {
		st.outage.Store(true)
	}
}

// memo returns the value cached under id in the request's map m, or loads
// and caches it.
func memo[T any](ctx context.Context, pick func(*requestState) *map[string]T, id string, load func(context.Context, string) (T, error)) (T, error) {
	st := stateOf(ctx)
	if st == nil {
		return load(ctx, id)
	}
	st.mu.Lock()
	v, ok := (*pick(st))[id]
	st.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load(ctx, id)
	if err != nil {
		return v, err
	}
	st.mu.Lock()
	if *pick(st) == nil {
		*pick(st) = map[string]T{}
	}
	(*pick(st))[id] = v
	st.mu.Unlock()
	return v, nil
}

func (s *Storage) getClient(ctx context.Context, id string) (storage.Client, error) {
	return memo(ctx, func(st *requestState) *map[string]storage.Client { return &st.clients }, id, s.loadClient)
}

func (s *Storage) getUser(ctx context.Context, id string) (storage.User, error) {
	load := s.Users.GetUser
	if s.rolesOn() {
		load = s.loadUserWithGrants
	}
	return memo(ctx, func(st *requestState) *map[string]storage.User { return &st.users }, id, load)
}

// loadUserWithGrants reads the user and their grants in one round trip and
// keeps the grants for the rest of the request (rememberedGrants).
func (s *Storage) loadUserWithGrants(ctx context.Context, id string) (storage.User, error) {
	u, grants, err := s.Grants.GetUserWithGrants(ctx, id, s.now())
	if err != nil {
		return u, err
	}
	if st := stateOf(ctx); st != nil {
		st.mu.Lock()
		if st.grants == nil {
			st.grants = map[string][]storage.RoleGrant{}
		}
		st.grants[id] = grants
		st.mu.Unlock()
	}
	return u, nil
}

// rememberedGrants returns the grants loadUserWithGrants read in this
// request, if it did.
func rememberedGrants(ctx context.Context, userID string) ([]storage.RoleGrant, bool) {
	st := stateOf(ctx)
	if st == nil {
		return nil, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	g, ok := st.grants[userID]
	return g, ok
}
