package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/op/endpoints"
)

// discovery serves the OpenID Provider metadata and the JWKS from bytes
// prepared ahead: both are hot (every relying party and resource server
// polls them) and change only when keys rotate.
type discovery struct {
	app *App

	once   sync.Once
	config []byte
	err    error

	mu       sync.Mutex
	jwksKIDs string
	jwksBody []byte
}

func (d *discovery) configuration(w http.ResponseWriter, r *http.Request) {
	d.once.Do(func() { d.config, d.err = d.build(r) })
	if d.err != nil {
		d.app.Logger.ErrorContext(r.Context(), "discovery", "error", d.err)
		endpoints.WriteUnavailable(w)
		return
	}
	writeCacheableJSON(w, d.config)
}

// build starts from op's document and states what Admit actually supports:
// only the code flow, S256 PKCE, the ACR values it issues.
func (d *discovery) build(r *http.Request) ([]byte, error) {
	ctx := d.app.issuerContext(r.Context())
	doc := zop.CreateDiscoveryConfig(ctx, d.app.Provider, d.app.Provider.Storage())
	doc.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	doc.ResponseModesSupported = []string{string(oidc.ResponseModeQuery), string(oidc.ResponseModeFormPost)}
	doc.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials, oidc.GrantTypeDeviceCode, oidc.GrantTypeTokenExchange}
	doc.ACRValuesSupported = []string{login.ACRSingleFactor, login.ACRMultiFactor}
	doc.CheckSessionIframe = ""
	// OpenID Connect Back-Channel Logout 1.0 §2.1: logout tokens go to each
	// client's backchannel_logout_uri, with sid (op/events).
	doc.BackChannelLogoutSupported = true
	doc.BackChannelLogoutSessionSupported = true
	doc.RequestURIParameterSupported = false
	// op reads only Basic there; introspectionClientAuth adds the form.
	doc.IntrospectionEndpointAuthMethodsSupported = append(doc.IntrospectionEndpointAuthMethodsSupported, oidc.AuthMethodPost)
	// op's document has no field for RFC 9207 §3 (every authorization
	// response carries iss: withIss), RFC 9126 §5 (PAR) or RFC 9449 §5.1
	// (DPoP).
	algs := make([]string, 0, len(op.DPoPAlgorithms))
	for _, a := range op.DPoPAlgorithms {
		algs = append(algs, string(a))
	}
	return json.Marshal(struct {
		*oidc.DiscoveryConfiguration
		AuthorizationResponseISSParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
		PushedAuthorizationRequestEndpoint         string   `json:"pushed_authorization_request_endpoint"`
		RequirePushedAuthorizationRequests         bool     `json:"require_pushed_authorization_requests"`
		DPoPSigningAlgValuesSupported              []string `json:"dpop_signing_alg_values_supported"`
		// Front-Channel Logout 1.0 §3: the sign-out page loads each
		// client's frontchannel_logout_uri, with iss and sid if asked.
		FrontChannelLogoutSupported        bool `json:"frontchannel_logout_supported"`
		FrontChannelLogoutSessionSupported bool `json:"frontchannel_logout_session_supported"`
	}{doc, true, strings.TrimSuffix(d.app.Config.Issuer, "/") + endpoints.PARPath, false, algs, true, true})
}

// jwks re-encodes the key set only when its key IDs changed.
func (d *discovery) jwks(w http.ResponseWriter, r *http.Request) {
	pub, err := d.app.Keys.PublicKeys(r.Context())
	if err != nil {
		d.app.Logger.ErrorContext(r.Context(), "jwks", "error", err)
		endpoints.WriteUnavailable(w)
		return
	}
	body, err := d.jwksFor(pub)
	if err != nil {
		endpoints.WriteUnavailable(w)
		return
	}
	writeCacheableJSON(w, body)
}

func (d *discovery) jwksFor(pub []*keys.PublicKey) ([]byte, error) {
	kids := make([]string, 0, len(pub))
	for _, k := range pub {
		kids = append(kids, k.ID())
	}
	joined := strings.Join(kids, ",")
	d.mu.Lock()
	defer d.mu.Unlock()
	if joined == d.jwksKIDs && d.jwksBody != nil {
		return d.jwksBody, nil
	}
	set := jose.JSONWebKeySet{}
	for _, k := range pub {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Key(), KeyID: k.ID(), Algorithm: string(k.Algorithm()), Use: k.Use()})
	}
	body, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	d.jwksKIDs, d.jwksBody = joined, body
	return body, nil
}

// writeCacheableJSON: relying parties may cache metadata and keys briefly;
// five minutes keeps a rotation's new "next" key visible well before use.
func writeCacheableJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Del("Pragma")
	_, _ = w.Write(body)
}
