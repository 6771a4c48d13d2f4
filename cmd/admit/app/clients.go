package app

import (
	"context"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// ClientSpec is what an operator registers (`admit clients add`); its
// validation lives in the admin service (storage/admin), shared with the admin
// API.
type ClientSpec = admin.ClientSpec

// AddClient validates and stores a client of the default tenant through
// the admin service, as the operator ("cli"). For confidential clients
// that authenticate with a secret it returns the generated secret: shown
// once, stored only as a hash.
func (a *App) AddClient(ctx context.Context, s ClientSpec) (secret string, err error) {
	_, secret, err = a.Admin.CreateClient(ctx, admin.CLI(), storage.DefaultTenantID, s)
	return secret, err
}
