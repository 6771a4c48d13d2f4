package importer_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/storage/admin/importer"
	"github.com/admit-idp/admit/storage/postgres"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

// synthetic yields n users with every factor: a bcrypt hash, TOTP with 10
// backup codes, an Ethereum wallet in lower case, a Google identity and a
// venue role.
type synthetic struct{ i, n int }

func (s *synthetic) Next() (importer.Record, error) {
	if s.i == s.n {
		return importer.Record{}, io.EOF
	}
	s.i++
	id := fmt.Sprintf("bench-%08d", s.i)
	var addr [20]byte
	binary.BigEndian.PutUint64(addr[12:], uint64(s.i))
	codes := make([]string, 10)
	for j := range codes {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%04X-%04X", s.i%65536, j)))
		codes[j] = hex.EncodeToString(sum[:])
	}
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	return importer.Record{
		ID: id, Email: id + "@example.com", EmailVerified: true, GivenName: "Bench", FamilyName: strconv.Itoa(s.i),
		CreatedAt:   time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Password:    &importer.Password{Hash: "$2b$10$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
		TOTP:        &importer.TOTP{Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"},
		BackupCodes: &importer.BackupCodes{Scheme: importer.SchemeLegacySHA256, Hashes: codes},
		Wallets:     []importer.Wallet{{Namespace: "eip155", Address: "0x" + hex.EncodeToString(addr[:])}},
		Identities:  []importer.Identity{{Provider: "google", Subject: "g-" + id}},
		Roles:       []importer.Role{{Role: "box-office", VenueID: fmt.Sprintf("venue-%d", s.i%1000), ExpiresAt: &exp}},
	}, nil
}

// BenchmarkImport imports ADMIT_IMPORT_BENCH_USERS users (default 10,000)
// with every factor into a fresh local Postgres and reports users/s and
// the time a million would take at that rate. Run it once:
//
//	ADMIT_IMPORT_BENCH_USERS=100000 go test ./storage/admin/importer -run '^$' -bench Import -benchtime 1x
func BenchmarkImport(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("ADMIT_IMPORT_BENCH_USERS")); err == nil && v > 0 {
		n = v
	}
	mk, _ := keys.GenerateMasterKey()
	sealer, _ := keys.NewSealer(mk)
	for range b.N {
		b.StopTimer()
		pool, err := postgres.Connect(context.Background(), pgtest.NewDatabase(b))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := importer.Run(context.Background(), &synthetic{n: n}, &importer.Postgres{Pool: pool, Sealer: sealer},
			importer.Options{Sealer: sealer, CheckHash: acceptHash, BatchSize: 5000})
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		b.StopTimer()
		if rep.Inserted != n {
			b.Fatalf("report: inserted %d of %d, skipped %v", rep.Inserted, n, rep.Skipped[:min(3, len(rep.Skipped))])
		}
		b.ReportMetric(float64(n)/d.Seconds(), "users/s")
		b.ReportMetric(1e6/(float64(n)/d.Seconds()), "s/1M-users")
		pool.Close()
		b.StartTimer()
	}
}
