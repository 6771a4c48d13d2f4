package app

import (
	"context"
	"io"

	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage/admin/importer"
)

// CheckImportedHash is the importer's hash check: a format login/password
// verifies (and upgrades at the first sign-in), recognised without hashing.
func CheckImportedHash(hash string) error {
	_, err := password.Format(hash)
	return err
}

// userImporter is the admin API's import: the importer `admit import file`
// runs, with the Postgres writer, for one tenant.
type userImporter struct{ a *App }

func (u userImporter) ImportUsers(ctx context.Context, tenantID string, body io.Reader, dry bool) (*importer.Report, error) {
	w := &importer.Postgres{Pool: u.a.Stores.Pool, Sealer: u.a.Stores.Sealer, Now: u.a.Now}
	return importer.Run(ctx, importer.NewJSONL(body), w, importer.Options{
		Sealer: u.a.Stores.Sealer, CheckHash: CheckImportedHash, Tenant: tenantID, DryRun: dry, Now: u.a.Now,
	})
}
