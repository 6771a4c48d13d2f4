package app

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/defence"
	"github.com/admit-idp/admit/login/device"
	"github.com/admit-idp/admit/login/selfservice"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
)

// startAudit starts the asynchronous audit writer and wraps the durable
// store so that security-relevant changes (MFA, passkeys, wallets, linked
// identities, sessions, refresh tokens, consents, clients, signing keys)
// are audited where they happen, whichever feature makes them. The writer
// is flushed before the stores close.
func (a *App) startAudit() {
	dropped := prometheus.NewCounter(prometheus.CounterOpts{Name: "admit_audit_dropped_total",
		Help: "Audit events not stored (queue full or database failing); each is logged at ERROR with its fields."})
	a.Metrics.registry.MustRegister(dropped)
	w := &audit.Writer{Store: a.Stores.Durable, Now: a.Now, Logger: a.Logger, Dropped: func(n int) { dropped.Add(float64(n)) }}
	w.Start()
	a.Audit = w
	a.Stores.Durable = auditedDurable{Durable: a.Stores.Durable, audit: w, methodAdded: a.notifyMethodAdded}
	flush := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = w.Close(ctx)
	}
	a.Stores.closer = append([]func(){flush}, a.Stores.closer...)
}

// auditContext attaches the caller's IP, user agent and request id to every
// request's context for the audit log.
func auditContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := audit.Request{IP: defence.ClientIP(r), UserAgent: r.UserAgent(), RequestID: login.RequestID(r.Context())}
		ctx := device.WithRequest(audit.WithRequest(r.Context(), req), r) // the account's device list marks this browser
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// grantRevoked is op's hook for grants revoked because a code or refresh
// token was replayed.
func (a *App) grantRevoked(ctx context.Context, grantID, reason string) {
	a.Audit.Record(ctx, audit.Event{Event: "refresh.reuse", Outcome: audit.Info, Reason: reason, ActorID: "system",
		Details: map[string]string{"grant_id": grantID}})
}

// notifyMethodAdded e-mails the owner about a new sign-in method (issue 7),
// once the accounts feature is wired.
func (a *App) notifyMethodAdded(ctx context.Context, userID, method, detail string) {
	if a.Accounts != nil && a.Accounts.Service != nil {
		a.Accounts.Service.NotifyMethodAdded(ctx, userID, method, detail)
	}
}

// auditedDurable records an audit event after each successful change, and
// tells the owner when a sign-in method was added (one place for TOTP,
// passkeys, wallets and linked providers).
type auditedDurable struct {
	storage.Durable
	audit       audit.Auditor
	methodAdded func(ctx context.Context, userID, method, detail string)
}

func (d auditedDurable) added(ctx context.Context, err error, userID, method, detail string) {
	if err == nil && d.methodAdded != nil {
		d.methodAdded(ctx, userID, method, detail)
	}
}

func (d auditedDurable) record(ctx context.Context, err error, e audit.Event) {
	if err != nil {
		return
	}
	e.Outcome = audit.Success
	if audit.RequestFrom(ctx).RequestID == "" && e.ActorID == "" {
		e.ActorID = "cli" // no HTTP request: an operator command or a job
	}
	d.audit.Record(ctx, e)
}

func (d auditedDurable) SaveTOTPCredential(ctx context.Context, c storage.TOTPCredential) error {
	err := d.Durable.SaveTOTPCredential(ctx, c)
	d.record(ctx, err, audit.Event{Event: "mfa.totp_enabled", UserID: c.UserID})
	d.added(ctx, err, c.UserID, selfservice.MethodTOTP, "")
	return err
}

func (d auditedDurable) DeleteTOTPCredential(ctx context.Context, userID string) error {
	err := d.Durable.DeleteTOTPCredential(ctx, userID)
	d.record(ctx, err, audit.Event{Event: "mfa.totp_disabled", UserID: userID})
	return err
}

func (d auditedDurable) ReplaceBackupCodes(ctx context.Context, userID string, hashes []string, at time.Time) error {
	err := d.Durable.ReplaceBackupCodes(ctx, userID, hashes, at)
	d.record(ctx, err, audit.Event{Event: "mfa.backup_codes_replaced", UserID: userID})
	return err
}

func (d auditedDurable) CreatePasskey(ctx context.Context, p storage.Passkey) error {
	err := d.Durable.CreatePasskey(ctx, p)
	d.record(ctx, err, audit.Event{Event: "passkey.added", UserID: p.UserID})
	d.added(ctx, err, p.UserID, selfservice.MethodPasskey, "")
	return err
}

func (d auditedDurable) DeletePasskey(ctx context.Context, userID string, id []byte) error {
	err := d.Durable.DeletePasskey(ctx, userID, id)
	d.record(ctx, err, audit.Event{Event: "passkey.removed", UserID: userID})
	return err
}

func (d auditedDurable) CreateUserWithWallet(ctx context.Context, u storage.User, w storage.Wallet) error {
	err := d.Durable.CreateUserWithWallet(ctx, u, w)
	d.record(ctx, err, audit.Event{Event: "wallet.linked", UserID: u.ID, Reason: "sign_up", Details: map[string]string{"wallet": w.AccountID()}})
	return err
}

func (d auditedDurable) LinkWallet(ctx context.Context, w storage.Wallet) error {
	err := d.Durable.LinkWallet(ctx, w)
	d.record(ctx, err, audit.Event{Event: "wallet.linked", UserID: w.UserID, Details: map[string]string{"wallet": w.AccountID()}})
	d.added(ctx, err, w.UserID, selfservice.MethodWallet, w.AccountID())
	return err
}

func (d auditedDurable) UnlinkWallet(ctx context.Context, userID, namespace, address string) error {
	err := d.Durable.UnlinkWallet(ctx, userID, namespace, address)
	d.record(ctx, err, audit.Event{Event: "wallet.unlinked", UserID: userID, Details: map[string]string{"wallet": namespace + ":" + address}})
	return err
}

func (d auditedDurable) CreateIdentity(ctx context.Context, id storage.Identity) error {
	err := d.Durable.CreateIdentity(ctx, id)
	d.record(ctx, err, audit.Event{Event: "identity.linked", UserID: id.UserID, Details: map[string]string{"provider": id.ProviderID}})
	d.added(ctx, err, id.UserID, selfservice.MethodProvider, id.ProviderID)
	return err
}

func (d auditedDurable) DeleteIdentity(ctx context.Context, userID, providerID, subject string) error {
	err := d.Durable.DeleteIdentity(ctx, userID, providerID, subject)
	d.record(ctx, err, audit.Event{Event: "identity.unlinked", UserID: userID, Details: map[string]string{"provider": providerID}})
	return err
}

func (d auditedDurable) DeleteUserSessions(ctx context.Context, userID string) error {
	err := d.Durable.DeleteUserSessions(ctx, userID)
	d.record(ctx, err, audit.Event{Event: "session.revoked", UserID: userID, Reason: "all_sessions"})
	return err
}

func (d auditedDurable) DeleteSession(ctx context.Context, id string) error {
	err := d.Durable.DeleteSession(ctx, id)
	d.record(ctx, err, audit.Event{Event: "session.revoked", Details: map[string]string{"session_id": id}})
	return err
}

func (d auditedDurable) RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error {
	err := d.Durable.RevokeRefreshFamily(ctx, familyID, at)
	d.record(ctx, err, audit.Event{Event: "token.revoked", Details: map[string]string{"family_id": familyID}})
	return err
}

func (d auditedDurable) RevokeRefreshTokens(ctx context.Context, userID, clientID string, at time.Time) ([]string, error) {
	fams, err := d.Durable.RevokeRefreshTokens(ctx, userID, clientID, at)
	d.record(ctx, err, audit.Event{Event: "token.revoked", UserID: userID, ClientID: clientID, Reason: "user_tokens"})
	return fams, err
}

func (d auditedDurable) SaveConsent(ctx context.Context, c storage.Consent) error {
	err := d.Durable.SaveConsent(ctx, c)
	d.record(ctx, err, audit.Event{Event: "consent.granted", UserID: c.UserID, ActorID: c.UserID, ClientID: c.ClientID})
	return err
}

func (d auditedDurable) DeleteConsent(ctx context.Context, userID, clientID string) error {
	err := d.Durable.DeleteConsent(ctx, userID, clientID)
	d.record(ctx, err, audit.Event{Event: "consent.revoked", UserID: userID, ClientID: clientID})
	return err
}

func (d auditedDurable) CreateClient(ctx context.Context, c storage.Client) error {
	err := d.Durable.CreateClient(ctx, c)
	d.record(ctx, err, audit.Event{Event: "client.created", ClientID: c.ID})
	return err
}

func (d auditedDurable) DeleteClient(ctx context.Context, id string) error {
	err := d.Durable.DeleteClient(ctx, id)
	d.record(ctx, err, audit.Event{Event: "client.deleted", ClientID: id})
	return err
}

func (d auditedDurable) CreateSigningKey(ctx context.Context, k storage.SigningKey) error {
	err := d.Durable.CreateSigningKey(ctx, k)
	d.record(ctx, err, audit.Event{Event: "key.created", ActorID: "system", Details: map[string]string{"kid": k.ID}})
	return err
}

func (d auditedDurable) RotateSigningKeys(ctx context.Context, newNext storage.SigningKey, at time.Time) error {
	err := d.Durable.RotateSigningKeys(ctx, newNext, at)
	d.record(ctx, err, audit.Event{Event: "key.rotated", Details: map[string]string{"next_kid": newNext.ID}})
	return err
}

func (d auditedDurable) SetEmail(ctx context.Context, userID, email string, verified bool, at time.Time) error {
	err := d.Durable.SetEmail(ctx, userID, email, verified, at)
	d.record(ctx, err, audit.Event{Event: "email.changed", UserID: userID})
	return err
}

func (d auditedDurable) SoftDeleteUser(ctx context.Context, userID string, at time.Time) error {
	err := d.Durable.SoftDeleteUser(ctx, userID, at)
	d.record(ctx, err, audit.Event{Event: "account.deleted", UserID: userID})
	return err
}

// pruneAudit applies the audit retention (RunMaintenance, hourly).
func (a *App) pruneAudit(ctx context.Context) {
	n, err := audit.Prune(ctx, a.Stores.Durable, a.Now(), a.Config.Defences.retention())
	switch {
	case err != nil && ctx.Err() == nil:
		a.Logger.WarnContext(ctx, "pruning the audit log", "error", err)
	case n > 0:
		a.Logger.InfoContext(ctx, "audit log pruned", "events", n, "retention", a.Config.Defences.retention())
	}
}
