package passkey

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"

	"github.com/admit-idp/admit/templates/i18n"
)

// OtherSignIn reports whether the user can sign in without passkeys
// (a wallet, a linked identity); the password is checked separately.
type OtherSignIn func(ctx context.Context, u storage.User) (bool, error)

// Section is the account area's passkey block: register (after a recent
// login), list, rename, delete.
type Section struct {
	Area        *account.Area
	Engine      *login.Engine
	Core        *Core
	Cookies     login.Cookies
	OtherSignIn OtherSignIn
}

var _ account.Section = (*Section)(nil)

// maxName bounds a passkey's name (runes).
const maxName = 64

// Section implements account.Section.
func (s *Section) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	keys, _ := s.Core.Store.ListUserPasskeys(ctx, u.ID)
	v := templates.PasskeySectionView{CSRFToken: csrf}
	for _, k := range keys {
		v.Passkeys = append(v.Passkeys, row(ctx, k))
	}
	return templates.PasskeySection(v)
}

// row shows a passkey; Kind and LastUsed may be message ids.
func row(ctx context.Context, k storage.Passkey) templates.PasskeyRow {
	r := templates.PasskeyRow{
		ID: encodeID(k.ID), Name: k.Name, Kind: "passkey.kind.device_bound", Flagged: k.CloneWarning,
		Created: account.Date(ctx, k.CreatedAt), LastUsed: "passkey.section.never",
	}
	if k.BackupEligible {
		r.Kind = "passkey.kind.synced"
	}
	if !k.LastUsedAt.IsZero() {
		r.LastUsed = i18n.From(ctx).DateTime(k.LastUsedAt)
	}
	return r
}

func encodeID(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }

// Mount implements account.Section.
func (s *Section) Mount(r chi.Router) {
	r.Get("/passkeys/new", s.newPage)
	r.Post("/passkeys/options", s.registerOptions)
	r.Post("/passkeys", s.register)
	r.Get("/passkeys/rename", s.renamePage)
	r.Post("/passkeys/rename", s.rename)
	r.Post("/passkeys/delete", s.delete)
}

// newPage needs a recent login: a stolen, old session cannot add a
// passkey that would outlive it.
func (s *Section) newPage(w http.ResponseWriter, r *http.Request) {
	_, sess, ok := s.Area.Current(w, r)
	if !ok || !s.Area.RequireRecentLogin(w, r, sess, "/account/passkeys/new") {
		return
	}
	s.renderNew(w, r, http.StatusOK, "", "")
}

func (s *Section) renderNew(w http.ResponseWriter, r *http.Request, status int, name, errMsg string) {
	csrf, err := s.Cookies.CSRFToken(w, r)
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	v := templates.PasskeyNewView{
		CSRFToken: csrf, Name: name, Error: errMsg, OptionsURL: "/account/passkeys/options", SubmitURL: "/account/passkeys",
	}
	login.Render(w, r, status, templates.PasskeyNewPage(v))
}

// begin checks the session and the CSRF token of a POST.
func (s *Section) begin(w http.ResponseWriter, r *http.Request) (storage.User, storage.Session, bool) {
	u, sess, ok := s.Area.Current(w, r)
	if !ok {
		return u, sess, false
	}
	if !s.Cookies.CheckCSRF(r) {
		s.Engine.ErrorPage(w, r, http.StatusForbidden, "error.csrf.title", "error.csrf.message")
		return u, sess, false
	}
	return u, sess, true
}

// registerOptions starts a registration bound to the session: resident
// key required, user verification preferred, existing passkeys excluded.
func (s *Section) registerOptions(w http.ResponseWriter, r *http.Request) {
	u, sess, ok := s.begin(w, r)
	if !ok {
		return
	}
	if s.Area.Now().Sub(sess.AuthTime) > account.RecentLogin {
		login.WriteJSON(w, http.StatusForbidden, map[string]string{"error": i18n.T(r.Context(), msgRecentLogin)})
		return
	}
	wu, err := s.Core.loadUser(r.Context(), u.ID)
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	opts, sd, err := s.Core.WebAuthn.BeginRegistration(wu, s.registrationOptions(wu)...)
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	if err := s.Core.saveCeremony(r.Context(), sessionBinding(sess.ID), sd); err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	login.WriteJSON(w, http.StatusOK, map[string]any{"publicKey": opts.Response})
}

func (s *Section) registrationOptions(u *user) []webauthn.RegistrationOption {
	exclude := make([]protocol.CredentialDescriptor, 0, len(u.keys))
	for _, c := range u.WebAuthnCredentials() {
		exclude = append(exclude, c.Descriptor())
	}
	rk := true
	return []webauthn.RegistrationOption{
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			RequireResidentKey: &rk, ResidentKey: protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationPreferred,
		}),
		webauthn.WithExclusions(exclude),
		webauthn.WithConveyancePreference(s.Core.conveyance()),
	}
}

// register checks the attestation response and stores the passkey.
func (s *Section) register(w http.ResponseWriter, r *http.Request) {
	u, sess, ok := s.begin(w, r)
	if !ok {
		return
	}
	name, nameOK := cleanName(r.PostFormValue("name"))
	if !nameOK {
		s.renderNew(w, r, http.StatusBadRequest, r.PostFormValue("name"), msgNameTooLong)
		return
	}
	err := s.create(r.Context(), u.ID, sess.ID, name, []byte(r.PostFormValue("credential")))
	if msg := registrationMessage(err); msg != "" {
		s.renderNew(w, r, http.StatusBadRequest, name, msg)
		return
	}
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	s.Area.Engine.RedirectWithNotice(w, r, account.PageSecurity.URL(), i18n.T(r.Context(), "passkey.notice.added", "Name", name))
}

// cleanName trims the name; empty becomes "Passkey".
func cleanName(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "Passkey", true
	}
	return name, utf8.RuneCountInString(name) <= maxName
}

// errAttestation: the registration lacks the required attestation.
var errAttestation = errors.New("passkey: attestation required")

func (s *Section) create(ctx context.Context, userID, sessionID, name string, raw []byte) error {
	if len(raw) == 0 {
		return ErrMalformed
	}
	sd, err := s.Core.takeCeremony(ctx, sessionBinding(sessionID))
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(raw)
	if err != nil {
		return errors.Join(ErrMalformed, err)
	}
	wu, err := s.Core.loadUser(ctx, userID)
	if err != nil {
		return err
	}
	cred, err := s.Core.WebAuthn.CreateCredential(wu, sd, parsed)
	if err != nil {
		return classify(err)
	}
	if s.Core.Attestation == AttestationDirect && !attested(cred.AttestationType) {
		return errAttestation
	}
	return s.Core.Store.CreatePasskey(ctx, fromCredential(cred, userID, name, s.Core.Now()))
}

func registrationMessage(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, storage.ErrAlreadyExists):
		return msgDuplicate
	case errors.Is(err, errAttestation):
		return msgAttestation
	case errors.Is(err, ErrRejected):
		return msgRegistration
	}
	msg, _ := failure(err)
	return msg
}

// Page implements account.Placed.
func (*Section) Page() account.Page { return account.PageSecurity }
