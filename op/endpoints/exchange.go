package endpoints

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/social"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
)

// exchangeRate bounds token-exchange attempts per client address (IPv6 per
// /64): each may verify an upstream token or create an account, like a
// social login.
var exchangeRate = storage.Rate{Limit: 30, Period: time.Minute}

// TokenExchange answers RFC 8693 token exchange itself and leaves every
// other grant to op. op's handler authenticates clients with HTTP Basic
// only and refuses public clients, which native sign-in is for; the parsing,
// the token checks and the response are op's (ParseTokenExchangeRequest,
// CreateTokenExchangeRequest, CreateTokenExchangeResponse), the policy is
// op.Storage's (op/exchange.go).
func (p *Protocol) TokenExchange(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("grant_type") != op.GrantTokenExchange {
			next.ServeHTTP(w, r)
			return
		}
		p.exchange(w, r.WithContext(p.issuerContext(r.Context())))
	})
}

func (p *Protocol) exchange(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if res, err := p.Limiter.AllowRate(ctx, "token_exchange:ip:"+login.ClientPrefix(r), exchangeRate); err != nil {
		zop.RequestError(w, r, oidc.ErrServerError().WithParent(err), nil)
		return
	} else if !res.Allowed {
		w.Header().Set("Retry-After", strconv.Itoa(int(res.RetryAfter.Seconds())+1))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":"invalid_request","error_description":"too many token exchanges from this address; retry later"}`))
		return
	}
	req, _, _, err := zop.ParseTokenExchangeRequest(r, p.Provider.Decoder())
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	client, err := p.exchangeClient(r)
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	if err := checkExchangeParams(req); err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	st := &op.ExchangeState{Nonce: r.PostForm.Get("nonce")}
	ctx = op.WithExchange(ctx, st)
	tr, err := zop.CreateTokenExchangeRequest(ctx, req, client, p.Provider)
	if err == nil {
		var resp *oidc.TokenExchangeResponse
		if resp, err = zop.CreateTokenExchangeResponse(ctx, tr, client, p.Provider); err == nil {
			p.auditExchange(ctx, client.GetID(), req.SubjectTokenType, st, nil)
			httphelper.MarshalJSON(w, resp)
			return
		}
	}
	err = exchangeError(err, st)
	p.auditExchange(ctx, client.GetID(), req.SubjectTokenType, st, err)
	zop.RequestError(w, r, err, nil)
}

// exchangeClient authenticates the client (token exchange, device
// authorization) as at the other grants: HTTP
// Basic or private_key_jwt (op's ClientIDFromRequest), client_secret_post,
// or a public client naming itself with client_id (RFC 6749 2.3, 3.2.1).
func (p *Protocol) exchangeClient(r *http.Request) (zop.Client, error) {
	id, authenticated, err := zop.ClientIDFromRequest(r, p.Provider)
	var oe *oidc.Error
	if errors.As(err, &oe) && oe.ErrorType == oidc.UnauthorizedClient {
		// op answers a wrong Basic secret with unauthorized_client; RFC
		// 6749 5.2 says invalid_client.
		return nil, oidc.ErrInvalidClient().WithDescription("invalid client_id / client_secret").WithParent(err)
	}
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	if secret := r.PostForm.Get("client_secret"); !authenticated && secret != "" {
		if err := p.Provider.Storage().AuthorizeClientIDSecret(ctx, id, secret); err != nil {
			return nil, oidc.ErrInvalidClient().WithDescription("invalid client_id / client_secret").WithParent(err)
		}
		authenticated = true
	}
	c, err := p.Provider.Storage().GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	if zop.IsConfidentialType(c) && !authenticated {
		return nil, oidc.ErrInvalidClient().WithDescription("confidential clients must authenticate")
	}
	return c, nil
}

// checkExchangeParams is op's ValidateTokenExchangeRequest without its
// Basic-only client authentication.
func checkExchangeParams(req *oidc.TokenExchangeRequest) error {
	switch {
	case req.SubjectToken == "":
		return oidc.ErrInvalidRequest().WithDescription("subject_token missing")
	case req.SubjectTokenType == "":
		return oidc.ErrInvalidRequest().WithDescription("subject_token_type missing")
	case !req.SubjectTokenType.IsSupported():
		return oidc.ErrInvalidRequest().WithDescription("subject_token_type is not supported")
	case req.RequestedTokenType != "" && !req.RequestedTokenType.IsSupported():
		return oidc.ErrInvalidRequest().WithDescription("requested_token_type is not supported")
	case req.ActorTokenType != "" && !req.ActorTokenType.IsSupported():
		return oidc.ErrInvalidRequest().WithDescription("actor_token_type is not supported")
	}
	return nil
}

// exchangeError says why an upstream ID token was refused, which op
// reduces to "subject_token is invalid": an unavailable provider is a 503
// (retry), anything else invalid_request with the reason (no secret in it:
// the app sent the token).
func exchangeError(err error, st *op.ExchangeState) error {
	switch {
	case st.VerifyErr == nil:
		return err
	case errors.Is(st.VerifyErr, social.ErrProviderUnavailable):
		return oidc.ErrServerError().WithDescription("the sign-in provider is unavailable; retry later").WithParent(st.VerifyErr)
	}
	return oidc.ErrInvalidRequest().WithDescription("subject_token is invalid: %s", st.VerifyErr.Error())
}

// auditExchange records a native sign-in as a login through the provider
// ("login", method social_native) and any other exchange as
// "token.exchange", successes and refusals alike.
func (p *Protocol) auditExchange(ctx context.Context, clientID string, subjectType oidc.TokenType, st *op.ExchangeState, err error) {
	ev := audit.Event{Event: "token.exchange", ClientID: clientID, UserID: st.UserID, ActorID: clientID, Outcome: audit.Success,
		Details: map[string]string{"kind": "delegation"}}
	if subjectType == oidc.IDTokenType {
		ev.Event, ev.ActorID, ev.Details = "login", st.UserID, map[string]string{"method": "social_native"}
	}
	if err != nil {
		ev.Outcome = audit.Failure
		var oe *oidc.Error
		if errors.As(err, &oe) {
			ev.Reason = string(oe.ErrorType)
			ev.Details["description"] = oe.Description
		}
	}
	if c, cerr := p.Clients.GetClient(ctx, clientID); cerr == nil {
		ev.TenantID = c.TenantID
	}
	p.Audit.Record(ctx, ev)
	if ev.Event == "login" {
		if err == nil {
			p.LoginSucceeded(nil, "social_native")
		} else {
			p.LoginFailed(nil, "social_native", ev.Reason)
		}
	}
}
