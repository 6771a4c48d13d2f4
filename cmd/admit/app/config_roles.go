package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage/roles"
)

// RolesConfig is the `roles:` section of the YAML file:
//
//	roles:
//	  catalogue:                  # replaces the built-in catalogue
//	    - name: box-office
//	      description: Sells tickets at the venue.
//	      permissions: [tickets:sell, tickets:view]
//	      resource: venue         # a venue role; omit for a global role
//	  default_roles: [customer]   # every user's roles without a grant
//	  max_token_venues: 20        # ADMIT_ROLES_MAX_TOKEN_VENUES
//	  legacy_claims_clients: [shop]  # old service's claims too; ADMIT_ROLES_LEGACY_CLAIMS_CLIENTS
//
// Without a catalogue the built-in one (roles.Default) is used; without
// default_roles, [customer].
type RolesConfig struct {
	Catalogue      []roles.Role `yaml:"catalogue"`
	DefaultRoles   []string     `yaml:"default_roles"`
	MaxTokenVenues int          `yaml:"max_token_venues"`
	// LegacyClaimsClients: these clients' user access tokens also carry
	// the old auth-service's claims (type, role, venueRoles) for resource
	// servers not yet moved (ADMIT_ROLES_LEGACY_CLAIMS_CLIENTS, comma-separated).
	LegacyClaimsClients []string `yaml:"legacy_claims_clients"`
	envErr              error
}

// maxTokenVenuesLimit bounds max_token_venues: tokens travel in headers.
const maxTokenVenuesLimit = 1000

// TokenVenueLimit is the effective max_token_venues.
func (r RolesConfig) TokenVenueLimit() int {
	if r.MaxTokenVenues == 0 {
		return op.DefaultMaxTokenVenues
	}
	return r.MaxTokenVenues
}

// BuildCatalogue builds the configured catalogue.
func (r RolesConfig) BuildCatalogue() (*roles.Catalogue, error) {
	if r.Catalogue == nil && r.DefaultRoles == nil {
		return roles.Default(), nil
	}
	list := r.Catalogue
	if list == nil {
		list = roles.Default().Roles()
	}
	defaults := r.DefaultRoles
	if defaults == nil {
		defaults = []string{roles.Customer}
	}
	return roles.New(list, defaults)
}

func applyRolesEnv(cfg *Config, getenv func(string) string) {
	cfg.Roles.envErr = nil
	if s := getenv("ADMIT_ROLES_LEGACY_CLAIMS_CLIENTS"); s != "" {
		cfg.Roles.LegacyClaimsClients = nil
		for _, id := range strings.Split(s, ",") {
			if id = strings.TrimSpace(id); id != "" {
				cfg.Roles.LegacyClaimsClients = append(cfg.Roles.LegacyClaimsClients, id)
			}
		}
	}
	if s := getenv("ADMIT_ROLES_MAX_TOKEN_VENUES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			cfg.Roles.envErr = fmt.Errorf("ADMIT_ROLES_MAX_TOKEN_VENUES %q: want a number of venues such as 20", s)
			return
		}
		cfg.Roles.MaxTokenVenues = n
	}
}

func (r RolesConfig) validate() error {
	errs := []error{r.envErr}
	if r.MaxTokenVenues < 0 || r.MaxTokenVenues > maxTokenVenuesLimit {
		errs = append(errs, fmt.Errorf("roles.max_token_venues %d: want 1 to %d (0: the default, %d)", r.MaxTokenVenues, maxTokenVenuesLimit, op.DefaultMaxTokenVenues))
	}
	if _, err := r.BuildCatalogue(); err != nil {
		errs = append(errs, fmt.Errorf("roles: %w", err))
	}
	return errors.Join(errs...)
}

// initRoles builds the role catalogue and its public document.
func (a *App) initRoles() error {
	c, err := a.Config.Roles.BuildCatalogue()
	if err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	body, err := json.Marshal(rolesDocument{Roles: c.Roles(), DefaultRoles: c.Defaults()})
	if err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	a.Roles, a.rolesDoc = c, body
	return nil
}

// rolesDocument is GET /.well-known/admit-roles.json: the catalogue is not
// secret, and resource servers map the venue_roles claim to permissions
// with it.
type rolesDocument struct {
	Roles        []roles.Role `json:"roles"`
	DefaultRoles []string     `json:"default_roles"`
}

// RolesPath is where the role catalogue is published.
const RolesPath = "/.well-known/admit-roles.json"

func (a *App) rolesCatalogue(w http.ResponseWriter, _ *http.Request) {
	writeCacheableJSON(w, a.rolesDoc)
}
