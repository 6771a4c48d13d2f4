package templates

import "github.com/a-h/templ"

// TOTPChallengeView is the login step that asks for a code.
type TOTPChallengeView struct {
	FlowID, CSRFToken, ClientName string
	Error                         string       // empty shows none
	Others                        []FactorLink // the user's other second factors
}

// TOTPEnrolView shows a pending TOTP secret to scan and a form to confirm it.
type TOTPEnrolView struct {
	// FlowID is set when enrolling during a login; empty in the account area.
	FlowID, CSRFToken string
	Action            string // where the confirmation form posts
	QRDataURI         string // data:image/png;base64,…
	URI, Secret       string // otpauth:// URI and base32 secret for manual entry
	ExpiresMinutes    int    // how long the key is valid, shown in the page's language
	Error             string
	Required          bool // enrolment is required by the application being signed in to
}

// TOTPBackupCodesView shows backup codes once, with a download form and a
// way on (Continue posts to ContinueAction with FlowID, or links to /account).
type TOTPBackupCodesView struct {
	Title             string
	Codes             []string
	CSRFToken, FlowID string
	ContinueAction    string // POST target during a login; empty links back to /account
}

// TOTPVerifiedView is shown after a backup code was accepted during login.
type TOTPVerifiedView struct {
	FlowID, CSRFToken string
	Remaining         int
}

// TOTPSectionView is the account page's two-step verification block.
type TOTPSectionView struct {
	Enabled   bool
	Remaining int
	CSRFToken string
}

// TOTPFormView is a stand-alone account form (re-enter the password, and a
// code when disabling), shown again with an error when the input is wrong.
type TOTPFormView struct {
	Title, Intro, Action, Submit string
	CSRFToken, Error             string
	NeedCode                     bool
	Danger                       bool
}

// totpDescribedBy ties a field to the error alert of a TOTP page.
func totpDescribedBy(errMsg string) templ.Attributes {
	if errMsg == "" {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-describedby": "totp-error", "aria-invalid": "true"}
}
