package wallet

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// Section is the account page's wallet block: list, link (proven by a
// signature through the same script and checks as sign-in), unlink.
type Section struct {
	Area    *account.Area
	Cookies login.Cookies
	Wallets storage.Wallets
	Checker Checker
	Limiter Limiter
	// OtherSignIn, when set, reports whether the user has a way to sign in
	// besides wallets (social identities, passkeys, …); a password always
	// counts.
	OtherSignIn func(ctx context.Context, u storage.User) (bool, error)
	Now         func() time.Time
	Logger      *slog.Logger
}

var _ account.Section = (*Section)(nil)

// Mount adds the /account/wallets handlers.
func (s *Section) Mount(r chi.Router) {
	r.Post("/wallets/nonce", s.nonce)
	r.Post("/wallets/link", s.link)
	r.Post("/wallets/unlink", s.unlink)
}

// Section renders the user's wallets.
func (s *Section) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	ws, err := s.Wallets.ListUserWallets(ctx, u.ID)
	if err != nil {
		s.Logger.ErrorContext(ctx, "wallet: list wallets", "error", err)
		return templ.Raw(`<h2 class="subheading">Wallets</h2><p class="muted">Your wallets cannot be shown right now.</p>`)
	}
	v := templates.WalletSectionView{CSRFToken: csrf}
	for _, w := range ws {
		v.Wallets = append(v.Wallets, templates.WalletRow{Namespace: w.Namespace, Address: w.Address, AccountID: w.AccountID(), Chain: chainLabel(w.Namespace)})
	}
	v.CanUnlink = len(ws) > 1 || s.hasOtherSignIn(ctx, u)
	return templates.WalletSection(v)
}

func chainLabel(namespace string) string {
	if namespace == NamespaceSolana {
		return "Solana"
	}
	return "Ethereum"
}

func (s *Section) hasOtherSignIn(ctx context.Context, u storage.User) bool {
	if u.PasswordHash != "" {
		return true
	}
	if s.OtherSignIn == nil {
		return false
	}
	ok, err := s.OtherSignIn(ctx, u)
	return err == nil && ok
}

// current is the signed-in user behind a CSRF-checked POST.
func (s *Section) current(w http.ResponseWriter, r *http.Request) (storage.User, storage.Session, bool) {
	if !s.Cookies.CheckCSRF(r) {
		s.Area.Engine.ErrorPage(w, r, http.StatusForbidden, "error.csrf.title", "error.csrf.message")
		return storage.User{}, storage.Session{}, false
	}
	return s.Area.Current(w, r)
}

func (s *Section) nonce(w http.ResponseWriter, r *http.Request) {
	_, sess, ok := s.current(w, r)
	if !ok {
		return
	}
	issueNonce(w, r, nonceRequest{
		checker: s.Checker, limiter: s.Limiter, logger: s.Logger,
		binding: "session:" + sess.ID, statement: "Link this wallet to my account.",
	})
}

func (s *Section) link(w http.ResponseWriter, r *http.Request) {
	u, sess, ok := s.current(w, r)
	if !ok || !s.Area.RequireRecentLogin(w, r, sess, account.PageSignIn.URL()) {
		return
	}
	wal, err := s.Checker.Check(r.Context(), "session:"+sess.ID, r.PostFormValue("message"), r.PostFormValue("signature"))
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	wal.UserID, wal.CreatedAt = u.ID, s.Now()
	err = s.Wallets.LinkWallet(r.Context(), wal)
	switch {
	case errors.Is(err, storage.ErrAlreadyExists):
		s.notice(w, r, "wallet.notice.already_linked")
	case err != nil:
		s.Area.Engine.Unavailable(w, r, err)
	default:
		s.Logger.InfoContext(r.Context(), "wallet: linked", "user_id", u.ID, "wallet", wal.AccountID())
		s.notice(w, r, i18n.T(r.Context(), "wallet.notice.linked", "Chain", chainLabel(wal.Namespace)))
	}
}

func (s *Section) refuse(w http.ResponseWriter, r *http.Request, err error) {
	_, msg, ok := Refused(err)
	if !ok {
		s.Area.Engine.Unavailable(w, r, err)
		return
	}
	s.Logger.InfoContext(r.Context(), "wallet: link refused", "error", err)
	s.notice(w, r, msg)
}

func (s *Section) unlink(w http.ResponseWriter, r *http.Request) {
	u, sess, ok := s.current(w, r)
	if !ok || !s.Area.RequireRecentLogin(w, r, sess, account.PageSignIn.URL()) {
		return
	}
	ws, err := s.Wallets.ListUserWallets(r.Context(), u.ID)
	if err != nil {
		s.Area.Engine.Unavailable(w, r, err)
		return
	}
	if len(ws) <= 1 && !s.hasOtherSignIn(r.Context(), u) {
		s.notice(w, r, "wallet.notice.last")
		return
	}
	err = s.Wallets.UnlinkWallet(r.Context(), u.ID, r.PostFormValue("namespace"), r.PostFormValue("address"))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		s.notice(w, r, "wallet.notice.not_linked")
	case err != nil:
		s.Area.Engine.Unavailable(w, r, err)
	default:
		s.notice(w, r, "wallet.notice.unlinked")
	}
}

// notice returns to the account page with a message (Post/Redirect/Get).
func (s *Section) notice(w http.ResponseWriter, r *http.Request, msg string) {
	s.Area.Engine.RedirectWithNotice(w, r, account.PageSignIn.URL(), msg)
}

// Page implements account.Placed.
func (*Section) Page() account.Page { return account.PageSignIn }
