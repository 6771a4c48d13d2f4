package login

import (
	"context"
	"net/http"
	"strings"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// dataLocalFor names what a local sign-in is for on the login page.
const dataLocalFor = "engine.local_for"

// StartLocalIn is StartLocal for a tenant the caller has already resolved
// (the device grant's /device page signs in to its client's tenant): the
// login page, naming forName ("" for Admit's own pages), then a redirect
// to returnTo, a local path.
func (e *Engine) StartLocalIn(w http.ResponseWriter, r *http.Request, returnTo, tenantID, forName string) {
	if !strings.HasPrefix(returnTo, "/") || strings.HasPrefix(returnTo, "//") {
		returnTo = "/account"
	}
	f, err := e.newFlow(r.Context(), storage.AuthRequest{ExpiresAt: e.Now().Add(localFlowLifetime)}, tenantID)
	if err != nil {
		e.Unavailable(w, r, err)
		return
	}
	f.Data[dataReturnTo] = returnTo
	if forName != "" {
		f.Data[dataLocalFor] = forName
	}
	if err := e.Flows.PutLoginFlow(r.Context(), f.LoginFlow); err != nil {
		e.Unavailable(w, r, err)
		return
	}
	e.RenderLogin(w, r, f, http.StatusOK, "", "")
}

// ScopeItems describes scopes for a consent page, as the login consent
// page does.
func ScopeItems(ctx context.Context, scopes []string) []templates.ScopeItem {
	return scopeItems(ctx, scopes)
}

// ClientName is how pages name a client.
func ClientName(c storage.Client) string { return clientName(c) }
