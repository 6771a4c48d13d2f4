package selfservice

import (
	"context"
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// DeleteSection deletes the account: a recent login and the password (when
// the account has one) are required. The user is soft-deleted (kept,
// disabled, for audit), signed out everywhere and its tokens revoked.
type DeleteSection struct{ *Service }

var _ account.Section = DeleteSection{}

func (d DeleteSection) view(u storage.User) templates.FormView {
	v := templates.FormView{
		Action: "/account/delete", Submit: "Delete my account", TestID: "delete-form", Danger: true,
		Intro: "Deleting your account signs you out everywhere and removes every app's access. This cannot be undone.",
	}
	if u.PasswordHash != "" {
		v.Fields = []templates.Field{{Name: "password", Label: "Your password", Type: "password", Autocomplete: "current-password", Required: true}}
	}
	return v
}

// Section implements account.Section.
func (d DeleteSection) Section(_ context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	v := d.view(u)
	v.CSRFToken = csrf
	return templ.Join(sectionTitle("Delete your account"), templates.Form(v))
}

// Mount implements account.Section.
func (d DeleteSection) Mount(r chi.Router) {
	r.Get("/delete", d.page)
	r.Post("/delete", d.delete)
}

func (d DeleteSection) page(w http.ResponseWriter, r *http.Request) {
	if u, _, ok := d.Area.Current(w, r); ok {
		v := d.view(u)
		v.Title = "Delete your account"
		d.form(w, r, http.StatusOK, v)
	}
}

func (d DeleteSection) delete(w http.ResponseWriter, r *http.Request) {
	u, sess, ok := d.begin(w, r)
	if !ok || !d.Area.RequireRecentLogin(w, r, sess, "/account/delete") {
		return
	}
	if u.PasswordHash != "" {
		ok, answered := d.Area.CheckPassword(w, r, u, r.PostFormValue("password"))
		if !ok && !answered {
			v := d.view(u)
			v.Title, v.Error = "Delete your account", "The password is incorrect."
			d.form(w, r, http.StatusUnauthorized, v)
		}
		if !ok {
			return
		}
	}
	ctx := r.Context()
	err := d.Store.SoftDeleteUser(ctx, u.ID, d.Now())
	if err == nil {
		err = d.signOutEverywhere(ctx, u.ID, "")
	}
	if err != nil {
		d.Engine.Unavailable(w, r, err)
		return
	}
	d.audit(ctx, "account_deleted", u.ID)
	d.notify(ctx, u.Email, deletedMail(ctx, u))
	_ = d.Area.Sessions.End(w, r)
	d.message(w, r, http.StatusOK, templates.FormView{Title: "Your account was deleted", TestID: "deleted",
		Notice: "You were signed out everywhere. Thank you for using Admit."})
}
