package app

import (
	"context"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login/venues"
	"github.com/admit-idp/admit/op/adminapi"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/audit"
	"github.com/admit-idp/admit/storage/roles"
)

// AdminPath is where the admin API is mounted.
const AdminPath = "/admin/v1"

// addAdmin builds the administration service shared by the admin API, the
// CLI and the account area (venue roles). It runs after the defences (the
// unlock action reuses the lockout's unlock) and the accounts feature (the
// password policy).
func (a *App) addAdmin() {
	cat := a.Roles
	if cat == nil {
		cat = roles.Default()
	}
	s := &admin.Service{
		Store: adminStore{Durable: a.Stores.Durable, audit: a.Audit}, Revocations: a.Stores.Ephemeral,
		Catalogue: cat, Keys: a.Keys, Audit: a.Audit, Hasher: a.Hasher, Now: a.Now,
		SigningAlgs: algNames(a.Keys.SigningAlgorithms()),
	}
	if a.Defences != nil {
		g := a.Defences
		s.Unlock = func(ctx context.Context, u storage.User) error {
			return g.Unlocked(ctx, u.Email, u, storage.UnlockByAdmin)
		}
	}
	if a.Accounts != nil && a.Accounts.Service != nil && a.Accounts.Service.Policy != nil {
		// The admin API and CLI answer in English (no locale in the context).
		pol := a.Accounts.Service.Policy
		s.PasswordPolicy = func(pw, email string) string { return pol.Check(pw, email) }
	}
	if a.Stores.Pool != nil {
		s.Importer = userImporter{a}
	}
	a.Admin = s
	a.Account.Sections = append(a.Account.Sections,
		&venues.Section{Area: a.Account, Admin: s, Catalogue: cat, Users: a.Stores.Durable})
}

// adminRoutes mounts the admin API: JSON only, never cached, no page
// middleware (no CSRF: it authenticates with Bearer tokens, never cookies).
func (a *App) adminRoutes(r chi.Router) {
	r.Use(apiHeaders)
	h := &adminapi.Handler{Service: a.Admin, Tokens: a.opStorage(a.logout), Logger: a.Logger}
	r.Mount(AdminPath, h.Routes())
}

// adminStore audits the Directory's client deletion as the durable
// store's DeleteClient is ("client.deleted", see audit.go), so the log
// reads the same whichever path removed a client.
type adminStore struct {
	storage.Durable
	audit audit.Auditor
}

func (s adminStore) DeleteTenantClient(ctx context.Context, tenantID, clientID string) error {
	err := s.Durable.DeleteTenantClient(ctx, tenantID, clientID)
	if err == nil {
		e := audit.Event{Event: "client.deleted", Outcome: audit.Success, TenantID: tenantID, ClientID: clientID}
		if audit.RequestFrom(ctx).RequestID == "" {
			e.ActorID = "cli"
		}
		s.audit.Record(ctx, e)
	}
	return err
}
