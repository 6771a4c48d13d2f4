package importer

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/admit-idp/admit/storage"
)

// Writer stores prepared users. WriteBatch writes every user of the batch
// whole or leaves it out, reporting each one it leaves out (a conflict with
// data already in Admit) through skip; in a dry run it must write nothing.
type Writer interface {
	WriteBatch(ctx context.Context, users []User, dry bool, skip func(id, reason string)) (BatchResult, error)
}

// BatchResult partitions the written users of a batch.
type BatchResult struct {
	Inserted, Updated, Unchanged int
	// Written lists the ids that were written (or would be, in a dry run).
	Written map[string]bool
}

// Options configure Run.
type Options struct {
	// Sealer seals TOTP secrets (keys.Sealer with the master key).
	Sealer sealer
	// LegacyKey opens legacy-aes-256-gcm TOTP secrets (see LegacyKey).
	LegacyKey []byte
	// Tenant, when set, restricts the import to that tenant's records
	// (the admin API's per-tenant import).
	Tenant string
	DryRun bool
	// BatchSize is the number of users per transaction (default 2000).
	BatchSize int
	// Progress, when set, is called after each batch with the number of
	// records read so far.
	Progress func(read int)
	Now      func() time.Time
}

// Run reads every record of src, prepares it and writes it in batches.
// The error is for a failure that stops the import (the source or the
// database); records that cannot be imported are in the report.
func Run(ctx context.Context, src Source, w Writer, o Options) (*Report, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = 2000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	rep := newReport(o.DryRun)
	p := &preparer{sealer: o.Sealer, legacyKey: o.LegacyKey, tenant: o.Tenant, now: o.Now()}
	seen := newSeen()
	batch := make([]User, 0, o.BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := writeBatch(ctx, w, batch, o.DryRun, rep); err != nil {
			return err
		}
		batch = batch[:0]
		if o.Progress != nil {
			o.Progress(rep.Read)
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		r, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, ErrBadRecord) {
			rep.Read++
			rep.Skipped = append(rep.Skipped, Skipped{Reason: ReasonBadRecord, Detail: err.Error()})
			continue
		}
		if err != nil {
			return rep, err
		}
		rep.Read++
		for k, n := range r.Dropped {
			rep.Dropped[k] += n
		}
		u, err := p.prepare(r)
		var se *skipError
		if errors.As(err, &se) {
			rep.skip(r.ID, se)
			continue
		}
		if err != nil {
			return rep, err
		}
		if se := seen.claim(u); se != nil {
			rep.skip(u.ID, se)
			continue
		}
		batch = append(batch, u)
		if len(batch) == o.BatchSize {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	return rep, flush()
}

func writeBatch(ctx context.Context, w Writer, batch []User, dry bool, rep *Report) error {
	res, err := w.WriteBatch(ctx, batch, dry, func(id, reason string) {
		rep.Skipped = append(rep.Skipped, Skipped{ID: id, Reason: reason})
	})
	if err != nil {
		return fmt.Errorf("import: write: %w", err)
	}
	rep.Inserted += res.Inserted
	rep.Updated += res.Updated
	rep.Unchanged += res.Unchanged
	for _, u := range batch {
		if res.Written[u.ID] {
			rep.count(u)
		}
	}
	return nil
}

// seen catches conflicts inside the source itself: the same id twice, an
// e-mail twice in a tenant, a wallet or identity on two users. Keys are
// hashed to 16 bytes so a million users stay within a few hundred MB.
type seen struct {
	ids, emails, creds map[[16]byte]string
}

func newSeen() *seen {
	return &seen{ids: map[[16]byte]string{}, emails: map[[16]byte]string{}, creds: map[[16]byte]string{}}
}

func key(parts ...string) [16]byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var k [16]byte
	copy(k[:], h.Sum(nil))
	return k
}

// claim records u's keys, or says which one another record holds. A
// skipped user claims nothing.
func (s *seen) claim(u User) *skipError {
	idk := key(u.ID)
	if _, ok := s.ids[idk]; ok {
		return &skipError{reason: ReasonDuplicateID}
	}
	var ek [16]byte
	if u.Email != "" {
		ek = key(u.TenantID, u.Email)
		if other, ok := s.emails[ek]; ok {
			return &skipError{reason: ReasonDuplicateEmail, detail: "first seen on " + other}
		}
	}
	var ck [][16]byte
	for _, w := range u.Wallets {
		k := key("w", w.Namespace, lowerIfEth(w))
		if other, ok := s.creds[k]; ok {
			return &skipError{reason: ReasonWalletInUse, detail: "also on " + other}
		}
		ck = append(ck, k)
	}
	for _, i := range u.Identities {
		k := key("i", i.ProviderID, i.Subject)
		if other, ok := s.creds[k]; ok {
			return &skipError{reason: ReasonIdentityInUse, detail: "also on " + other}
		}
		ck = append(ck, k)
	}
	s.ids[idk] = u.ID
	if u.Email != "" {
		s.emails[ek] = u.ID
	}
	for _, k := range ck {
		s.creds[k] = u.ID
	}
	return nil
}

func lowerIfEth(w storage.Wallet) string {
	if w.Namespace == "eip155" {
		return string(toLower([]byte(w.Address)))
	}
	return w.Address
}

func toLower(b []byte) []byte {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}
