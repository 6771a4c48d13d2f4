package op

import (
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/storage"
)

// authRequest adapts a stored authorization request to zop.AuthRequest (and
// to zop.TokenRequest/IDTokenRequest when tokens are issued from a code).
// codeHash is set when it was looked up by code: the code is spent only
// when tokens are issued, after op has authenticated the client and checked
// PKCE.
type authRequest struct {
	storage.AuthRequest
	codeHash string
}

var _ zop.AuthRequest = authRequest{}

func (a authRequest) GetID() string          { return a.ID }
func (a authRequest) GetACR() string         { return a.ACR }
func (a authRequest) GetAMR() []string       { return a.AMR }
func (a authRequest) GetAudience() []string  { return []string{a.ClientID} }
func (a authRequest) GetAuthTime() time.Time { return a.AuthTime }
func (a authRequest) GetClientID() string    { return a.ClientID }
func (a authRequest) GetNonce() string       { return a.Nonce }
func (a authRequest) GetRedirectURI() string { return a.RedirectURI }
func (a authRequest) GetScopes() []string    { return a.Scopes }
func (a authRequest) GetState() string       { return a.State }
func (a authRequest) GetSubject() string     { return a.UserID }
func (a authRequest) Done() bool             { return a.AuthRequest.Done }
func (a authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.ResponseType)
}

func (a authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.ResponseMode)
}

func (a authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{
		Challenge: a.CodeChallenge,
		Method:    oidc.CodeChallengeMethod(a.CodeChallengeMethod),
	}
}

// grantID names the grant that tokens issued for this request belong to: a
// replayed code revokes everything issued under it.
func (a authRequest) grantID() string { return a.ID }

// newAuthRequest builds the stored form of a validated oidc.AuthRequest.
func newAuthRequest(id string, req *oidc.AuthRequest, hintSubject string, now time.Time, ttl time.Duration) storage.AuthRequest {
	maxAge := int64(-1)
	if req.MaxAge != nil {
		maxAge = int64(*req.MaxAge)
	}
	return storage.AuthRequest{
		ID:                  id,
		ClientID:            req.ClientID,
		RedirectURI:         req.RedirectURI,
		Scopes:              req.Scopes,
		ResponseType:        string(req.ResponseType),
		ResponseMode:        string(req.ResponseMode),
		State:               req.State,
		Nonce:               req.Nonce,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt:              req.Prompt,
		MaxAge:              maxAge,
		HintSubject:         hintSubject,
		LoginHint:           req.LoginHint,
		ACRValues:           req.ACRValues,
		UILocales:           localeStrings(req.UILocales),
		CreatedAt:           now,
		ExpiresAt:           now.Add(ttl),
	}
}

func localeStrings(l oidc.Locales) []string {
	out := make([]string, 0, len(l))
	for _, tag := range l {
		out = append(out, tag.String())
	}
	return out
}
