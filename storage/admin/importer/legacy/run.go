package legacy

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/storage/admin/importer"
)

// Import is `admit import legacy`: it checks the legacy key against every
// old TOTP secret before anything is written, then imports the old
// tenants and users into Admit's database through the shared importer.
// o.LegacyKey is set from jwtAccessSecret.
func Import(ctx context.Context, src *pgx.Conn, dst *pgxpool.Pool, jwtAccessSecret string, o importer.Options) (*importer.Report, error) {
	if jwtAccessSecret != "" {
		key, err := importer.LegacyKey(jwtAccessSecret)
		if err != nil {
			return nil, err
		}
		o.LegacyKey = key
	}
	if _, _, err := CheckKey(ctx, src, o.LegacyKey); err != nil {
		return nil, err
	}
	tenants, err := Tenants(ctx, src)
	if err != nil {
		return nil, err
	}
	w := &importer.Postgres{Pool: dst, Sealer: o.Sealer, Now: o.Now}
	for _, t := range tenants {
		w.Tenants = append(w.Tenants, importer.Tenant{ID: t.ID, Slug: t.Slug, Name: t.Name, Suspended: t.Status != "active"})
	}
	s, err := Open(ctx, src)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	rep, err := importer.Run(ctx, s, w, o)
	if err != nil {
		return rep, fmt.Errorf("legacy import: %w", err)
	}
	return rep, nil
}
