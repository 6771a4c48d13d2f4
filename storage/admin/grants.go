package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/roles"
)

// GrantInput gives a user a role, globally or (VenueID) for one venue.
type GrantInput struct {
	// User is the user's ID or e-mail address (in the tenant).
	User    string
	Role    string
	VenueID string
	// ExpiresAt ends the grant; zero: it does not expire. It must be in
	// the future.
	ExpiresAt time.Time
}

// GrantQuery selects grants of a tenant; zero fields match everything.
type GrantQuery struct {
	User    string // ID or e-mail
	Role    string
	VenueID string
	// InForce keeps only grants in force now (active, not expired).
	InForce bool
}

func validVenue(field, id string) error {
	if !storage.ValidVenueID(id) {
		return invalid(field, "venue id %q: 1-128 characters of A-Z a-z 0-9 . _ : -", id)
	}
	return nil
}

// Roles is the role catalogue, for administrators and delegated venue
// administrators.
func (s *Service) Roles(p Principal) ([]roles.Role, error) {
	if !delegate(p) {
		return nil, fmt.Errorf("%s administers nothing: %w", p.Actor(), ErrForbidden)
	}
	return s.Catalogue.Roles(), nil
}

// authorizeGrants checks p for the grants of a venue (delegation allowed)
// or of the whole tenant.
func (s *Service) authorizeGrants(ctx context.Context, p Principal, tenantID, venueID string) error {
	if venueID != "" {
		return s.onVenue(ctx, p, tenantID, venueID)
	}
	return s.inTenant(ctx, p, tenantID)
}

// resolveUser finds a user of the tenant by ID or e-mail; ErrNotFound for
// a user of another tenant.
func (s *Service) resolveUser(ctx context.Context, tenantID, user string) (storage.User, error) {
	if strings.Contains(user, "@") {
		u, err := s.Store.GetUserByEmail(ctx, tenantID, NormaliseEmail(user))
		if err == nil && tenantOr(u.TenantID) != tenantID {
			err = storage.ErrNotFound // defence in depth: never another tenant's user
		}
		return u, mapErr(err, "user "+user)
	}
	return s.tenantUser(ctx, tenantID, user)
}

// CreateGrant gives a user of the tenant a role. Tenant administrators
// grant any role; a delegated venue administrator only roles of its venues.
// The role must exist and fit: a venue role needs VenueID, a global role
// must not have one.
func (s *Service) CreateGrant(ctx context.Context, p Principal, tenantID string, in GrantInput) (storage.RoleGrant, error) {
	if err := s.authorizeGrants(ctx, p, tenantID, in.VenueID); err != nil {
		return storage.RoleGrant{}, err
	}
	now := s.now()
	var errs problems
	if in.User == "" {
		errs.add("user_id", "user_id: required")
	}
	role, ok := s.Catalogue.Role(in.Role)
	switch {
	case !ok:
		errs.add("role", "role %q: not in the catalogue (GET /admin/v1/roles)", in.Role)
	case role.Resource == storage.ResourceVenue && in.VenueID == "":
		errs.add("venue_id", "role %q is granted per venue: give venue_id", in.Role)
	case role.Resource == "" && in.VenueID != "":
		errs.add("role", "role %q is a global role: it cannot be granted for a venue", in.Role)
	}
	if in.VenueID != "" {
		if err := validVenue("venue_id", in.VenueID); err != nil {
			errs = append(errs, err.(*ValidationError).Errors...)
		}
	}
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		errs.add("expires_at", "expires_at: must be in the future")
	}
	if err := errs.err(); err != nil {
		return storage.RoleGrant{}, err
	}
	u, err := s.resolveUser(ctx, tenantID, in.User)
	if err != nil {
		return storage.RoleGrant{}, err
	}
	if u.Disabled {
		return storage.RoleGrant{}, invalid("user_id", "user %s is disabled or deleted: enable the account before granting it a role", u.ID)
	}
	if err := s.delegatedLimit(p, u.ID, in); err != nil {
		return storage.RoleGrant{}, err
	}
	g := storage.RoleGrant{
		ID: s.newID(), TenantID: tenantID, UserID: u.ID, Role: role.Name, GrantedBy: p.Actor(), GrantedAt: now,
		ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Microsecond), Active: true,
	}
	if in.VenueID != "" {
		g.ResourceType, g.ResourceID = storage.ResourceVenue, in.VenueID
	}
	stored, err := s.Store.PutRoleGrant(ctx, g)
	if err != nil {
		return storage.RoleGrant{}, mapErr(err, "grant")
	}
	event := "admin.grant.created"
	if stored.ID != g.ID { // the user held the role already: its expiry was replaced
		event = "admin.grant.updated"
	}
	s.record(ctx, p, tenantID, event, storage.AuditEvent{UserID: u.ID, Details: grantDetails(stored)})
	return stored, nil
}

// delegatedLimit bounds what a delegated venue administrator (a user who is
// not a tenant administrator) may grant: never to themselves (an owner
// whose ownership expires could otherwise make it permanent), and never
// for longer than their own right to manage the venue lasts.
func (s *Service) delegatedLimit(p Principal, userID string, in GrantInput) error {
	if p.Admin || p.Kind != KindUser {
		return nil
	}
	if userID == p.UserID {
		return fmt.Errorf("%s may not grant roles to themselves: %w", p.Actor(), ErrSelfGrant)
	}
	until, forever := s.manageUntil(p, in.VenueID)
	if forever {
		return nil
	}
	if in.ExpiresAt.IsZero() || in.ExpiresAt.After(until) {
		return invalid("expires_at", "expires_at: your own right to manage this venue ends at %s; a role you grant must end by then", until.UTC().Format(time.RFC3339))
	}
	return nil
}

// manageUntil is when p's right to manage the venue's roles ends: the
// latest expiry of the grants giving it, on the venue or globally (forever
// if one does not expire).
func (s *Service) manageUntil(p Principal, venueID string) (until time.Time, forever bool) {
	for _, g := range p.Grants {
		role, ok := s.Catalogue.Role(g.Role)
		onVenue := g.ResourceType == storage.ResourceVenue && g.ResourceID == venueID
		if !ok || !(onVenue || g.Global()) {
			continue
		}
		if !slices.Contains(role.Permissions, roles.Wildcard) && !slices.Contains(role.Permissions, roles.PermManageRoles) {
			continue
		}
		if g.ExpiresAt.IsZero() {
			return time.Time{}, true
		}
		if g.ExpiresAt.After(until) {
			until = g.ExpiresAt
		}
	}
	return until, false
}

func grantDetails(g storage.RoleGrant) map[string]string {
	d := map[string]string{"grant_id": g.ID, "role": g.Role}
	if g.ResourceID != "" {
		d[g.ResourceType+"_id"] = g.ResourceID
	}
	if !g.ExpiresAt.IsZero() {
		d["expires_at"] = g.ExpiresAt.Format(time.RFC3339)
	}
	return d
}

// RevokeGrants revokes the active grants of a user of the tenant that
// match q (Role and VenueID narrow it; InForce is ignored) and returns
// them. Revoking nothing is not an error.
func (s *Service) RevokeGrants(ctx context.Context, p Principal, tenantID string, q GrantQuery) ([]storage.RoleGrant, error) {
	if err := s.authorizeGrants(ctx, p, tenantID, q.VenueID); err != nil {
		return nil, err
	}
	if q.User == "" {
		return nil, invalid("user_id", "user_id: required")
	}
	f, err := s.grantFilter(tenantID, q)
	if err != nil {
		return nil, err
	}
	u, err := s.resolveUser(ctx, tenantID, q.User)
	if err != nil {
		return nil, err
	}
	f.UserID = u.ID
	revoked, err := s.Store.RevokeRoleGrants(ctx, f, p.Actor(), s.now())
	if err != nil {
		return nil, err
	}
	for _, g := range revoked {
		s.record(ctx, p, tenantID, "admin.grant.revoked", storage.AuditEvent{UserID: u.ID, Details: grantDetails(g)})
	}
	if revoked == nil {
		revoked = []storage.RoleGrant{}
	}
	return revoked, nil
}

func (s *Service) grantFilter(tenantID string, q GrantQuery) (storage.GrantFilter, error) {
	f := storage.GrantFilter{TenantID: tenantID, Role: q.Role}
	if q.VenueID != "" {
		if err := validVenue("venue_id", q.VenueID); err != nil {
			return f, err
		}
		f.ResourceType, f.ResourceID = storage.ResourceVenue, q.VenueID
	}
	if q.Role != "" {
		r, ok := s.Catalogue.Role(q.Role)
		switch {
		case !ok:
			return f, invalid("role", "role %q: not in the catalogue", q.Role)
		case r.Resource == "" && q.VenueID != "":
			return f, invalid("role", "role %q is a global role: it cannot be granted for a venue", q.Role)
		case r.Resource == "":
			f.Global = true
		}
	}
	if q.InForce {
		f.InForceAt = s.now()
	}
	return f, nil
}

// ListGrants lists grants of the tenant (of one venue for a delegated
// venue administrator).
func (s *Service) ListGrants(ctx context.Context, p Principal, tenantID string, q GrantQuery, pg Page) (List[storage.RoleGrant], error) {
	if err := s.authorizeGrants(ctx, p, tenantID, q.VenueID); err != nil {
		return List[storage.RoleGrant]{}, err
	}
	return s.listGrants(ctx, tenantID, q, pg)
}

func (s *Service) listGrants(ctx context.Context, tenantID string, q GrantQuery, pg Page) (List[storage.RoleGrant], error) {
	f, err := s.grantFilter(tenantID, q)
	if err != nil {
		return List[storage.RoleGrant]{}, err
	}
	req, err := pg.request()
	if err != nil {
		return List[storage.RoleGrant]{}, err
	}
	if q.User != "" {
		u, err := s.resolveUser(ctx, tenantID, q.User)
		if errors.Is(err, ErrNotFound) {
			return List[storage.RoleGrant]{Items: []storage.RoleGrant{}}, nil
		}
		if err != nil {
			return List[storage.RoleGrant]{}, err
		}
		f.UserID = u.ID
	}
	page, err := s.Store.ListRoleGrants(ctx, f, req)
	return listOf(page), err
}

// GrantVenueRole gives a user (ID or e-mail) a venue role. tenantID ""
// means the principal's tenant (the account area's venue roles page).
func (s *Service) GrantVenueRole(ctx context.Context, p Principal, tenantID, venueID, user, role string, expiresAt time.Time) (storage.RoleGrant, error) {
	if venueID == "" {
		return storage.RoleGrant{}, invalid("venue_id", "venue_id: required")
	}
	return s.CreateGrant(ctx, p, cmpTenant(tenantID, p), GrantInput{User: user, Role: role, VenueID: venueID, ExpiresAt: expiresAt})
}

// RevokeVenueRoles revokes every role the user holds at the venue.
func (s *Service) RevokeVenueRoles(ctx context.Context, p Principal, tenantID, venueID, user string) ([]storage.RoleGrant, error) {
	if venueID == "" {
		return nil, invalid("venue_id", "venue_id: required")
	}
	return s.RevokeGrants(ctx, p, cmpTenant(tenantID, p), GrantQuery{User: user, VenueID: venueID})
}

// ListVenueRoles lists the grants in force at the venue, for tenant
// administrators and anyone holding a role there (managing them needs
// roles.PermManageRoles).
func (s *Service) ListVenueRoles(ctx context.Context, p Principal, tenantID, venueID string, pg Page) (List[storage.RoleGrant], error) {
	if venueID == "" {
		return List[storage.RoleGrant]{}, invalid("venue_id", "venue_id: required")
	}
	tenantID = cmpTenant(tenantID, p)
	if err := s.venueAccess(ctx, p, tenantID, venueID); err != nil {
		return List[storage.RoleGrant]{}, err
	}
	return s.listGrants(ctx, tenantID, GrantQuery{VenueID: venueID, InForce: true}, pg)
}

func cmpTenant(tenantID string, p Principal) string {
	if tenantID == "" {
		return p.TenantID
	}
	return tenantID
}
