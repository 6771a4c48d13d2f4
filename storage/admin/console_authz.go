package admin

import (
	"context"
	"fmt"

	"github.com/admit-idp/admit/storage/roles"
)

// Action is an operation of the operator console (and of the service
// behind it). The table below is the one place that says which principal
// may take which action; the service enforces it and the console reads it
// (Principal.May) only to hide what would be refused.
type Action string

// Actions.
const (
	ActReadUsers          Action = "users.read"
	ActUnlock             Action = "users.unlock"
	ActResendVerification Action = "users.resend_verification"
	ActPasswordReset      Action = "users.password_reset"
	ActRevokeSessions     Action = "users.revoke_sessions"
	ActDisableUser        Action = "users.disable"
	ActResetMFA           Action = "users.reset_mfa"
	ActEditProfile        Action = "users.edit"
	ActDeleteUser         Action = "users.delete"
	ActReadAudit          Action = "audit.read"
	ActManageClients      Action = "clients.manage"
	ActManageTenants      Action = "tenants.manage"
	ActManageKeys         Action = "keys.manage"
	ActManageVenueRoles   Action = "venues.roles"
)

// Actions lists every action (the console's role × action table test).
var Actions = []Action{ActReadUsers, ActUnlock, ActResendVerification, ActPasswordReset, ActRevokeSessions,
	ActDisableUser, ActResetMFA, ActEditProfile, ActDeleteUser, ActReadAudit, ActManageClients, ActManageTenants,
	ActManageKeys, ActManageVenueRoles}

// supportActions are what a support agent (roles.PermSupport) may do in
// its own tenant: read, unlock, resend verification, start a password
// reset and revoke sessions. No deletes, no clients, no keys.
var supportActions = map[Action]bool{
	ActReadUsers: true, ActUnlock: true, ActResendVerification: true, ActPasswordReset: true,
	ActRevokeSessions: true, ActReadAudit: true,
}

// Support reports whether p is a support agent of its tenant (and not an
// administrator, who may do more).
func (p Principal) Support() bool {
	return !p.Admin && p.Kind == KindUser && p.Authz.Can(roles.PermSupport)
}

// May reports whether p may take the action in its own tenant (a
// platform administrator: in any tenant). Four kinds of principal:
//
//   - platform administrator (administrator of the default tenant, the
//     CLI): everything, every tenant;
//   - tenant administrator (roles.PermAdmin): everything in its tenant but
//     tenants and signing keys;
//   - support agent (roles.PermSupport): supportActions in its tenant;
//   - venue administrator (roles.PermManageRoles on a venue): the roles of
//     its venues only.
func (p Principal) May(act Action) bool {
	switch {
	case act == ActManageTenants || act == ActManageKeys:
		return p.Platform()
	case act == ActManageVenueRoles:
		return delegate(p)
	case p.Admin:
		return true
	}
	return p.Support() && supportActions[act]
}

// Console reports whether p may use the operator console at all.
func (p Principal) Console() bool {
	for _, a := range Actions {
		if p.May(a) {
			return true
		}
	}
	return false
}

// allow checks that p may take the action in tenantID: an administrator
// of the tenant (inTenant), or a support agent of the tenant for a
// support action.
func (s *Service) allow(ctx context.Context, p Principal, tenantID string, act Action) error {
	if p.Support() && supportActions[act] {
		if p.TenantID == tenantID {
			return nil
		}
		return fmt.Errorf("%s may not act in tenant %s: %w", p.Actor(), tenantID, ErrForbidden)
	}
	if !p.May(act) && !p.Admin {
		return fmt.Errorf("%s may not %s: %w", p.Actor(), act, ErrForbidden)
	}
	return s.inTenant(ctx, p, tenantID)
}

// memberFor checks that p may take the action on users of tenantID, then
// finds the member (ErrNotFound for a user of another tenant).
func (s *Service) memberFor(ctx context.Context, p Principal, tenantID, userID string, act Action) (member, error) {
	if err := s.allow(ctx, p, tenantID, act); err != nil {
		return member{}, err
	}
	return s.member(ctx, tenantID, userID)
}
