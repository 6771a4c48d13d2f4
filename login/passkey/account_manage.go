package passkey

import (
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

func fromCredential(c *webauthn.Credential, userID, name string, now time.Time) storage.Passkey {
	ts := make([]string, 0, len(c.Transport))
	for _, t := range c.Transport {
		ts = append(ts, string(t))
	}
	return storage.Passkey{
		ID: c.ID, UserID: userID, PublicKey: c.PublicKey, SignCount: c.Authenticator.SignCount,
		AAGUID: c.Authenticator.AAGUID, Transports: ts, BackupEligible: c.Flags.BackupEligible,
		BackupState: c.Flags.BackupState, UserVerified: c.Flags.UserVerified,
		AttestationType: c.AttestationType, Name: name, CreatedAt: now,
	}
}

// ownPasskey finds the user's passkey named by the id parameter.
func (s *Section) ownPasskey(r *http.Request, userID, id string) (storage.Passkey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return storage.Passkey{}, storage.ErrNotFound
	}
	p, err := s.Core.Store.GetPasskey(r.Context(), raw)
	if err == nil && p.UserID != userID {
		return storage.Passkey{}, storage.ErrNotFound
	}
	return p, err
}

func (s *Section) renamePage(w http.ResponseWriter, r *http.Request) {
	u, _, ok := s.Area.Current(w, r)
	if !ok {
		return
	}
	p, err := s.ownPasskey(r, u.ID, r.URL.Query().Get("id"))
	if err != nil {
		s.gone(w, r, err)
		return
	}
	s.renderRename(w, r, http.StatusOK, encodeID(p.ID), p.Name, "")
}

func (s *Section) renderRename(w http.ResponseWriter, r *http.Request, status int, id, name, errMsg string) {
	csrf, err := s.Cookies.CSRFToken(w, r)
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	login.Render(w, r, status, templates.PasskeyRenamePage(templates.PasskeyRenameView{CSRFToken: csrf, ID: id, Name: name, Error: errMsg}))
}

// gone answers for a passkey that does not exist (or is someone else's).
func (s *Section) gone(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, storage.ErrNotFound) {
		s.back(w, r, msgNotFound)
		return
	}
	s.Engine.Unavailable(w, r, err)
}

func (s *Section) back(w http.ResponseWriter, r *http.Request, notice string) {
	s.Area.Engine.RedirectWithNotice(w, r, account.PageSecurity.URL(), notice)
}

func (s *Section) rename(w http.ResponseWriter, r *http.Request) {
	u, _, ok := s.begin(w, r)
	if !ok {
		return
	}
	id := r.PostFormValue("id")
	p, err := s.ownPasskey(r, u.ID, id)
	if err != nil {
		s.gone(w, r, err)
		return
	}
	name, nameOK := cleanName(r.PostFormValue("name"))
	if !nameOK {
		s.renderRename(w, r, http.StatusBadRequest, id, r.PostFormValue("name"), msgNameTooLong)
		return
	}
	if err := s.Core.Store.RenamePasskey(r.Context(), u.ID, p.ID, name); err != nil {
		s.gone(w, r, err)
		return
	}
	s.back(w, r, i18n.T(r.Context(), "passkey.notice.renamed", "Name", name))
}

// delete removes a passkey, unless it is the user's last way to sign in.
func (s *Section) delete(w http.ResponseWriter, r *http.Request) {
	u, _, ok := s.begin(w, r)
	if !ok {
		return
	}
	p, err := s.ownPasskey(r, u.ID, r.PostFormValue("id"))
	if err != nil {
		s.gone(w, r, err)
		return
	}
	last, err := s.isLastSignIn(r, u)
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	if last {
		s.back(w, r, msgLastPasskey)
		return
	}
	if err := s.Core.Store.DeletePasskey(r.Context(), u.ID, p.ID); err != nil {
		s.gone(w, r, err)
		return
	}
	s.back(w, r, i18n.T(r.Context(), "passkey.notice.deleted", "Name", p.Name))
}

// isLastSignIn: the user has no password, one passkey and no other way in.
func (s *Section) isLastSignIn(r *http.Request, u storage.User) (bool, error) {
	if u.PasswordHash != "" {
		return false, nil
	}
	keys, err := s.Core.Store.ListUserPasskeys(r.Context(), u.ID)
	if err != nil || len(keys) > 1 {
		return false, err
	}
	if s.OtherSignIn == nil {
		return true, nil
	}
	other, err := s.OtherSignIn(r.Context(), u)
	return !other, err
}
