package devicegrant

import (
	"errors"
	"net/http"
	"slices"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
	"github.com/admit-idp/admit/templates"

	"github.com/admit-idp/admit/templates/i18n"
)

// approval is a pending authorization with its client and the signed-in
// user who may decide it.
type approval struct {
	device  storage.DeviceAuthorization
	client  storage.Client
	user    storage.User
	session storage.Session
}

// approvePage shows the consent page, after a sign-in to the client's
// tenant when the browser has no session (any method of the login page;
// the login returns here).
func (p *Pages) approvePage(w http.ResponseWriter, r *http.Request) {
	a, ok := p.load(w, r, r.URL.Query().Get("user_code"))
	if !ok {
		return
	}
	csrf, err := p.Cookies.CSRFToken(w, r)
	if err != nil {
		p.Engine.Unavailable(w, r, err)
		return
	}
	v := templates.DeviceConsentView{
		CSRFToken: csrf, ClientName: login.ClientName(a.client), UserCode: storage.FormatUserCode(a.device.UserCode),
		UserEmail: a.user.Email, Scopes: login.ScopeItems(r.Context(), a.device.Scopes),
	}
	login.Render(w, r, http.StatusOK, templates.DeviceConsentPage(v))
}

// decide records the user's answer; the device learns it at its next poll.
func (p *Pages) decide(w http.ResponseWriter, r *http.Request) {
	if !p.Cookies.CheckCSRF(r) {
		p.Engine.ErrorPage(w, r, http.StatusForbidden, "device.form_expired.title", "device.form_expired.again")
		return
	}
	a, ok := p.load(w, r, r.PostFormValue("user_code"))
	if !ok {
		return
	}
	approve := r.PostFormValue("decision") == "allow"
	dec := storage.DeviceDecision{
		Approved: approve, UserID: a.user.ID, AuthTime: a.session.AuthTime, AMR: a.session.AMR, ACR: a.session.ACR, SessionID: a.session.ID,
	}
	err := p.Store.DecideDeviceAuthorization(r.Context(), a.device.UserCode, dec)
	switch {
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrAlreadyUsed):
		p.renderEntry(w, r, http.StatusBadRequest, "", errUnknownCode)
		return
	case err != nil:
		p.Engine.Unavailable(w, r, err)
		return
	}
	event, title, msg := "device.approve", "device.approved.title", "device.approved.message"
	if !approve {
		event, title, msg = "device.deny", "device.denied.title", "device.denied.message"
	}
	p.audit(r, event, audit.Success, "", a.device, a.user.ID, tenantOf(a.client))
	login.Render(w, r, http.StatusOK, templates.MessagePage(templates.MessageView{Title: title, Message: msg}))
}

// load finds the pending authorization named by the typed code, its client
// and the signed-in user of the client's tenant; without a session it
// starts a sign-in that comes back to the approval page. On failure it has
// answered and reports false.
func (p *Pages) load(w http.ResponseWriter, r *http.Request, typed string) (approval, bool) {
	d, ok := p.lookup(w, r, typed, func(status int, msg string) { p.renderEntry(w, r, status, typed, msg) })
	if !ok {
		return approval{}, false
	}
	c, err := p.Dir.GetClient(r.Context(), d.ClientID)
	switch {
	case errors.Is(err, storage.ErrNotFound) || (err == nil && c.TenantSuspended()):
		p.renderEntry(w, r, http.StatusBadRequest, "", errUnknownCode)
		return approval{}, false
	case err != nil:
		p.Engine.Unavailable(w, r, err)
		return approval{}, false
	}
	s, found, err := p.Sessions.Current(r)
	if err != nil {
		p.Engine.Unavailable(w, r, err)
		return approval{}, false
	}
	if !found {
		p.Engine.StartLocalIn(w, r, approveURL(d.UserCode), tenantOf(c), i18n.T(r.Context(), "device.on_your_device", "Client", login.ClientName(c)))
		return approval{}, false
	}
	u, err := p.Dir.GetUser(r.Context(), s.UserID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		p.Engine.Unavailable(w, r, err)
		return approval{}, false
	}
	if err != nil || u.Disabled || u.TenantSuspended() {
		_ = p.Sessions.End(w, r)
		p.Engine.StartLocalIn(w, r, approveURL(d.UserCode), tenantOf(c), i18n.T(r.Context(), "device.on_your_device", "Client", login.ClientName(c)))
		return approval{}, false
	}
	if tenantOf(c) != tenantOfUser(u) {
		p.Engine.ErrorPage(w, r, http.StatusForbidden, "error.wrong_tenant.title",
			i18n.T(r.Context(), "device.wrong_tenant", "Client", login.ClientName(c)))
		return approval{}, false
	}
	if c.RequireMFA && !slices.Contains(s.AMR, "mfa") {
		p.Engine.ErrorPage(w, r, http.StatusForbidden, "error.mfa_required.title",
			i18n.T(r.Context(), "device.mfa_required", "Client", login.ClientName(c)))
		return approval{}, false
	}
	// The browser login's gate (accounts.require_verified_email) applies
	// to a device approval too: it issues the client tokens for this user.
	if p.Gate != nil {
		if msg := p.Gate(c, u); msg != "" {
			p.Engine.ErrorPage(w, r, http.StatusForbidden, i18n.T(r.Context(), "device.refused_title", "Client", login.ClientName(c)), msg)
			return approval{}, false
		}
	}
	return approval{device: d, client: c, user: u, session: s}, true
}

func tenantOf(c storage.Client) string {
	if c.TenantID == "" {
		return storage.DefaultTenantID
	}
	return c.TenantID
}

func tenantOfUser(u storage.User) string {
	if u.TenantID == "" {
		return storage.DefaultTenantID
	}
	return u.TenantID
}

// audit records an event; failures of code entry name no tenant (the
// code, and so its client, is unknown).
func (p *Pages) audit(r *http.Request, event, outcome, reason string, d storage.DeviceAuthorization, userID, tenantID string) {
	if p.Audit == nil {
		return
	}
	e := audit.Event{Event: event, TenantID: tenantID, Outcome: outcome, Reason: reason, ActorID: userID, UserID: userID, ClientID: d.ClientID}
	p.Audit.Record(r.Context(), e)
}
