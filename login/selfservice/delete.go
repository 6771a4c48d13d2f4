package selfservice

import (
	"context"
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// DeleteSection deletes the account: a recent login and the password (when
// the account has one) are required. The user is soft-deleted (kept,
// disabled, for audit), signed out everywhere and its tokens revoked.
type DeleteSection struct{ *Service }

var _ account.Section = DeleteSection{}

// Page implements account.Placed: the danger zone, last.
func (DeleteSection) Page() account.Page { return account.PageDanger }

func (d DeleteSection) view(ctx context.Context, u storage.User) templates.FormView {
	v := templates.FormView{
		Action: "/account/delete", Submit: i18n.T(ctx, "account.delete.submit"), TestID: "delete-form", Danger: true,
		Intro: i18n.T(ctx, "account.delete.intro"),
	}
	if u.PasswordHash != "" {
		v.Fields = []templates.Field{{Name: "password", Label: i18n.T(ctx, "account.delete.password"), Type: "password", Autocomplete: "current-password", Required: true}}
	}
	return v
}

// Section implements account.Section.
func (d DeleteSection) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	v, ok := account.InlineForm(ctx, "delete-form")
	if !ok {
		v = d.view(ctx, u)
	}
	v.CSRFToken = csrf
	return templ.Join(sectionTitle(i18n.T(ctx, "account.delete.title")), templates.Form(v))
}

// Mount implements account.Section.
func (d DeleteSection) Mount(r chi.Router) {
	r.Get("/delete", d.page)
	r.Post("/delete", d.delete)
}

func (d DeleteSection) page(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, account.PageDanger.URL(), http.StatusSeeOther)
}

func (d DeleteSection) delete(w http.ResponseWriter, r *http.Request) {
	u, sess, ok := d.begin(w, r)
	if !ok || !d.Area.RequireRecentLogin(w, r, sess, account.PageDanger.URL()) {
		return
	}
	ctx := r.Context()
	if u.PasswordHash != "" {
		ok, answered := d.Area.CheckPassword(w, r, u, r.PostFormValue("password"))
		if !ok && !answered {
			v := d.view(ctx, u)
			v.Error = i18n.T(ctx, "account.form.problem")
			v.Fields[0].Error = i18n.T(ctx, "account.delete.wrong_password")
			d.Area.ShowForm(w, r, http.StatusUnauthorized, account.PageDanger, v)
		}
		if !ok {
			return
		}
	}
	// Read before signOutEverywhere ends this session and its record of
	// clients (Front-Channel Logout 1.0 §4).
	frames := d.Area.FrontChannelFrames(ctx, sess.ID)
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
	home := []templates.Link{{Href: "/account", Label: i18n.T(ctx, "pages.link.sign_in_again"), TestID: "deleted-home"}}
	if len(frames) > 0 {
		d.Area.SignedOut(w, r, frames, templates.MessageView{Title: i18n.T(ctx, "account.delete.done_title"),
			Message: i18n.T(ctx, "account.delete.done"), Links: home})
		return
	}
	d.message(w, r, http.StatusOK, templates.FormView{Title: i18n.T(ctx, "account.delete.done_title"), TestID: "deleted",
		Notice: i18n.T(ctx, "account.delete.done"), Links: home})
}
