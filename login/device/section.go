package device

import (
	"context"
	"errors"
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// Section is the account area's device list: see and forget devices.
type Section struct {
	Area  *account.Area
	Trust *Trust
}

var _ account.Section = (*Section)(nil)

// Mount adds POST /devices/forget to the /account router.
func (s *Section) Mount(r chi.Router) { r.Post("/devices/forget", s.forget) }

// Section implements account.Section: one page of devices, most recently
// seen first (account.ListPageSize at a time).
func (s *Section) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	after := account.ListCursor(ctx, "devices")
	page, err := s.Trust.Store.ListDevices(ctx, u.ID, storage.PageRequest{After: after, Limit: account.ListPageSize})
	if errors.Is(err, storage.ErrBadCursor) { // an edited link: show the newest
		after = ""
		page, err = s.Trust.Store.ListDevices(ctx, u.ID, storage.PageRequest{Limit: account.ListPageSize})
	}
	if err != nil {
		s.Trust.Logger.WarnContext(ctx, "device: list", "error", err)
	}
	current := hashToken(s.Trust.tokenFromContext(ctx))
	v := templates.DevicesSectionView{CSRFToken: csrf}
	if after != "" {
		v.Newest = account.MoreURL("devices", "")
	}
	if page.Next != "" {
		v.Older = account.MoreURL("devices", page.Next)
	}
	now := s.Trust.Now()
	for _, d := range page.Items {
		// The human name and dates only: the raw user agent means nothing
		// to people, and the trust score is an internal input of the
		// defences, not something to show.
		detail := i18n.T(ctx, "account.devices.detail", "LastSeen", account.Ago(ctx, now, d.LastSeen), "FirstSeen", account.Date(ctx, d.FirstSeen))
		v.Devices = append(v.Devices, templates.DeviceRow{ID: d.ID, Name: account.DeviceName(ctx, d.UserAgent, ""), Detail: detail, Current: d.TokenHash == current})
	}
	return templates.DevicesSection(v)
}

func (s *Section) forget(w http.ResponseWriter, r *http.Request) {
	if !s.Area.Cookies.CheckCSRF(r) {
		s.Area.Engine.ErrorPage(w, r, http.StatusForbidden, "Your session has expired", "Reload the page and try again.")
		return
	}
	u, _, ok := s.Area.Current(w, r)
	if !ok {
		return
	}
	err := s.Trust.Store.DeleteDevice(r.Context(), u.ID, r.PostFormValue("device"))
	if err != nil && !errorsIsNotFound(err) {
		s.Area.Engine.Unavailable(w, r, err)
		return
	}
	if err == nil {
		s.Trust.Audit.Record(r.Context(), audit.Event{Event: "device.forgotten", Outcome: audit.Success, UserID: u.ID, ActorID: u.ID})
	}
	s.Area.Engine.RedirectWithNotice(w, r, account.PageDevices.URL(), i18n.T(r.Context(), "account.devices.forgotten"))
}

// Page implements account.Placed.
func (*Section) Page() account.Page { return account.PageDevices }
