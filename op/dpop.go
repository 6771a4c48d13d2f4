package op

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/storage"
)

// DPoP (RFC 9449): a client proves possession of a private key with a
// signed proof JWT in the DPoP header of each request; the tokens issued
// to it carry the key's thumbprint (cnf.jkt) and are usable only with
// proofs of that key. This file parses and validates proofs (§4.3), issues
// and checks server nonces (§8) and binds tokens (§5, §6, §10). The HTTP
// side (headers, error answers) is op/endpoints'.

// DPoPProofType is the JOSE "typ" of a proof (RFC 9449 §4.2).
const DPoPProofType = "dpop+jwt"

// DPoPAlgorithms are the asymmetric JWS algorithms Admit accepts for
// proofs (RFC 9449 §4.3 check 5: "not none or an identifier for a
// symmetric algorithm"); discovery lists them as
// dpop_signing_alg_values_supported (§5.1).
var DPoPAlgorithms = []jose.SignatureAlgorithm{
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
}

// Proof freshness (RFC 9449 §11.1): a proof is accepted within
// DPoPProofMaxAge after its iat, and up to DPoPClockSkew before it (the
// client's clock may run ahead). Its jti is remembered for that window.
const (
	DPoPProofMaxAge = 2 * time.Minute
	DPoPClockSkew   = 30 * time.Second
	// DPoPNonceLifetime is how long a server nonce (§8) is accepted.
	DPoPNonceLifetime = 5 * time.Minute
)

// maxDPoPProofSize bounds what is parsed: a proof with an RSA-4096 key is
// under 2 KiB.
const maxDPoPProofSize = 8 << 10

// Errors of proof validation. ErrInvalidDPoPProof is answered as
// invalid_dpop_proof (RFC 9449 §5, §7.1), ErrUseDPoPNonce as
// use_dpop_nonce with a fresh DPoP-Nonce (§8, §9); their messages say which
// check failed and never carry the proof.
var (
	ErrInvalidDPoPProof = errors.New("invalid DPoP proof")
	ErrUseDPoPNonce     = errors.New("a DPoP nonce from this server is required")
)

func invalidProof(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidDPoPProof, fmt.Sprintf(format, args...))
}

// DPoPProof is a parsed proof whose signature verified against its own
// jwk header.
type DPoPProof struct {
	// JKT is the base64url SHA-256 JWK thumbprint (RFC 7638) of the key.
	JKT      string
	JTI      string
	HTM      string
	HTU      string
	IssuedAt time.Time
	ATH      string
	Nonce    string
}

// dpopClaims are the claims of a proof (RFC 9449 §4.2).
type dpopClaims struct {
	JTI   string          `json:"jti"`
	HTM   string          `json:"htm"`
	HTU   string          `json:"htu"`
	IAT   json.RawMessage `json:"iat"`
	ATH   string          `json:"ath"`
	Nonce string          `json:"nonce"`
}

// ParseDPoPProof runs the checks of RFC 9449 §4.3 that need no request:
// one well-formed JWS (2), the required claims (3), typ dpop+jwt (4), an
// asymmetric algorithm of DPoPAlgorithms (5), a public jwk header (7) and
// the signature by that key (6). go-jose parses the JWS and the JWK and
// computes the thumbprint.
func ParseDPoPProof(proof string) (DPoPProof, error) {
	if len(proof) > maxDPoPProofSize {
		return DPoPProof{}, invalidProof("the proof is too large")
	}
	jws, err := jose.ParseSignedCompact(proof, DPoPAlgorithms)
	if err != nil {
		return DPoPProof{}, invalidProof("not a JWS signed with a supported asymmetric algorithm")
	}
	hdr := jws.Signatures[0].Protected
	if typ, _ := hdr.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, DPoPProofType) {
		return DPoPProof{}, invalidProof("typ must be %s", DPoPProofType)
	}
	jwk := hdr.JSONWebKey
	if jwk == nil || !jwk.Valid() {
		return DPoPProof{}, invalidProof("the jwk header is missing or invalid")
	}
	if !jwk.IsPublic() {
		return DPoPProof{}, invalidProof("the jwk header must be a public key")
	}
	payload, err := jws.Verify(jwk.Key)
	if err != nil {
		return DPoPProof{}, invalidProof("the signature does not verify with the jwk header")
	}
	return proofFromPayload(payload, jwk)
}

func proofFromPayload(payload []byte, jwk *jose.JSONWebKey) (DPoPProof, error) {
	var c dpopClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return DPoPProof{}, invalidProof("the claims are not a JSON object")
	}
	iat, ok := numericDate(c.IAT)
	if c.JTI == "" || c.HTM == "" || c.HTU == "" || !ok {
		return DPoPProof{}, invalidProof("jti, htm, htu and iat are required")
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return DPoPProof{}, invalidProof("no thumbprint for the jwk header")
	}
	return DPoPProof{
		JKT: base64.RawURLEncoding.EncodeToString(tp), JTI: c.JTI, HTM: c.HTM, HTU: c.HTU,
		IssuedAt: iat, ATH: c.ATH, Nonce: c.Nonce,
	}, nil
}

// numericDate reads a JWT NumericDate (RFC 7519 §2): seconds, possibly
// fractional; fractions are dropped.
func numericDate(raw json.RawMessage) (time.Time, bool) {
	var f float64
	if len(raw) == 0 || json.Unmarshal(raw, &f) != nil || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0).UTC(), true
}

// NormalizeHTU is the form in which htu and the request URL are compared
// (RFC 9449 §4.3 check 9: "ignoring any query and fragment parts"; the
// syntax-based normalisation of RFC 3986 §6.2.2 and scheme-based §6.2.3:
// lower-case scheme and host, no default port, an empty path as "/").
func NormalizeHTU(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" || u.User != nil {
		return "", false
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, true
}

// AccessTokenHash is the ath of a proof presented with token (RFC 9449
// §4.2): base64url of the SHA-256 of its ASCII.
func AccessTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// DPoPRequest is what a proof must match: the request's method and URL
// (the endpoint's URL under the issuer, not what the Host header says),
// and at a resource endpoint the access token presented with it.
type DPoPRequest struct {
	Method string
	URL    string
	// AccessToken, when set, requires ath (RFC 9449 §4.3 check 12).
	AccessToken string
	// RequireNonce requires a nonce this server issued (§8, check 10).
	RequireNonce bool
}

// DPoPVerifier checks proofs against a request (the rest of RFC 9449
// §4.3) and remembers their jti in Proofs, which all nodes share, so a
// proof is accepted once. Nonces are signed values (keys/signed), so any
// node accepts a nonce another issued and nothing is stored for them.
type DPoPVerifier struct {
	Proofs storage.DPoPProofs
	Nonces *signed.Signer
	Now    func() time.Time
}

// dpopNoncePayload is what a nonce signs: nonces carry no data, the
// signature and expiry are the point.
var dpopNoncePayload = []byte("dpop")

// Nonce returns a fresh server nonce (RFC 9449 §8) for the DPoP-Nonce
// header.
func (v *DPoPVerifier) Nonce() string {
	return v.Nonces.Sign(dpopNoncePayload, DPoPNonceLifetime)
}

func (v *DPoPVerifier) now() time.Time {
	if v.Now == nil {
		return time.Now().UTC()
	}
	return v.Now().UTC()
}

// Verify validates the single DPoP header value of a request (callers
// refuse requests with several: check 1) and returns the proof. It runs
// the checks in the order of §4.3, the replay check last so that a proof
// refused for another reason is not spent.
func (v *DPoPVerifier) Verify(ctx context.Context, header string, req DPoPRequest) (DPoPProof, error) {
	p, err := ParseDPoPProof(header)
	if err != nil {
		return DPoPProof{}, err
	}
	if err := checkProofRequest(p, req); err != nil {
		return DPoPProof{}, err
	}
	if req.RequireNonce {
		if p.Nonce == "" {
			return DPoPProof{}, ErrUseDPoPNonce
		}
		payload, err := v.Nonces.Verify(p.Nonce)
		if err != nil || subtle.ConstantTimeCompare(payload, dpopNoncePayload) != 1 {
			return DPoPProof{}, fmt.Errorf("%w: the nonce is unknown or expired", ErrUseDPoPNonce)
		}
	}
	if err := checkIssuedAt(p.IssuedAt, v.now()); err != nil {
		return DPoPProof{}, err
	}
	if err := v.Proofs.UseDPoPProof(ctx, replayKey(p), p.IssuedAt.Add(DPoPProofMaxAge+DPoPClockSkew)); err != nil {
		if errors.Is(err, storage.ErrAlreadyUsed) {
			return DPoPProof{}, invalidProof("the proof was used before (jti)")
		}
		return DPoPProof{}, err
	}
	return p, nil
}

// checkProofRequest: htm (check 8), htu (9) and ath (12).
func checkProofRequest(p DPoPProof, req DPoPRequest) error {
	if p.HTM != req.Method {
		return invalidProof("htm does not match the request method")
	}
	want, _ := NormalizeHTU(req.URL)
	if got, ok := NormalizeHTU(p.HTU); !ok || got != want {
		return invalidProof("htu does not match the request URL")
	}
	if req.AccessToken != "" {
		if p.ATH == "" || subtle.ConstantTimeCompare([]byte(p.ATH), []byte(AccessTokenHash(req.AccessToken))) != 1 {
			return invalidProof("ath does not match the access token")
		}
	} else if p.ATH != "" {
		return invalidProof("ath is only allowed with an access token")
	}
	return nil
}

// checkIssuedAt: the proof was created within an acceptable window (check
// 11), by the injected clock.
func checkIssuedAt(iat, now time.Time) error {
	if iat.After(now.Add(DPoPClockSkew)) {
		return invalidProof("iat is in the future")
	}
	if now.Sub(iat) > DPoPProofMaxAge {
		return invalidProof("iat is too old")
	}
	return nil
}

// replayKey names a proof in the replay cache: its jti per key (the jti is
// the client's, unique per key; RFC 9449 §11.1), hashed so that the stored
// key is short and holds nothing the client chose.
func replayKey(p DPoPProof) string {
	sum := sha256.Sum256([]byte(p.JKT + "\x00" + p.JTI))
	return hex.EncodeToString(sum[:])
}

// dpopBinding is the key of a validated proof of the current token
// request ("" without a proof), whether a token was bound to it, the
// DPoP refusal op reported (zitadel rewraps storage errors of some grants
// as a bare invalid_grant; the HTTP layer answers this one instead), and
// the scopes of the access token issued (for the response's scope).
type dpopBinding struct {
	jkt     string
	bound   atomic.Bool
	mu      sync.Mutex
	refusal *oidc.Error
	// scopes of the access token minted in this request; issued says one
	// was (its scopes may be none).
	scopes []string
	issued bool
}

type dpopKey struct{}

// WithDPoPProof records in ctx the thumbprint of the request's validated
// proof ("" for a token request without one): tokens issued in this
// request are bound to it.
func WithDPoPProof(ctx context.Context, jkt string) context.Context {
	return context.WithValue(ctx, dpopKey{}, &dpopBinding{jkt: jkt})
}

// DPoPBound reports whether an access token bound to the request's proof
// was issued (the HTTP layer then answers token_type DPoP, RFC 9449 §5).
func DPoPBound(ctx context.Context) bool {
	b, _ := ctx.Value(dpopKey{}).(*dpopBinding)
	return b != nil && b.bound.Load()
}

func proofKey(ctx context.Context) string {
	if b, _ := ctx.Value(dpopKey{}).(*dpopBinding); b != nil {
		return b.jkt
	}
	return ""
}

// DPoPRefusal is the DPoP error op refused the token request with, or
// nil.
func DPoPRefusal(ctx context.Context) *oidc.Error {
	b, _ := ctx.Value(dpopKey{}).(*dpopBinding)
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refusal
}

// refuseDPoP records e as the request's DPoP refusal and returns it.
func refuseDPoP(ctx context.Context, e *oidc.Error) *oidc.Error {
	if b, _ := ctx.Value(dpopKey{}).(*dpopBinding); b != nil {
		b.mu.Lock()
		b.refusal = e
		b.mu.Unlock()
	}
	return e
}

// AccessTokenScopes are the scopes of the access token the request
// issued, and whether it issued one. They can be fewer than the request's
// (a resource indicator narrows them, RFC 8707 §2), so the HTTP layer
// states them as the response's scope (RFC 6749 §5.1: "REQUIRED, if
// identical to the scope requested by the client; otherwise, REQUIRED").
func AccessTokenScopes(ctx context.Context) ([]string, bool) {
	b, _ := ctx.Value(dpopKey{}).(*dpopBinding)
	if b == nil {
		return nil, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.scopes), b.issued
}

// noteIssued records the scopes of the access token the request issued.
func noteIssued(ctx context.Context, scopes []string) {
	if b, _ := ctx.Value(dpopKey{}).(*dpopBinding); b != nil {
		b.mu.Lock()
		b.scopes, b.issued = slices.Clone(scopes), true
		b.mu.Unlock()
	}
}

func markBound(ctx context.Context) {
	if b, _ := ctx.Value(dpopKey{}).(*dpopBinding); b != nil {
		b.bound.Store(true)
	}
}

// errDPoP is the token endpoint's invalid_dpop_proof (RFC 9449 §5).
func errDPoP(description string) *oidc.Error {
	return &oidc.Error{ErrorType: "invalid_dpop_proof", Description: description}
}

// checkDPoPGrant holds a token request to its client's and its grant's
// DPoP rules before anything is spent:
//   - a client registered with dpop_bound_access_tokens must present a
//     proof (RFC 9449 §5.2);
//   - a code bound with dpop_jkt (§10) or a refresh token bound to a key
//     (§5) is exchanged only with a proof of that key.
func (s *Storage) checkDPoPGrant(ctx context.Context, clientID, boundJKT string) error {
	jkt := proofKey(ctx)
	if boundJKT != "" {
		if jkt == "" {
			return refuseDPoP(ctx, errDPoP("this grant is bound to a DPoP key: present a DPoP proof of it"))
		}
		if subtle.ConstantTimeCompare([]byte(jkt), []byte(boundJKT)) != 1 {
			return refuseDPoP(ctx, oidc.ErrInvalidGrant().WithDescription("the DPoP proof's key is not the key this grant is bound to"))
		}
	}
	if jkt != "" {
		return nil
	}
	c, err := s.getClient(ctx, clientID)
	if err != nil {
		return clientLookupError(ctx, err)
	}
	if c.DPoPBoundAccessTokens {
		return refuseDPoP(ctx, errDPoP("this client must present a DPoP proof (dpop_bound_access_tokens)"))
	}
	return nil
}

// bindDPoP adds the proof's key to the token subject after the grant's own
// checks (tokenSubject): access tokens then carry cnf.jkt (RFC 9449 §6.1).
func (s *Storage) bindDPoP(ctx context.Context, sub tokenSubject) (tokenSubject, error) {
	if err := s.checkDPoPGrant(ctx, sub.clientID, ""); err != nil {
		return tokenSubject{}, err
	}
	sub.jkt = proofKey(ctx)
	return sub, nil
}

// refreshBinding is the key a new refresh token is bound to (RFC 9449 §5):
// a rotation keeps its family's; a public client's new grant takes the
// proof's; a confidential client's refresh tokens stay unbound, since the
// client authenticates to use them.
func refreshBinding(c storage.Client, sub tokenSubject) string {
	if c.Public {
		return sub.jkt
	}
	return ""
}

// confirmation is the cnf claim of a bound access token (RFC 7800 §3.1,
// RFC 9449 §6.1).
type confirmation struct {
	JKT string `json:"jkt"`
}

// AccessTokenBinding verifies an access token and returns the thumbprint
// of the DPoP key it is bound to, "" for a bearer token. Revocation is
// checked later, by userinfo itself.
func (s *Storage) AccessTokenBinding(ctx context.Context, token string) (string, error) {
	c, _, err := s.verifyAccessToken(ctx, token)
	if err != nil {
		return "", err
	}
	if c.Cnf == nil {
		return "", nil
	}
	return c.Cnf.JKT, nil
}
