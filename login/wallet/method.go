package wallet

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"

	"github.com/admit-idp/admit/templates/i18n"
)

// AMR values (see doc.go): "swk" (RFC 8176: proof of possession of a
// software-secured key) plus Admit's own "siwe" or "siws" naming the method.
const (
	AMRKey      = "swk"
	AMREthereum = "siwe"
	AMRSolana   = "siws"
)

// Method is wallet sign-in (Sign-In with Ethereum / Solana).
type Method struct {
	Engine  *login.Engine
	Users   storage.Users
	Wallets storage.Wallets
	Checker Checker
	// Limiter bounds nonce requests per client IP.
	Limiter Limiter
	// SignUp lets an unknown wallet create an account (setting wallet_signup).
	SignUp bool
	Now    func() time.Time
	Logger *slog.Logger
}

var _ login.Method = (*Method)(nil)

const methodName = "wallet"

// Mount adds POST /wallet/nonce (JSON) and POST /wallet/verify (form).
func (m *Method) Mount(r chi.Router) {
	r.Post("/wallet/nonce", m.nonce)
	r.Post("/wallet/verify", m.verify)
}

// Option renders the two wallet buttons.
func (m *Method) Option(f *login.Flow, csrf string) templ.Component {
	return templates.WalletOption(templates.WalletOptionView{
		FlowID: f.ID, CSRFToken: csrf, NonceURL: "/login/wallet/nonce", VerifyURL: "/login/wallet/verify",
	})
}

func (m *Method) nonce(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadFlow(w, r)
	if !ok {
		return
	}
	issueNonce(w, r, nonceRequest{
		checker: m.Checker, limiter: m.Limiter, logger: m.Logger,
		binding: "flow:" + f.ID, statement: "Sign in with this wallet.",
	})
}

const (
	msgNoAccount = "wallet.err.no_account"
	msgDisabled  = "wallet.err.disabled"
)

func (m *Method) verify(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadFlow(w, r)
	if !ok {
		return
	}
	wal, err := m.Checker.Check(r.Context(), "flow:"+f.ID, r.PostFormValue("message"), r.PostFormValue("signature"))
	if err != nil {
		m.refuse(w, r, f, err)
		return
	}
	m.signIn(w, r, f, wal)
}

// refuse answers a failed verification on the login page, or a backend
// failure with the 503 page.
func (m *Method) refuse(w http.ResponseWriter, r *http.Request, f *login.Flow, err error) {
	reason, msg, ok := Refused(err)
	if !ok {
		m.Engine.Unavailable(w, r, err)
		return
	}
	m.Logger.InfoContext(r.Context(), "wallet: proof refused", "reason", reason, "error", err)
	m.fail(w, r, f, reason, msg)
}

func (m *Method) fail(w http.ResponseWriter, r *http.Request, f *login.Flow, reason, msg string) {
	if m.Engine.Fail(w, r, f, methodName, reason) {
		m.Engine.RenderLogin(w, r, f, http.StatusUnauthorized, "", msg)
	}
}

// signIn finishes with the wallet's account, creating one if allowed.
func (m *Method) signIn(w http.ResponseWriter, r *http.Request, f *login.Flow, wal storage.Wallet) {
	amr := []string{AMRKey, amrFor(wal.Namespace)}
	linked, err := m.Wallets.GetWallet(r.Context(), wal.Namespace, wal.Address)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		m.signUp(w, r, f, wal, amr)
		return
	case err != nil:
		m.Engine.Unavailable(w, r, err)
		return
	}
	u, err := m.Users.GetUser(r.Context(), linked.UserID)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	if u.Disabled {
		m.fail(w, r, f, "disabled", msgDisabled)
		return
	}
	m.Engine.Succeed(w, r, f, methodName, u.ID, amr...)
}

func (m *Method) signUp(w http.ResponseWriter, r *http.Request, f *login.Flow, wal storage.Wallet, amr []string) {
	// A flow that already identified someone (a first factor awaiting its
	// second) must not spawn a new account that Succeed would then refuse.
	if !m.SignUp || !f.MayCreateAccounts() || f.UserID != "" {
		m.fail(w, r, f, "unknown_wallet", msgNoAccount)
		return
	}
	now := m.Now()
	u := storage.User{ID: uuid.NewString(), TenantID: f.TenantID, CreatedAt: now, UpdatedAt: now}
	wal.UserID, wal.CreatedAt = u.ID, now
	err := m.Wallets.CreateUserWithWallet(r.Context(), u, wal)
	if errors.Is(err, storage.ErrAlreadyExists) {
		// A concurrent sign-up with the same wallet won: sign in to it.
		m.signIn(w, r, f, wal)
		return
	}
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	m.Logger.InfoContext(r.Context(), "wallet: account created", "user_id", u.ID, "wallet", wal.AccountID())
	m.Engine.Succeed(w, r, f, methodName, u.ID, amr...)
}

func amrFor(namespace string) string {
	if namespace == NamespaceSolana {
		return AMRSolana
	}
	return AMREthereum
}

// nonceRequest is one nonce issue, for login and account linking alike.
type nonceRequest struct {
	checker            Checker
	limiter            Limiter
	logger             *slog.Logger
	binding, statement string
}

// nonceResponse is everything the script needs to build the exact message.
type nonceResponse struct {
	Address        string `json:"address"`
	Domain         string `json:"domain"`
	URI            string `json:"uri"`
	Version        string `json:"version"`
	Statement      string `json:"statement"`
	ChainID        string `json:"chainId"`
	Nonce          string `json:"nonce"`
	IssuedAt       string `json:"issuedAt"`
	ExpirationTime string `json:"expirationTime"`
}

// issueNonce answers POST …/nonce: rate limit per IP, then a fresh nonce
// and the message fields for the requested chain ("ethereum" with the
// wallet's chain_id, or "solana").
func issueNonce(w http.ResponseWriter, r *http.Request, q nonceRequest) {
	ok, err := q.limiter.Allow(r.Context(), "wallet-nonce:"+login.ClientPrefix(r))
	switch {
	case err != nil:
		q.logger.ErrorContext(r.Context(), "wallet: rate limiter", "error", err)
		login.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": i18n.T(r.Context(), "wallet.err.unavailable")})
		return
	case !ok:
		w.Header().Set("Retry-After", "60")
		login.WriteJSON(w, http.StatusTooManyRequests, map[string]string{"error": i18n.T(r.Context(), "wallet.err.rate")})
		return
	}
	chain := r.PostFormValue("chain")
	chainID, okChain := q.chainFor(chain, r.PostFormValue("chain_id"))
	addr, errAddr := normaliseAddress(chain, r.PostFormValue("address"))
	if !okChain || errAddr != nil {
		login.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": i18n.T(r.Context(), "wallet.err.bad_account")})
		return
	}
	nonce, rec, err := q.checker.Nonces.Issue(r.Context(), q.binding)
	if err != nil {
		q.logger.ErrorContext(r.Context(), "wallet: issue nonce", "error", err)
		login.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": i18n.T(r.Context(), "wallet.err.unavailable")})
		return
	}
	resp := q.response(nonce, chainID, rec)
	resp.Address = addr
	login.WriteJSON(w, http.StatusOK, resp)
}

// normaliseAddress gives the script the address in the form the message
// must carry (EIP-55 needs keccak, which the small script does not have).
func normaliseAddress(chain, addr string) (string, error) {
	if chain == Ethereum {
		return NormaliseEthereumAddress(strings.ToLower(addr))
	}
	return NormaliseSolanaAddress(addr)
}

// chainFor picks the message's Chain ID: the wallet's own EIP-155 chain if
// allowed (so the wallet shows no network warning), else the first allowed.
func (q nonceRequest) chainFor(chain, walletChainID string) (string, bool) {
	v := q.checker.Verifier
	switch chain {
	case Ethereum:
		ids := v.chainIDs()
		if id, err := strconv.ParseInt(walletChainID, 0, 64); err == nil && slices.Contains(ids, id) {
			return strconv.FormatInt(id, 10), true
		}
		return strconv.FormatInt(ids[0], 10), true
	case Solana:
		return v.solanaClusters()[0], true
	}
	return "", false
}

func (q nonceRequest) response(nonce, chainID string, rec storage.WalletNonce) nonceResponse {
	v := q.checker.Verifier
	return nonceResponse{
		Domain: v.domain(), URI: v.Issuer, Version: "1", Statement: q.statement, ChainID: chainID, Nonce: nonce,
		IssuedAt: rec.IssuedAt.UTC().Format(timeLayout), ExpirationTime: rec.ExpiresAt.UTC().Format(timeLayout),
	}
}
