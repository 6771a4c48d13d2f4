package templates

// PasskeyOptionView is the "Continue with a passkey" entry of the login page
// (static/passkey.js drives it, including conditional UI on the e-mail
// field).
type PasskeyOptionView struct {
	FlowID, CSRFToken string
	OptionsURL        string // POST: assertion options (JSON)
	SubmitURL         string // POST form: the assertion
}

// PasskeyChallengeView is the second-factor step after the password.
type PasskeyChallengeView struct {
	FlowID, CSRFToken, ClientName string
	OptionsURL, SubmitURL         string
	Error                         string
	// Others are links to the user's other second factors ("Use your
	// authenticator app instead").
	Others []FactorLink
}

// FactorLink is a link from a second-factor page to another second factor
// of the user.
type FactorLink struct{ Label, URL string }

// PasskeySectionView is the account page's list of passkeys.
type PasskeySectionView struct {
	CSRFToken string
	Passkeys  []PasskeyRow
}

// PasskeyRow is one registered passkey.
type PasskeyRow struct {
	ID       string // base64url credential id
	Name     string
	Kind     string // "Synced passkey", "Device-bound passkey"
	Created  string
	LastUsed string // "Never" when unused
	Flagged  bool   // refused after a counter regression
}

// PasskeyNewView is the account page that registers a passkey.
type PasskeyNewView struct {
	CSRFToken  string
	Name       string
	OptionsURL string
	SubmitURL  string
	Error      string
}

// PasskeyRenameView renames one passkey.
type PasskeyRenameView struct {
	CSRFToken, ID, Name, Error string
}
