package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	views "github.com/admit-idp/admit/templates/console"
)

func (h *Handler) userRoutes(r chi.Router) {
	r.Get("/users", h.users)
	r.Get("/users/{id}", h.user)
	r.Get("/users/{id}/confirm/{action}", h.confirmUserAction)
	r.Post("/users/{id}/{action}", h.userAction)
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	if !v.P.May(admin.ActReadAudit) {
		// A venue administrator's console is the venue roles page.
		http.Redirect(w, r, Path+"/venues", http.StatusSeeOther)
		return
	}
	t, scope := tenant(r), "tenant "+tenant(r)
	if v.P.Platform() && r.URL.Query().Get("tenant") == "" {
		t, scope = "", "every tenant"
	}
	d, err := h.Admin.Dashboard(r.Context(), v.P, t)
	if err != nil {
		h.fail(w, r, v.P, "GET /console/", err)
		return
	}
	stats := []views.Row{
		{Label: "successful sign-ins", Value: strconv.Itoa(d.SignIns), TestID: "stat-signins"},
		{Label: "failed sign-ins", Value: strconv.Itoa(d.SignInFailures), TestID: "stat-failures"},
		{Label: "lockouts", Value: strconv.Itoa(d.Lockouts), TestID: "stat-lockouts"},
		{Label: "active sessions (now)", Value: strconv.Itoa(d.ActiveSessions), TestID: "stat-sessions"},
	}
	if v.P.Platform() {
		stats = append(stats, views.Row{Label: "age of the active signing key", Value: age(d.ActiveKeyAge), TestID: "stat-key-age"})
	}
	login.Render(w, r, http.StatusOK, views.DashboardPage(views.DashboardView{Shell: h.shell(r, "Dashboard", "dashboard"), Scope: scope, Stats: stats}))
}

// age is a duration for people: "3 days", "5 hours", "12 minutes".
func age(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	case d >= 2*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	}
	return strconv.Itoa(int(d/time.Minute)) + " minutes"
}

func options(selected string, pairs ...string) []views.Option {
	var out []views.Option
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, views.Option{Value: pairs[i], Label: pairs[i+1], Selected: pairs[i] == selected})
	}
	return out
}

func (h *Handler) users(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	q := r.URL.Query()
	query := admin.UserQuery{TenantID: tenant(r), Q: q.Get("q"), By: q.Get("by"), Status: q.Get("status")}
	view := views.UsersView{Shell: h.shell(r, "Users", "users"), Q: query.Q, Tenant: q.Get("tenant"), TenantField: v.P.Platform(),
		By: options(query.By, "", "Anything (guess)", admin.SearchEmail, "E-mail", admin.SearchName, "Name", admin.SearchID, "User ID",
			admin.SearchWallet, "Wallet address", admin.SearchLinked, "Linked account"),
		Status: options(query.Status, "", "Any", "active", "Active", "disabled", "Disabled"),
		Locked: options(q.Get("locked"), "", "Any", "yes", "Locked", "no", "Not locked"),
		MFA:    options(q.Get("mfa"), "", "Any", "yes", "Has a second factor", "no", "No second factor")}
	query.Locked, query.MFA = yesNoParam(q.Get("locked")), yesNoParam(q.Get("mfa"))
	if q.Has("q") {
		view.Searched = true
		list, err := h.Admin.SearchUsers(r.Context(), v.P, query, admin.Page{Cursor: q.Get("cursor"), Limit: 25})
		var ve *admin.ValidationError
		switch {
		case errors.As(err, &ve):
			view.FieldErrorQuery, view.Searched = ve.Error(), false
			login.Render(w, r, http.StatusBadRequest, views.UsersPage(view))
			return
		case err != nil:
			h.fail(w, r, v.P, "GET /console/users", err)
			return
		}
		for _, u := range list.Items {
			view.Users = append(view.Users, views.UserRow{ID: u.ID, Email: u.Email, Name: strings.TrimSpace(u.GivenName + " " + u.FamilyName),
				Tenant: tenantOr(u.TenantID), Status: status(u), Href: withTenant(r, Path+"/users/"+url.PathEscape(u.ID), nil)})
		}
		if list.Next != "" {
			next := url.Values{"q": {query.Q}, "by": {query.By}, "status": {query.Status}, "locked": {q.Get("locked")}, "mfa": {q.Get("mfa")}, "cursor": {list.Next}}
			view.Next = withTenant(r, Path+"/users", next)
		}
	}
	login.Render(w, r, http.StatusOK, views.UsersPage(view))
}

// yesNoParam reads a yes/no filter ("" or anything else: no filter).
func yesNoParam(s string) *bool {
	switch s {
	case "yes":
		b := true
		return &b
	case "no":
		b := false
		return &b
	}
	return nil
}

func tenantOr(id string) string {
	if id == "" {
		return storage.DefaultTenantID
	}
	return id
}

func status(u storage.User) string {
	switch {
	case u.Disabled:
		return "disabled"
	case !u.EmailVerified:
		return "active, e-mail not verified"
	}
	return "active"
}

const when = "2 Jan 2006 15:04 MST"

func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(when)
}

// notices are the confirmations an action's redirect asks for (by code:
// the page never shows text taken from the URL).
var notices = map[string]string{
	"unlock":              "The sign-in lock was lifted.",
	"disable":             "The user was disabled and signed out everywhere.",
	"enable":              "The user was enabled.",
	"reset-mfa":           "The user's second factors were removed; they enrol again at their next sign-in that needs one.",
	"revoke-sessions":     "The user was signed out everywhere; their refresh tokens and access tokens were revoked.",
	"resend-verification": "A new verification link was sent.",
	"password-reset":      "A password-reset link was sent to the user's address.",
	"profile":             "The profile was saved.",
}

// userActions are the user page's actions: the service action each needs,
// its label, and whether it asks for confirmation first.
var userActions = []struct {
	name, label string
	act         admin.Action
	confirm     bool
}{
	{"unlock", "Unlock sign-in", admin.ActUnlock, false},
	{"resend-verification", "Resend verification e-mail", admin.ActResendVerification, false},
	{"password-reset", "Send password-reset link", admin.ActPasswordReset, false},
	{"revoke-sessions", "Sign out everywhere", admin.ActRevokeSessions, true},
	{"reset-mfa", "Reset second factors", admin.ActResetMFA, true},
	{"disable", "Disable", admin.ActDisableUser, true},
	{"enable", "Enable", admin.ActDisableUser, false},
	{"delete", "Delete user", admin.ActDeleteUser, true},
}

func (h *Handler) user(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	id := chi.URLParam(r, "id")
	d, err := h.Admin.UserDetail(r.Context(), v.P, tenant(r), id)
	if err != nil {
		h.fail(w, r, v.P, "GET /console/users/{id}", err)
		return
	}
	u := d.User
	view := views.UserView{Shell: h.shell(r, u.Email, "users"), ID: u.ID, Email: u.Email, Locked: d.Lock.Locked}
	view.Notice = notices[r.URL.Query().Get("done")]
	view.Profile = []views.Row{
		{Label: "E-mail", Value: u.Email, TestID: "profile-email"},
		{Label: "Name", Value: strings.TrimSpace(u.GivenName + " " + u.FamilyName), TestID: "profile-name"},
		{Label: "Tenant", Value: tenantOr(u.TenantID), TestID: "profile-tenant"},
		{Label: "Created", Value: stamp(u.CreatedAt), TestID: "profile-created"},
	}
	verified := "no"
	if u.EmailVerified {
		verified = "yes"
	}
	lock := "not locked"
	if d.Lock.Locked {
		lock = "locked until " + stamp(d.Lock.Until)
	}
	view.Status = []views.Row{
		{Label: "Status", Value: status(u), TestID: "status-state"},
		{Label: "E-mail verified", Value: verified, TestID: "status-verified"},
		{Label: "Sign-in", Value: lock, TestID: "status-lock"},
		{Label: "Password", Value: yesNo(u.PasswordHash != "", "set", "none"), TestID: "status-password"},
	}
	if d.Lock.Locked {
		view.LockRows = lockRows(d.Lock)
	}
	view.Factors = factors(d)
	for _, s := range d.Sessions {
		view.Sessions = append(view.Sessions, views.Item{Text: "Signed in " + stamp(s.AuthTime) + " with " + strings.Join(s.AMR, ", "),
			Detail: "last seen " + stamp(s.LastSeenAt) + " · " + s.IP + " · " + s.UserAgent})
	}
	for _, dev := range d.Devices {
		view.Devices = append(view.Devices, views.Item{Text: dev.UserAgent, Detail: "first seen " + stamp(dev.FirstSeen) + ", last seen " + stamp(dev.LastSeen) +
			fmt.Sprintf(" · %d sign-ins, %d failures", dev.Successes, dev.Failures)})
	}
	for _, c := range d.Apps {
		view.Apps = append(view.Apps, views.Item{Text: c.ClientID, Detail: "scopes " + strings.Join(c.Scopes, " ") + " · since " + stamp(c.GrantedAt)})
	}
	for _, g := range d.Grants {
		it := views.Item{Text: g.Role, Detail: "granted " + stamp(g.GrantedAt) + " by " + g.GrantedBy}
		if g.ResourceID != "" {
			it.Text += " at " + g.ResourceType + " " + g.ResourceID
		}
		if !g.ExpiresAt.IsZero() {
			it.Detail += " · expires " + stamp(g.ExpiresAt)
		}
		view.Grants = append(view.Grants, it)
	}
	for _, e := range d.Events {
		view.Events = append(view.Events, views.Item{Text: e.Event + " (" + e.Outcome + ")", Detail: stamp(e.Time) + " · actor " + e.ActorID + " · " + e.IP + " " + e.Reason})
	}
	for _, a := range userActions {
		if !v.P.May(a.act) || (a.name == "enable") != u.Disabled || (a.name == "unlock" && !d.Lock.Locked) ||
			(a.name == "resend-verification" && u.EmailVerified) {
			continue
		}
		act := views.Action{Label: a.label, TestID: "action-" + a.name}
		if a.confirm {
			act.Href, act.Danger = withTenant(r, Path+"/users/"+url.PathEscape(u.ID)+"/confirm/"+a.name, nil), true
		} else {
			act.Href, act.Post = withTenant(r, Path+"/users/"+url.PathEscape(u.ID)+"/"+a.name, nil), true
		}
		view.Actions = append(view.Actions, act)
	}
	if v.P.May(admin.ActEditProfile) {
		view.EditProfile, view.GivenName, view.FamilyName = true, u.GivenName, u.FamilyName
		view.EditHref = withTenant(r, Path+"/users/"+url.PathEscape(u.ID)+"/profile", nil)
	}
	login.Render(w, r, http.StatusOK, views.UserPage(view))
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// lockRows say until when and why the user is locked (the latest
// "lockout" audit event: its reason, scope and sign-in method).
func lockRows(l admin.Lock) []views.Row {
	rows := []views.Row{{Label: "Until", Value: stamp(l.Until), TestID: "lock-until"}}
	if l.Why.Event == "" {
		return append(rows, views.Row{Label: "Why", Value: "no lockout event in the last 30 days", TestID: "lock-why"})
	}
	why := l.Why.Reason
	if why == "too_many_failures" {
		why = "too many failed sign-ins"
	}
	if scope := l.Why.Details["scope"]; scope != "" {
		why += " (" + scope + ")"
	}
	if m := l.Why.Details["method"]; m != "" {
		why += " with " + m
	}
	return append(rows,
		views.Row{Label: "Why", Value: why, TestID: "lock-why"},
		views.Row{Label: "Locked at", Value: stamp(l.Why.Time), TestID: "lock-at"},
		views.Row{Label: "From", Value: l.Why.IP, TestID: "lock-ip"})
}

func factors(d admin.UserDetail) []views.Item {
	var out []views.Item
	if d.TOTP {
		out = append(out, views.Item{Text: "Authenticator app (TOTP)", Detail: strconv.Itoa(d.BackupLeft) + " backup codes left"})
	}
	for _, k := range d.Passkeys {
		out = append(out, views.Item{Text: "Passkey " + k.Name, Detail: "added " + stamp(k.CreatedAt) + ", last used " + stamp(k.LastUsedAt)})
	}
	for _, w := range d.Wallets {
		out = append(out, views.Item{Text: "Wallet " + w.AccountID(), Detail: "linked " + stamp(w.CreatedAt)})
	}
	for _, id := range d.Identities {
		out = append(out, views.Item{Text: "Linked account " + id.ProviderID + ":" + id.Subject, Detail: id.Email + " · last used " + stamp(id.LastUsedAt)})
	}
	return out
}

// confirmTexts are the confirmation pages' questions.
var confirmTexts = map[string][2]string{
	"revoke-sessions": {"Sign this user out everywhere?", "Every session ends and every refresh token is revoked, with the access tokens of those grants."},
	"reset-mfa":       {"Remove this user's second factors?", "Their authenticator app, backup codes and passkeys are removed. Do this only once you have verified who is asking."},
	"disable":         {"Disable this user?", "They can no longer sign in, and they are signed out everywhere."},
	"delete":          {"Delete this user?", "The account is deleted and they are signed out everywhere; their roles are revoked. This cannot be undone here."},
}

func userAction(name string) (admin.Action, bool, bool) {
	for _, a := range userActions {
		if a.name == name {
			return a.act, a.confirm, true
		}
	}
	if name == "profile" {
		return admin.ActEditProfile, false, true
	}
	return "", false, false
}

func (h *Handler) confirmUserAction(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	id, name := chi.URLParam(r, "id"), chi.URLParam(r, "action")
	act, confirm, ok := userAction(name)
	if !ok || !confirm {
		h.message(w, r, http.StatusNotFound, "Not found", "There is no such action.", "/console/", "Back to the dashboard", "not-found")
		return
	}
	if !v.P.May(act) {
		h.fail(w, r, v.P, "GET /console/users/{id}/confirm/"+name, fmt.Errorf("%s may not %s: %w", v.P.Actor(), act, admin.ErrForbidden))
		return
	}
	d, err := h.Admin.UserDetail(r.Context(), v.P, tenant(r), id)
	if err != nil {
		h.fail(w, r, v.P, "GET /console/users/{id}/confirm/"+name, err)
		return
	}
	texts := confirmTexts[name]
	back := withTenant(r, Path+"/users/"+url.PathEscape(id), nil)
	login.Render(w, r, http.StatusOK, views.ConfirmPage(views.ConfirmView{Shell: h.shell(r, texts[0], "users"),
		Question: d.User.Email, Detail: texts[1], Action: withTenant(r, Path+"/users/"+url.PathEscape(id)+"/"+name, nil),
		Button: userActionLabel(name), Cancel: back}))
}

func userActionLabel(name string) string {
	for _, a := range userActions {
		if a.name == name {
			return a.label
		}
	}
	return name
}

// userAction takes a user action (POST). A destructive one without
// confirm=yes goes to its confirmation page; the service decides and
// audits everything else, refusals included.
func (h *Handler) userAction(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	id, name := chi.URLParam(r, "id"), chi.URLParam(r, "action")
	act, confirm, ok := userAction(name)
	if !ok {
		h.message(w, r, http.StatusNotFound, "Not found", "There is no such action.", "/console/", "Back to the dashboard", "not-found")
		return
	}
	operation := "POST /console/users/{id}/" + name
	if confirm && r.PostFormValue("confirm") != "yes" {
		if !v.P.May(act) {
			h.fail(w, r, v.P, operation, fmt.Errorf("%s may not %s: %w", v.P.Actor(), act, admin.ErrForbidden))
			return
		}
		http.Redirect(w, r, withTenant(r, Path+"/users/"+url.PathEscape(id)+"/confirm/"+name, nil), http.StatusSeeOther)
		return
	}
	ctx, t := r.Context(), tenant(r)
	var err error
	switch name {
	case "unlock":
		err = h.Admin.UnlockUser(ctx, v.P, t, id)
	case "resend-verification":
		err = h.Admin.ResendVerification(ctx, v.P, t, id)
	case "password-reset":
		err = h.Admin.SendPasswordReset(ctx, v.P, t, id)
	case "revoke-sessions":
		_, err = h.Admin.RevokeSessions(ctx, v.P, t, id)
	case "reset-mfa":
		_, err = h.Admin.ResetMFA(ctx, v.P, t, id)
	case "disable", "enable":
		_, err = h.Admin.SetUserDisabled(ctx, v.P, t, id, name == "disable")
	case "delete":
		err = h.Admin.DeleteUser(ctx, v.P, t, id)
	case "profile":
		_, err = h.Admin.EditProfile(ctx, v.P, t, id, admin.ProfileEdit{GivenName: strings.TrimSpace(r.PostFormValue("given_name")),
			FamilyName: strings.TrimSpace(r.PostFormValue("family_name"))})
	}
	if err != nil {
		h.fail(w, r, v.P, operation, err)
		return
	}
	if name == "delete" {
		http.Redirect(w, r, withTenant(r, Path+"/users", url.Values{"deleted": {"1"}}), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, withTenant(r, Path+"/users/"+url.PathEscape(id), url.Values{"done": {name}}), http.StatusSeeOther)
}
