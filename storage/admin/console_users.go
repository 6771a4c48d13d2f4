package admin

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/admit-idp/admit/storage"
)

// ConsoleStore is what the console's reads need beyond Store: the
// aggregates a user page shows and the dashboard's counts.
type ConsoleStore interface {
	storage.ConsoleCounts
	GetWallet(ctx context.Context, namespace, address string) (storage.Wallet, error)
	ListUserWallets(ctx context.Context, userID string) ([]storage.Wallet, error)
	GetIdentity(ctx context.Context, providerID, subject string) (storage.Identity, error)
	ListUserIdentities(ctx context.Context, userID string) ([]storage.Identity, error)
	ListUserSessions(ctx context.Context, userID string, p storage.PageRequest) (storage.Page[storage.Session], error)
	ListDevices(ctx context.Context, userID string, p storage.PageRequest) (storage.Page[storage.Device], error)
	ListUserConsents(ctx context.Context, userID string) ([]storage.Consent, error)
	GetProfile(ctx context.Context, userID string) (storage.Profile, error)
	UpdateProfile(ctx context.Context, userID string, p storage.Profile, at time.Time) error
}

// Console is the service as the operator console uses it: the Service's
// rules and audit, plus the operations only the console needs (search,
// the user page, lock state, mails, dashboard). Build it with a struct
// literal; Service and Store are required.
type Console struct {
	*Service
	Store ConsoleStore
	// LockedUntil reports until when the user's sign-in is locked (zero:
	// not locked); nil: no lockout (no defences).
	LockedUntil func(ctx context.Context, u storage.User) (time.Time, error)
	// MailVerification e-mails the user a new verification link;
	// MailPasswordReset a password-reset link (login/selfservice). nil:
	// not supported (no mail).
	MailVerification  func(ctx context.Context, u storage.User) error
	MailPasswordReset func(ctx context.Context, u storage.User) error
}

// Search fields.
const (
	SearchAuto   = ""
	SearchEmail  = "email"
	SearchName   = "name"
	SearchID     = "id"
	SearchWallet = "wallet"
	SearchLinked = "linked" // a linked account, "provider:subject"
)

// UserQuery is a console user search in TenantID.
type UserQuery struct {
	TenantID string
	// Q is what to look for; By names the field (SearchAuto guesses it:
	// an address with @ is an e-mail, 0x… an Ethereum wallet,
	// provider:subject a linked account, a user ID itself, else a name).
	Q, By string
	// Status: "" (any), "active" or "disabled".
	Status string
	// Locked and MFA, when set, keep only users whose sign-in is (not)
	// locked, who have (no) second factor. No index holds these (locks
	// live in the ephemeral store): they filter the matches of Q, reading
	// at most filterScan users per page.
	Locked, MFA *bool
}

// filterScan bounds how many users one page of a Locked or MFA filtered
// search reads; a page may hold fewer matches than asked, with a Next.
const filterScan = 500

var (
	eip155Address = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	base58Address = regexp.MustCompile(`^[1-9A-HJ-NP-Za-km-z]{32,44}$`)
	linkedAccount = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}:\S+$`)
)

// field is the search field of q.
func (q UserQuery) field() string {
	if q.By != SearchAuto {
		return q.By
	}
	switch v := strings.TrimSpace(q.Q); {
	case v == "":
		return SearchEmail
	case strings.Contains(v, "@"):
		return SearchEmail
	case eip155Address.MatchString(v):
		return SearchWallet
	case linkedAccount.MatchString(v):
		return SearchLinked
	}
	return SearchName
}

// SearchUsers finds users of the tenant. E-mail and name are substring
// searches on trigram indexes (migration 0022); ID, wallet and linked
// account are exact lookups on their keys. In auto mode a query that is
// a user ID is tried as one first.
func (c *Console) SearchUsers(ctx context.Context, p Principal, q UserQuery, pg Page) (List[storage.User], error) {
	if err := c.allow(ctx, p, q.TenantID, ActReadUsers); err != nil {
		return List[storage.User]{}, err
	}
	v := strings.TrimSpace(q.Q)
	if len(v) > 320 {
		return List[storage.User]{}, invalid("q", "q: at most 320 characters")
	}
	var disabled *bool
	switch q.Status {
	case "":
	case "active", "disabled":
		d := q.Status == "disabled"
		disabled = &d
	default:
		return List[storage.User]{}, invalid("status", "status: active or disabled")
	}
	field := q.field()
	if q.By == SearchAuto && v != "" && field == SearchName {
		if u, err := c.Service.Store.GetTenantUser(ctx, q.TenantID, v); err == nil {
			return c.only(u, disabled), nil
		}
	}
	switch field {
	case SearchEmail, SearchName:
		f := storage.UserFilter{TenantID: q.TenantID, Disabled: disabled}
		if field == SearchEmail {
			f.Email = v
		} else {
			f.Name = v
		}
		if q.Locked == nil && q.MFA == nil {
			return c.ListUsers(ctx, p, f, pg)
		}
		return c.filtered(ctx, p, f, q, pg)
	case SearchID:
		return c.found(c.Service.Store.GetTenantUser(ctx, q.TenantID, v))(disabled)
	case SearchWallet:
		ns := "solana"
		if eip155Address.MatchString(v) {
			ns, v = "eip155", strings.ToLower(v)
		} else if !base58Address.MatchString(v) {
			return List[storage.User]{}, invalid("q", "q: not a wallet address (0x… or base58)")
		}
		w, err := c.Store.GetWallet(ctx, ns, v)
		if err != nil {
			return c.found(storage.User{}, err)(disabled)
		}
		return c.found(c.Service.Store.GetTenantUser(ctx, q.TenantID, w.UserID))(disabled)
	case SearchLinked:
		provider, subject, ok := strings.Cut(v, ":")
		if !ok || provider == "" || subject == "" {
			return List[storage.User]{}, invalid("q", "q: a linked account is provider:subject")
		}
		id, err := c.Store.GetIdentity(ctx, provider, subject)
		if err != nil {
			return c.found(storage.User{}, err)(disabled)
		}
		return c.found(c.Service.Store.GetTenantUser(ctx, q.TenantID, id.UserID))(disabled)
	}
	return List[storage.User]{}, invalid("by", "by: email, name, id, wallet or linked")
}

// found turns an exact lookup into a list of zero or one user: a record
// of another tenant, or none, is an empty list.
func (c *Console) found(u storage.User, err error) func(*bool) (List[storage.User], error) {
	return func(disabled *bool) (List[storage.User], error) {
		if errors.Is(err, storage.ErrNotFound) {
			return List[storage.User]{Items: []storage.User{}}, nil
		}
		if err != nil {
			return List[storage.User]{}, err
		}
		return c.only(u, disabled), nil
	}
}

func (c *Console) only(u storage.User, disabled *bool) List[storage.User] {
	if disabled != nil && u.Disabled != *disabled {
		return List[storage.User]{Items: []storage.User{}}
	}
	return List[storage.User]{Items: []storage.User{u}}
}

// filtered pages through the matches of f, keeping the users that pass
// the Locked and MFA filters, until the page is full, the matches end or
// filterScan users were read; Next continues after the last user read.
func (c *Console) filtered(ctx context.Context, p Principal, f storage.UserFilter, q UserQuery, pg Page) (List[storage.User], error) {
	req, err := pg.request()
	if err != nil {
		return List[storage.User]{}, err
	}
	out := List[storage.User]{Items: []storage.User{}}
	after, scanned := req.After, 0
	for {
		page, err := c.Service.Store.ListUsers(ctx, f, storage.PageRequest{After: after, Limit: MaxLimit})
		if err != nil {
			return List[storage.User]{}, err
		}
		for _, u := range page.Items {
			after = u.ID
			scanned++
			ok, err := c.passes(ctx, u, q)
			if err != nil {
				return List[storage.User]{}, err
			}
			if ok {
				out.Items = append(out.Items, u)
			}
			if len(out.Items) == req.Limit || scanned == filterScan {
				out.Next = encodeCursor(after)
				return out, nil
			}
		}
		if page.Next == "" {
			return out, nil
		}
	}
}

// passes reports whether u passes the Locked and MFA filters of q.
func (c *Console) passes(ctx context.Context, u storage.User, q UserQuery) (bool, error) {
	if q.Locked != nil { // the lock's end only: not the audit read of its reason
		until, err := c.lockedUntil(ctx, u)
		if err != nil || !until.IsZero() != *q.Locked {
			return false, err
		}
	}
	if q.MFA != nil {
		has, err := c.hasSecondFactor(ctx, u.ID)
		if err != nil || has != *q.MFA {
			return false, err
		}
	}
	return true, nil
}

func (c *Console) hasSecondFactor(ctx context.Context, userID string) (bool, error) {
	switch _, err := c.Service.Store.GetTOTPCredential(ctx, userID); {
	case err == nil:
		return true, nil
	case !errors.Is(err, storage.ErrNotFound):
		return false, err
	}
	keys, err := c.Service.Store.ListUserPasskeys(ctx, userID)
	return len(keys) > 0, err
}

// Lock is a user's sign-in lock.
type Lock struct {
	Locked bool
	Until  time.Time
	// Why is the latest "lockout" audit event of the user (zero if none
	// within the audit window): its reason, scope and method.
	Why storage.AuditEvent
}

// UserDetail is everything the console's user page shows.
type UserDetail struct {
	User       storage.User
	Lock       Lock
	TOTP       bool
	BackupLeft int
	Passkeys   []storage.Passkey
	Wallets    []storage.Wallet
	Identities []storage.Identity
	Sessions   []storage.Session
	Devices    []storage.Device
	Apps       []storage.Consent
	Grants     []storage.RoleGrant
	// Events are the user's latest audit events, newest first.
	Events []storage.AuditEvent
}

// recentWindow bounds the user page's audit read; recentEvents is how
// many it shows.
const (
	recentWindow = 30 * 24 * time.Hour
	recentEvents = 20
	readLimit    = 500
)

// UserDetail gathers the user page (ErrNotFound for another tenant's
// user, whoever asks).
func (c *Console) UserDetail(ctx context.Context, p Principal, tenantID, userID string) (UserDetail, error) {
	m, err := c.memberFor(ctx, p, tenantID, userID, ActReadUsers)
	if err != nil {
		return UserDetail{}, err
	}
	d := UserDetail{User: m.User}
	if d.Lock, err = c.lock(ctx, m); err != nil {
		return UserDetail{}, err
	}
	switch cred, err := c.Service.Store.GetTOTPCredential(ctx, m.ID); {
	case err == nil:
		d.TOTP, d.BackupLeft = true, len(cred.BackupCodes)
	case !errors.Is(err, storage.ErrNotFound):
		return UserDetail{}, err
	}
	one := storage.PageRequest{Limit: MaxLimit}
	var sessions storage.Page[storage.Session]
	var devices storage.Page[storage.Device]
	steps := []func() error{
		func() (err error) { d.Passkeys, err = c.Service.Store.ListUserPasskeys(ctx, m.ID); return },
		func() (err error) { d.Wallets, err = c.Store.ListUserWallets(ctx, m.ID); return },
		func() (err error) { d.Identities, err = c.Store.ListUserIdentities(ctx, m.ID); return },
		func() (err error) { sessions, err = c.Store.ListUserSessions(ctx, m.ID, one); return },
		func() (err error) { devices, err = c.Store.ListDevices(ctx, m.ID, one); return },
		func() (err error) { d.Apps, err = c.Store.ListUserConsents(ctx, m.ID); return },
		func() (err error) {
			d.Grants, err = c.Service.Store.UserRoleGrants(ctx, tenantID, m.ID, c.now())
			return
		},
		func() (err error) { d.Events, err = c.recent(ctx, m.ID, "", recentEvents); return },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return UserDetail{}, err
		}
	}
	d.Sessions, d.Devices = sessions.Items, devices.Items
	return d, nil
}

// recent returns the user's latest events (of one kind if event is set),
// newest first, from the last recentWindow.
func (c *Console) recent(ctx context.Context, userID, event string, n int) ([]storage.AuditEvent, error) {
	// By user only: user IDs are unique across tenants (the caller proved
	// the user is the tenant's), and the login's events (lockout, login)
	// do not all carry the tenant.
	events, err := c.Service.Store.ListAudit(ctx, storage.AuditFilter{UserID: userID, Event: event,
		Since: c.now().Add(-recentWindow), Limit: readLimit})
	if err != nil {
		return nil, err
	}
	slices.Reverse(events)
	if len(events) > n {
		events = events[:n]
	}
	return events, nil
}

// lockedUntil is the end of u's sign-in lock in force, or zero.
func (c *Console) lockedUntil(ctx context.Context, u storage.User) (time.Time, error) {
	if c.LockedUntil == nil {
		return time.Time{}, nil
	}
	until, err := c.LockedUntil(ctx, u)
	if err != nil || !c.now().Before(until) {
		return time.Time{}, err
	}
	return until, nil
}

func (c *Console) lock(ctx context.Context, m member) (Lock, error) {
	until, err := c.lockedUntil(ctx, m.User)
	if err != nil || until.IsZero() {
		return Lock{}, err
	}
	l := Lock{Locked: true, Until: until}
	why, err := c.recent(ctx, m.ID, "lockout", 1)
	if err != nil {
		return Lock{}, err
	}
	if len(why) > 0 {
		l.Why = why[0]
	}
	return l, nil
}

// ResendVerification e-mails the user a new verification link.
func (c *Console) ResendVerification(ctx context.Context, p Principal, tenantID, userID string) error {
	return c.mail(ctx, p, tenantID, userID, ActResendVerification, c.MailVerification, "admin.user.verification_sent")
}

// SendPasswordReset e-mails the user a password-reset link (the operator
// never sees or sets the password).
func (c *Console) SendPasswordReset(ctx context.Context, p Principal, tenantID, userID string) error {
	return c.mail(ctx, p, tenantID, userID, ActPasswordReset, c.MailPasswordReset, "admin.user.password_reset_sent")
}

func (c *Console) mail(ctx context.Context, p Principal, tenantID, userID string, act Action,
	send func(context.Context, storage.User) error, event string) error {
	m, err := c.memberFor(ctx, p, tenantID, userID, act)
	if err != nil {
		return err
	}
	switch {
	case send == nil:
		return fmt.Errorf("no mail configured: %w", ErrUnsupported)
	case m.Disabled:
		return fmt.Errorf("user %s is disabled: %w", m.ID, ErrConflict)
	case act == ActResendVerification && m.EmailVerified:
		return fmt.Errorf("the address of user %s is already verified: %w", m.ID, ErrConflict)
	}
	if err := send(ctx, m.User); err != nil {
		return err
	}
	c.record(ctx, p, tenantID, event, storage.AuditEvent{UserID: m.ID})
	return nil
}

// ProfileEdit is the profile an operator may edit: the name (not the
// e-mail, whose change needs the owner's confirmation; not the phone,
// which the owner keeps).
type ProfileEdit struct {
	GivenName, FamilyName string
}

// EditProfile replaces the user's name.
func (c *Console) EditProfile(ctx context.Context, p Principal, tenantID, userID string, e ProfileEdit) (storage.User, error) {
	m, err := c.memberFor(ctx, p, tenantID, userID, ActEditProfile)
	if err != nil {
		return storage.User{}, err
	}
	var errs problems
	if len(e.GivenName) > 200 {
		errs.add("given_name", "given name: at most 200 characters")
	}
	if len(e.FamilyName) > 200 {
		errs.add("family_name", "family name: at most 200 characters")
	}
	if err := errs.err(); err != nil {
		return storage.User{}, err
	}
	prof, err := c.Store.GetProfile(ctx, m.ID)
	if err != nil {
		return storage.User{}, mapErr(err, "user "+m.ID)
	}
	prof.GivenName, prof.FamilyName = e.GivenName, e.FamilyName
	if err := c.Store.UpdateProfile(ctx, m.ID, prof, c.now()); err != nil {
		return storage.User{}, mapErr(err, "user "+m.ID)
	}
	c.record(ctx, p, tenantID, "admin.user.profile_edited", storage.AuditEvent{UserID: m.ID})
	return c.tenantUser(ctx, tenantID, m.ID)
}

// Dashboard is what an operator looks at first.
type Dashboard struct {
	SignIns, SignInFailures, Lockouts int
	ActiveSessions                    int
	// ActiveKeyAge is the age of the active signing key (platform
	// administrators only; zero otherwise).
	ActiveKeyAge time.Duration
}

// Dashboard counts the last 24 hours of the tenant (every tenant for a
// platform administrator asking for tenantID "").
func (c *Console) Dashboard(ctx context.Context, p Principal, tenantID string) (Dashboard, error) {
	if tenantID == "" {
		if err := platform(p); err != nil {
			return Dashboard{}, err
		}
	} else if err := c.allow(ctx, p, tenantID, ActReadAudit); err != nil {
		return Dashboard{}, err
	}
	now := c.now()
	since := now.Add(-24 * time.Hour)
	var d Dashboard
	logins, err := c.Store.CountAuditOutcomes(ctx, tenantID, "login", since)
	if err != nil {
		return Dashboard{}, err
	}
	lockouts, err := c.Store.CountAuditOutcomes(ctx, tenantID, "lockout", since)
	if err != nil {
		return Dashboard{}, err
	}
	d.SignIns, d.SignInFailures = logins["success"], logins["failure"]
	for _, n := range lockouts {
		d.Lockouts += n
	}
	if d.ActiveSessions, err = c.Store.CountActiveSessions(ctx, tenantID, now); err != nil {
		return Dashboard{}, err
	}
	if p.Platform() {
		keys, err := c.ListKeys(ctx, p)
		if err != nil {
			return Dashboard{}, err
		}
		for _, k := range keys {
			if k.State == storage.KeyActive {
				d.ActiveKeyAge = now.Sub(k.ActivatedAt)
			}
		}
	}
	return d, nil
}
