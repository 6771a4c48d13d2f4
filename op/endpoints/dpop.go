package endpoints

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
)

// DPoP (RFC 9449) at the HTTP layer: op.DPoPVerifier validates proofs and
// op's storage binds tokens; this file reads the DPoP header, answers the
// spec's errors and marks the token response as DPoP.

// TokenBinding reads the DPoP key an access token is bound to (op.Storage).
type TokenBinding interface {
	AccessTokenBinding(ctx context.Context, token string) (string, error)
}

// UserinfoPath is where op serves userinfo (the htu of its proofs).
const UserinfoPath = "/userinfo"

// dpopAlgs is the algs parameter of DPoP challenges (RFC 9449 §7.1).
var dpopAlgs = func() string {
	names := make([]string, 0, len(op.DPoPAlgorithms))
	for _, a := range op.DPoPAlgorithms {
		names = append(names, string(a))
	}
	return strings.Join(names, " ")
}()

// endpointURL is the URL a proof's htu must name: the issuer's, whatever
// Host header the request came with (a proxy may rewrite it).
func (p *Protocol) endpointURL(path string) string {
	return strings.TrimSuffix(p.Issuer, "/") + path
}

// verifyProof checks the request's DPoP header: exactly one (RFC 9449
// §4.3 check 1), then the verifier's checks.
func (p *Protocol) verifyProof(r *http.Request, req op.DPoPRequest) (op.DPoPProof, error) {
	vals := r.Header.Values("DPoP")
	if len(vals) != 1 {
		return op.DPoPProof{}, errors.Join(op.ErrInvalidDPoPProof, errors.New("send exactly one DPoP header"))
	}
	return p.DPoP.Verify(r.Context(), vals[0], req)
}

// setNonce gives a DPoP client a fresh nonce (RFC 9449 §8) on every
// answer of an endpoint that requires one, so it never has to fail first
// twice; bearer clients' answers go without (no signing for them).
func (p *Protocol) setNonce(w http.ResponseWriter, r *http.Request) {
	if p.DPoPNonce && len(r.Header.Values("DPoP")) > 0 {
		w.Header().Set("DPoP-Nonce", p.DPoP.Nonce())
	}
}

// writeProofError answers a refused proof at the token or PAR endpoint
// (RFC 9449 §5: 400 invalid_dpop_proof; §8: use_dpop_nonce with a
// DPoP-Nonce header) or 503 when the replay cache is unreachable
// (UnavailableAs503 logs it).
func (p *Protocol) writeProofError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, storage.ErrUnavailable):
		WriteUnavailable(w)
	case errors.Is(err, op.ErrUseDPoPNonce):
		w.Header().Set("DPoP-Nonce", p.DPoP.Nonce())
		WriteOAuthError(w, http.StatusBadRequest, "use_dpop_nonce", "a DPoP nonce from the DPoP-Nonce header is required in the proof")
	default:
		WriteOAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", err.Error())
	}
}

// DPoPToken validates a DPoP proof at the token endpoint and has op bind
// the tokens to its key (op.WithDPoPProof); a response whose access token
// was bound says token_type DPoP (RFC 9449 §5). It is also the one place
// where every grant's token response (op's and token exchange's) states
// the access token's own scopes (tokenResponse). op refuses a request
// without a proof for clients and grants that require one; zitadel
// answers some of those refusals as a bare invalid_grant, so the refusal
// op recorded is answered instead.
func (p *Protocol) DPoPToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.setNonce(w, r)
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		var jkt string
		if len(r.Header.Values("DPoP")) > 0 {
			proof, err := p.verifyProof(r, op.DPoPRequest{Method: r.Method, URL: p.endpointURL(TokenPath), RequireNonce: p.DPoPNonce})
			if err != nil {
				p.writeProofError(w, err)
				return
			}
			jkt = proof.JKT
		}
		ctx := op.WithDPoPProof(r.Context(), jkt)
		buf := &bufferedResponse{header: http.Header{}}
		next.ServeHTTP(buf, r.WithContext(ctx))
		switch refusal := op.DPoPRefusal(ctx); {
		case buf.status == http.StatusOK:
			scopes, issued := op.AccessTokenScopes(ctx)
			buf.body = tokenResponse(buf.body, op.DPoPBound(ctx), scopes, issued)
		case buf.status == http.StatusBadRequest && refusal != nil:
			buf.body, _ = json.Marshal(map[string]string{"error": string(refusal.ErrorType), "error_description": refusal.Description})
			if p.DPoPNonce && jkt == "" { // the client is told to use DPoP: give it a nonce
				buf.header.Set("DPoP-Nonce", p.DPoP.Nonce())
			}
		}
		buf.flush(w)
	})
}

// tokenResponse states in a token response what op cannot: token_type
// DPoP when the access token was bound (RFC 9449 §5; op writes Bearer),
// and, when an access token was issued, scope as exactly that token's
// scopes (RFC 6749 §5.1): op repeats the request's, which a resource
// indicator may have narrowed (RFC 8707 §2), and a token without scopes
// has no scope member. Anything unreadable is passed on unchanged, and so
// is a response that already states both (the common case: no re-encoding).
func tokenResponse(body []byte, bound bool, scopes []string, issued bool) []byte {
	var m map[string]json.RawMessage
	if (!bound && !issued) || json.Unmarshal(body, &m) != nil {
		return body
	}
	changed := false
	var tt string
	if bound && json.Unmarshal(m["token_type"], &tt) == nil && strings.EqualFold(tt, "Bearer") {
		m["token_type"], changed = json.RawMessage(`"DPoP"`), true
	}
	if issued {
		var have string
		raw, present := m["scope"]
		want := strings.Join(scopes, " ")
		switch {
		case len(scopes) == 0 && present:
			delete(m, "scope")
			changed = true
		case len(scopes) > 0 && (!present || json.Unmarshal(raw, &have) != nil || have != want):
			m["scope"], _ = json.Marshal(want)
			changed = true
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// bufferedResponse holds a (small) token response until it is complete.
type bufferedResponse struct {
	header http.Header
	status int
	body   []byte
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	b.body = append(b.body, p...)
	return len(p), nil
}

func (b *bufferedResponse) flush(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	// No Content-Length here: a wrapper outside (UnavailableAs503) may
	// replace this answer with its own body, and net/http sets the length
	// of whatever is finally written.
	w.Header().Del("Content-Length")
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body)
}

type dpopPresentedKey struct{}

// presentedWithDPoP reports whether the access token came with the DPoP
// scheme (its errors then carry a DPoP challenge).
func presentedWithDPoP(ctx context.Context) bool {
	v, _ := ctx.Value(dpopPresentedKey{}).(bool)
	return v
}

// DPoPUserinfo accepts DPoP-bound access tokens at userinfo (RFC 9449
// §7): "Authorization: DPoP <token>" with a proof of the token's key for
// this request, carrying ath, and, when DPoPNonce is set, a server nonce
// (§9; the token endpoint's nonces are good here too, both being signed
// by the same key). A bound token presented as Bearer is
// refused (§7.2: it would lose its sender constraint). op then reads the
// token as Bearer.
func (p *Protocol) DPoPUserinfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		switch {
		case strings.EqualFold(scheme, "DPoP") && token != "":
			p.serveDPoPUserinfo(next, w, r, token)
		case strings.EqualFold(scheme, "Bearer") && token != "":
			jkt, err := p.Tokens.AccessTokenBinding(r.Context(), token)
			if err == nil && jkt != "" {
				dpopChallenge(w, "invalid_token", "this access token is DPoP-bound: present it with the DPoP scheme and a DPoP proof")
				return
			}
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (p *Protocol) serveDPoPUserinfo(next http.Handler, w http.ResponseWriter, r *http.Request, token string) {
	jkt, err := p.Tokens.AccessTokenBinding(r.Context(), token)
	if err != nil {
		dpopChallenge(w, "invalid_token", "the access token is invalid, expired or revoked")
		return
	}
	if jkt == "" {
		dpopChallenge(w, "invalid_token", "the access token is not DPoP-bound; present it with the Bearer scheme")
		return
	}
	proof, err := p.verifyProof(r, op.DPoPRequest{Method: r.Method, URL: p.endpointURL(UserinfoPath), AccessToken: token, RequireNonce: p.DPoPNonce})
	switch {
	case errors.Is(err, storage.ErrUnavailable):
		WriteUnavailable(w)
		return
	case errors.Is(err, op.ErrUseDPoPNonce):
		// RFC 9449 §9: a resource server's nonce challenge is a 401 with
		// the DPoP scheme's use_dpop_nonce and a DPoP-Nonce header.
		w.Header().Set("DPoP-Nonce", p.DPoP.Nonce())
		dpopChallenge(w, "use_dpop_nonce", "a DPoP nonce from the DPoP-Nonce header is required in the proof")
		return
	case err != nil:
		dpopChallenge(w, "invalid_dpop_proof", err.Error())
		return
	case proof.JKT != jkt:
		dpopChallenge(w, "invalid_dpop_proof", "the DPoP proof's key is not the key the access token is bound to")
		return
	}
	p.setNonce(w, r) // the next proof's nonce (RFC 9449 §9)
	r.Header.Set("Authorization", "Bearer "+token)
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), dpopPresentedKey{}, true)))
}

// dpopChallenge answers 401 with a DPoP challenge (RFC 9449 §7.1).
func dpopChallenge(w http.ResponseWriter, code, description string) {
	w.Header().Set("WWW-Authenticate", `DPoP error="`+code+`", error_description="`+quoteSafe(description)+`", algs="`+dpopAlgs+`"`)
	WriteOAuthError(w, http.StatusUnauthorized, code, description)
}

// quoteSafe keeps a description inside its quoted-string (RFC 9110
// §5.6.4): our messages never contain quotes or backslashes, but a
// wrapped error might.
func quoteSafe(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		if r == '"' || r == '\\' || r < 0x20 || r > 0x7e {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
