package templates

import (
	"context"

	"github.com/a-h/templ"
)

// LoginView is everything the sign-in page shows.
type LoginView struct {
	FlowID     string // hidden field "flow"
	CSRFToken  string // hidden field "csrf_token"
	ClientName string // "Sign in to continue to {ClientName}"
	// Email is prefilled: the login_hint, or what the user typed before an
	// error. The password is never echoed back, so there is no field for it.
	Email string
	Error string // friendly message shown in an alert; empty shows none
	// Methods are extra sign-in options (passkeys, wallets, social) rendered
	// below the password form by other authenticators; empty hides the section.
	Methods []templ.Component
	// Captcha is the CAPTCHA widget inside the form (nil: none required).
	Captcha    templ.Component
	SignUpURL  string // empty shows no sign-up link
	AccountURL string // empty shows no account link
}

// ScopeItem is one permission the client asks for, as shown to the user:
// Name and Description in words, in the user's language; Raw is the scope
// value itself (kept for tests and support, shown only as a tooltip).
type ScopeItem struct{ Name, Description, Raw string }

// ConsentView is everything the consent page shows.
type ConsentView struct {
	FlowID, CSRFToken, ClientName, UserEmail string
	Scopes                                   []ScopeItem
	// ClientLogoURL is the client's own logo on Admit's origin ("" none).
	ClientLogoURL string
	// PolicyURL and TermsURL are the client's policy_uri and tos_uri
	// (https, "" for none).
	PolicyURL, TermsURL string
}

// ErrorView describes a page shown when a flow cannot go on.
type ErrorView struct {
	Status    int    // HTTP status; the handler writes it, the page only mentions it
	Title     string // empty falls back to a generic title
	Message   string
	RequestID string // shown as "Reference: …" so support can find the logs
	// StartAgainURL, when set, is a local URL (Admit's /authorize with the
	// lost sign-in's parameters) offered as "Start again".
	StartAgainURL string
}

// MessageView is a plain informational page, e.g. "You are signed out".
type MessageView struct {
	Title, Message string
	// Links are the ways on from the page (sign in again…).
	Links []Link
}

// ContinueView is a page that sends the browser on to Target by itself.
type ContinueView struct {
	Title, Message string
	Link           string        // the fallback link's label
	Target         templ.SafeURL // an http(s) URL the caller has validated
}

const (
	// Element ids that aria-describedby and label[for] refer to.
	loginErrorID = "login-error"
	emailID      = "email"
	passwordID   = "password"
)

// describedBy returns the aria-describedby value that ties a field to the
// error alert, or nothing when there is no alert, so that screen readers
// announce the problem when the field gets focus.
func describedBy(errMsg string) templ.Attributes {
	if errMsg == "" {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-describedby": loginErrorID, "aria-invalid": "true"}
}

// errorTitle falls back to a generic title so the page never shows an empty heading.
func errorTitle(ctx context.Context, v ErrorView) string {
	if v.Title != "" {
		return text(ctx, v.Title)
	}
	return t(ctx, "error.generic_title")
}

// subtitle names the client the user is signing in to, when it is known.
func subtitle(ctx context.Context, clientName string) string {
	if clientName == "" {
		// Admit's own pages (the account area): the brand's account.
		return t(ctx, "login.subtitle", "Brand", brandName(ctx))
	}
	return t(ctx, "login.subtitle_client", "Client", clientName)
}
