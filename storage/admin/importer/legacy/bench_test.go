package legacy_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/storage/admin/importer"
	"github.com/admit-idp/admit/storage/admin/importer/legacy"
	"github.com/admit-idp/admit/storage/admin/importer/legacy/legacytest"
	"github.com/admit-idp/admit/storage/postgres"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

// BenchmarkLegacyImport is `admit import legacy` end to end: an old
// database with ADMIT_IMPORT_BENCH_USERS users (default 10,000), each with
// a bcrypt hash, a sealed TOTP secret, 10 backup codes, a lower-case
// Ethereum wallet, a Google connection and a venue role, read, checked
// (every secret opened first), converted and written. Run it once:
//
//	ADMIT_IMPORT_BENCH_USERS=100000 go test ./storage/admin/importer/legacy -run '^$' -bench Legacy -benchtime 1x
func BenchmarkLegacyImport(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("ADMIT_IMPORT_BENCH_USERS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	mk, _ := keys.GenerateMasterKey()
	sealer, _ := keys.NewSealer(mk)
	for range b.N {
		b.StopTimer()
		fx := legacytest.Build(b)
		src, err := pgx.Connect(ctx, fx.URL)
		if err != nil {
			b.Fatal(err)
		}
		secret := legacytest.Encrypt(b, legacytest.JWTAccessSecret, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
		for _, q := range []string{
			`INSERT INTO users (id, email, password_hash, first_name, last_name, email_verified, mfa_enabled, mfa_secret, backup_codes)
			SELECT md5('u' || i)::uuid, 'bench' || i || '@example.com', (SELECT password_hash FROM users LIMIT 1),
				'Bench', i::text, true, true, $2,
				(SELECT jsonb_agg(encode(sha256(convert_to(lpad(to_hex(i % 65536), 4, '0') || '-' || lpad(j::text, 4, '0'), 'UTF8')), 'hex')) FROM generate_series(1, 10) j)
			FROM generate_series(1, $1::int) i`,
			`INSERT INTO wallet_connections (user_id, wallet_address, network, verified)
			SELECT md5('u' || i)::uuid, '0x' || lpad(to_hex(i), 40, '0'), 'ethereum', true FROM generate_series(1, $1::int) i WHERE $2::text <> ''`,
			`INSERT INTO oauth_connections (id, user_id, provider, provider_user_id)
			SELECT md5('o' || i)::uuid, md5('u' || i)::uuid, 'google', 'g' || i FROM generate_series(1, $1::int) i WHERE $2::text <> ''`,
			`INSERT INTO user_venue_roles (user_id, venue_id, role, granted_by, expires_at)
			SELECT md5('u' || i)::uuid, md5('v' || (i % 1000))::uuid, 'box-office', md5('u' || i)::uuid, now() + interval '1 year'
			FROM generate_series(1, $1::int) i WHERE $2::text <> ''`,
		} {
			if _, err := src.Exec(ctx, q, n, secret); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := src.Exec(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
		pool, err := postgres.Connect(ctx, pgtest.NewDatabase(b))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := legacy.Import(ctx, src, pool, legacytest.JWTAccessSecret,
			importer.Options{Sealer: sealer, CheckHash: bcryptOnly, BatchSize: 5000})
		d := time.Since(start)
		b.StopTimer()
		if err != nil || rep.Inserted != n+5 {
			b.Fatalf("import: %v; inserted %d of %d, skipped %v", err, rep.Inserted, n+5, rep.Skipped[:min(3, len(rep.Skipped))])
		}
		b.ReportMetric(float64(n)/d.Seconds(), "users/s")
		b.ReportMetric(1e6/(float64(n)/d.Seconds()), "s/1M-users")
		pool.Close()
		_ = src.Close(ctx)
		b.StartTimer()
	}
}
