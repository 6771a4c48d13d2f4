package templates

// SocialButtonView is one upstream provider's entry on the login page.
type SocialButtonView struct {
	ID, Name string
	// StartURL begins the redirect to the provider (a plain link: a form
	// would need the provider's origin in the page's CSP form-action).
	StartURL string
	// Unavailable is set while the provider's circuit breaker is open.
	Unavailable bool
}

// SocialLinkView asks the user to prove they own the existing account whose
// e-mail the provider reported, before the provider is linked to it.
type SocialLinkView struct {
	FlowID, CSRFToken string
	ProviderName      string
	Email             string
	// HasPassword: the account can be proved here; otherwise the page explains
	// how to link from the account area.
	HasPassword bool
	Error       string
}

// SocialSectionView is the account area's "Linked accounts" section.
type SocialSectionView struct {
	CSRFToken string
	Linked    []LinkedIdentityView
	Available []SocialButtonView // providers the user can link (StartURL links them)
}

// LinkedIdentityView is one linked upstream account.
type LinkedIdentityView struct {
	ProviderID, ProviderName, Subject, Email string
	// CanUnlink is false for the user's last sign-in method.
	CanUnlink bool
}
