package endpoints

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
)

// Pushed authorization requests (RFC 9126). A client posts its
// authorization parameters to PARPath, authenticated as at the token
// endpoint, and gets a request_uri; /authorize with client_id and that
// request_uri then runs the pushed parameters through op as if they had
// come in the query. The request is stored (by the hash of its random
// part) in the ephemeral store, which all nodes share, for
// PushedRequestLifetime and is single use.

// PARPath is where the PAR endpoint is served (discovery's
// pushed_authorization_request_endpoint).
const PARPath = "/oauth/par"

// RequestURIPrefix starts every request_uri Admit issues (RFC 9126 §2.2).
const RequestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// PushedRequestLifetime is the expires_in of a request_uri: "a short
// lifetime … between 5 and 600 seconds" (RFC 9126 §2.2); long enough for
// the redirect to /authorize, short enough to be useless later.
const PushedRequestLifetime = 60 * time.Second

// PushedRequests stores pushed requests (storage.PushedRequests).
type PushedRequests interface {
	PushRequest(ctx context.Context, r storage.PushedRequest) error
	ConsumePushedRequest(ctx context.Context, hash, clientID string) (storage.PushedRequest, error)
}

// PushValidator is op's part of validating a pushed request (op.Storage).
type PushValidator interface {
	ValidatePushedRequest(ctx context.Context, req *oidc.AuthRequest) error
}

// clientAuthParams authenticate the client at the PAR endpoint; they are
// not authorization parameters and are never stored.
var clientAuthParams = []string{"client_secret", "client_assertion", "client_assertion_type"}

// jktPattern is a base64url SHA-256 JWK thumbprint (RFC 7638), the only
// dpop_jkt Admit can match against a proof (RFC 9449 §10).
var jktPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// PushedAuthorization serves the PAR endpoint (RFC 9126 §2). It runs
// after ClientAuth (the client is held to its registered authentication
// method), so it answers like the token endpoint: JSON errors, 401
// invalid_client.
func (p *Protocol) PushedAuthorization(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	p.setNonce(w, r)
	if r.Method != http.MethodPost { // §2.1: POST only
		w.Header().Set("Allow", http.MethodPost)
		WriteOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "the pushed authorization request endpoint accepts POST only")
		return
	}
	if err := r.ParseForm(); err != nil {
		WriteOAuthError(w, http.StatusBadRequest, "invalid_request", "the request body is not a form")
		return
	}
	// Served outside op's router: op's verifiers (the client assertion's
	// audience, id_token_hint) read the issuer from the context.
	r = r.WithContext(p.issuerContext(r.Context()))
	clientID, err := p.parClient(r)
	if err != nil {
		p.writePARError(w, asClientError(err))
		return
	}
	params, err := p.pushedParams(r, clientID)
	if err != nil {
		p.writePARError(w, err)
		return
	}
	uri, err := p.storePushed(r.Context(), clientID, params)
	if err != nil {
		p.writePARError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated) // §2.2
	_ = json.NewEncoder(w).Encode(map[string]any{"request_uri": uri, "expires_in": int(PushedRequestLifetime / time.Second)})
}

// parClient authenticates the client as op's token endpoint does (RFC
// 9126 §2: "the same rules for client authentication as … for the token
// endpoint"): a private_key_jwt assertion or Basic through op, a
// client_secret_post secret through op's storage, or no secret for a
// public client.
func (p *Protocol) parClient(r *http.Request) (string, error) {
	formID := r.PostForm.Get("client_id")
	var id string
	switch {
	case r.PostForm.Has("client_secret"):
		if err := zop.AuthorizeClientIDSecret(r.Context(), formID, r.PostForm.Get("client_secret"), p.Provider.Storage()); err != nil {
			return "", err
		}
		id = formID
	default:
		cid, authenticated, err := zop.ClientIDFromRequest(r, p.Provider)
		if err != nil {
			return "", err
		}
		if !authenticated {
			c, err := p.Clients.GetClient(r.Context(), cid)
			if err != nil || !c.Public {
				return "", oidc.ErrInvalidClient().WithDescription("client authentication failed").WithParent(err)
			}
		}
		id = cid
	}
	if formID != "" && formID != id {
		return "", oidc.ErrInvalidClient().WithDescription("client_id does not name the authenticated client")
	}
	return id, nil
}

// asClientError answers any refused client authentication as
// invalid_client (RFC 6749 §5.2), as the token endpoint does; zitadel
// reports a wrong Basic secret as unauthorized_client. Server faults stay.
func asClientError(err error) error {
	var oe *oidc.Error
	if errors.As(err, &oe) && (oe.ErrorType == oidc.ServerError || oe.ErrorType == "temporarily_unavailable") {
		return err
	}
	return oidc.ErrInvalidClient().WithParent(err)
}

// pushedParams validates the pushed parameters as /authorize would (RFC
// 9126 §2.1: zitadel's ValidateAuthRequestClient, then op's own checks)
// and returns what is stored: the form without client
// credentials, with dpop_jkt set from a DPoP proof (RFC 9449 §10.1).
func (p *Protocol) pushedParams(r *http.Request, clientID string) (url.Values, error) {
	form := r.PostForm
	if form.Has("request_uri") { // §2.1: "MUST NOT be provided"
		return nil, oidc.ErrInvalidRequest().WithDescription("request_uri must not be pushed")
	}
	if oerr := authorizeParamError(form); oerr != nil {
		return nil, oerr
	}
	authReq := new(oidc.AuthRequest)
	if err := p.Provider.Decoder().Decode(authReq, form); err != nil {
		return nil, oidc.ErrInvalidRequest().WithDescription("cannot parse the authorization request")
	}
	authReq.ClientID = clientID
	ctx := r.Context()
	client, err := p.Provider.Storage().GetClientByClientID(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if _, err := zop.ValidateAuthRequestClient(ctx, authReq, client, p.Provider.IDTokenHintVerifier(ctx)); err != nil {
		return nil, err
	}
	if err := p.PushValidator.ValidatePushedRequest(ctx, authReq); err != nil {
		return nil, err
	}
	params := url.Values{}
	for k, v := range form {
		params[k] = v
	}
	for _, k := range clientAuthParams {
		params.Del(k)
	}
	params.Set("client_id", clientID)
	if len(r.Header.Values("DPoP")) == 0 {
		return params, nil
	}
	proof, err := p.verifyProof(r, op.DPoPRequest{Method: r.Method, URL: p.endpointURL(PARPath), RequireNonce: p.DPoPNonce})
	if err != nil {
		return nil, err
	}
	if jkt := form.Get("dpop_jkt"); jkt != "" && jkt != proof.JKT { // RFC 9449 §10.1
		return nil, errors.Join(op.ErrInvalidDPoPProof, errors.New("dpop_jkt is not the thumbprint of the DPoP proof's key"))
	}
	params.Set("dpop_jkt", proof.JKT)
	return params, nil
}

// storePushed stores the request under the hash of a fresh 256-bit random
// request_uri.
func (p *Protocol) storePushed(ctx context.Context, clientID string, params url.Values) (string, error) {
	random := rand.Text() + rand.Text() // 2 × 130 bits, base32
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	err := p.Pushed.PushRequest(ctx, storage.PushedRequest{
		Hash: requestURIHash(random), ClientID: clientID, Params: params,
		CreatedAt: now, ExpiresAt: now.Add(PushedRequestLifetime),
	})
	if err != nil {
		return "", err
	}
	return RequestURIPrefix + random, nil
}

func requestURIHash(random string) string {
	sum := sha256.Sum256([]byte(random))
	return hex.EncodeToString(sum[:])
}

// writePARError answers like the token endpoint (RFC 9126 §2.3).
func (p *Protocol) writePARError(w http.ResponseWriter, err error) {
	var oe *oidc.Error
	switch {
	case errors.Is(err, op.ErrInvalidDPoPProof), errors.Is(err, op.ErrUseDPoPNonce), errors.Is(err, storage.ErrUnavailable):
		p.writeProofError(w, err)
	case errors.As(err, &oe) && oe.ErrorType == oidc.InvalidClient:
		w.Header().Set("WWW-Authenticate", `Basic realm="admit"`)
		WriteOAuthError(w, http.StatusUnauthorized, string(oe.ErrorType), "client authentication failed")
	case errors.As(err, &oe) && oe.ErrorType == "temporarily_unavailable":
		WriteUnavailable(w)
	case errors.As(err, &oe) && oe.ErrorType != oidc.ServerError:
		WriteOAuthError(w, http.StatusBadRequest, string(oe.ErrorType), oe.Description)
	default:
		p.Logger.Error("pushed authorization request failed", "error", err)
		WriteOAuthError(w, http.StatusInternalServerError, "server_error", "the request could not be stored; retry")
	}
}

// PushedAuthorize runs before AuthorizeParams at /authorize. With a
// request_uri Admit issued it replaces the request's parameters by the
// pushed ones (RFC 9126 §4: the pushed request is used and the others
// ignored, client_id aside, which must match) and consumes them; an
// unknown, expired, used or other client's request_uri gets a page (no
// redirect URI is known to be the client's yet). It tells op whether the
// request was pushed and its dpop_jkt (RFC 9449 §10).
func (p *Protocol) PushedAuthorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil {
			next.ServeHTTP(w, r) // op reports unreadable requests
			return
		}
		uri := r.Form.Get("request_uri")
		random, ok := strings.CutPrefix(uri, RequestURIPrefix)
		if !ok { // no request_uri, or not ours: AuthorizeParams answers it
			next.ServeHTTP(w, r.WithContext(op.WithAuthorizeExtras(r.Context(), false, r.Form.Get("dpop_jkt"))))
			return
		}
		pr, err := p.Pushed.ConsumePushedRequest(r.Context(), requestURIHash(random), r.Form.Get("client_id"))
		if errors.Is(err, storage.ErrUnavailable) {
			p.authorizeUnavailable(w, r)
			return
		}
		if err != nil {
			p.page(w, r, func(w http.ResponseWriter, r *http.Request) {
				p.Pages.ErrorPage(w, r, http.StatusBadRequest, "Sign-in request expired",
					"This sign-in request has expired or was already used (invalid_request_uri). Go back to the application and start again.")
			})
			return
		}
		asPushed(r, pr.Params)
		next.ServeHTTP(w, r.WithContext(op.WithAuthorizeExtras(r.Context(), true, pr.Params.Get("dpop_jkt"))))
	})
}

// asPushed makes r a GET /authorize carrying exactly params, for op to
// parse.
func asPushed(r *http.Request, params url.Values) {
	r.Method = http.MethodGet
	r.Body, r.ContentLength = http.NoBody, 0
	r.Header.Del("Content-Type")
	r.URL.RawQuery = params.Encode()
	r.Form, r.PostForm = nil, nil
}

// validDPoPJKT reports whether a dpop_jkt parameter can be a thumbprint.
func validDPoPJKT(v string) bool { return jktPattern.MatchString(v) }
