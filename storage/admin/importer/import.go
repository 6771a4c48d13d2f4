package importer

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
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
	// CheckHash recognises a password hash without hashing (login/password
	// Format, wired by cmd: the login layer sits above this one); a hash it
	// refuses skips the record. Required.
	CheckHash func(hash string) error
	// LegacyKey opens legacy-aes-256-gcm TOTP secrets (see LegacyKey).
	LegacyKey []byte
	// Tenant, when set, restricts the import to that tenant's records
	// (the admin API's per-tenant import).
	Tenant string
	DryRun bool
	// BatchSize is the number of users per transaction (default 2000).
	BatchSize int
	// Writers is the number of batches written at once (default 2).
	Writers int
	// Progress, when set, is called after each batch with the number of
	// records read so far.
	Progress func(read int)
	Now      func() time.Time
}

// Run reads every record of src, prepares it and writes it in batches.
// The error is for a failure that stops the import (the source or the
// database); records that cannot be imported are in the report.
//
// Preparing (one goroutine) and writing (Options.Writers transactions at a
// time) overlap, so Go and Postgres use both cores of a small machine.
// Concurrent batches never share a user, e-mail, wallet or identity: the
// preparer has already dropped such duplicates.
func Run(ctx context.Context, src Source, w Writer, o Options) (*Report, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = 2000
	}
	if o.Writers <= 0 {
		o.Writers = 2
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sealer == nil || o.CheckHash == nil {
		return nil, errors.New("import: Options.Sealer and Options.CheckHash are required")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	rep := newReport(o.DryRun)
	var mu sync.Mutex // guards rep once the writers run
	batches := make(chan []User)
	var wg sync.WaitGroup
	for range o.Writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if err := writeBatch(ctx, w, b, o.DryRun, rep, &mu); err != nil {
					cancel(err)
					return
				}
				if o.Progress != nil {
					mu.Lock()
					o.Progress(rep.Read)
					mu.Unlock()
				}
			}
		}()
	}
	err := produce(ctx, src, o, rep, &mu, batches)
	close(batches)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return rep, cause
	}
	if err == nil {
		err = ctx.Err()
	}
	return rep, err
}

// produce reads and prepares records and sends them in batches.
func produce(ctx context.Context, src Source, o Options, rep *Report, mu *sync.Mutex, out chan<- []User) error {
	p := &preparer{sealer: o.Sealer, checkHash: o.CheckHash, legacyKey: o.LegacyKey, tenant: o.Tenant, now: o.Now()}
	seen := newSeen()
	batch := make([]User, 0, o.BatchSize)
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
		batch = make([]User, 0, o.BatchSize)
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := src.Next()
		if errors.Is(err, io.EOF) {
			return send()
		}
		if err != nil && !errors.Is(err, ErrBadRecord) {
			return err
		}
		mu.Lock()
		rep.Read++
		if err != nil {
			rep.Skipped = append(rep.Skipped, Skipped{Reason: ReasonBadRecord, Detail: err.Error()})
			mu.Unlock()
			continue
		}
		for k, n := range r.Dropped {
			rep.Dropped[k] += n
		}
		mu.Unlock()
		u, err := p.prepare(r)
		var se *skipError
		if errors.As(err, &se) {
			mu.Lock()
			rep.skip(r.ID, se)
			mu.Unlock()
			continue
		}
		if err != nil {
			return err
		}
		if se := seen.claim(u); se != nil {
			mu.Lock()
			rep.skip(u.ID, se)
			mu.Unlock()
			continue
		}
		batch = append(batch, u)
		if len(batch) == o.BatchSize {
			if err := send(); err != nil {
				return err
			}
		}
	}
}

func writeBatch(ctx context.Context, w Writer, batch []User, dry bool, rep *Report, mu *sync.Mutex) error {
	var skipped []Skipped
	res, err := w.WriteBatch(ctx, batch, dry, func(id, reason string) {
		skipped = append(skipped, Skipped{ID: id, Reason: reason})
	})
	if err != nil {
		return fmt.Errorf("import: write: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	rep.Skipped = append(rep.Skipped, skipped...)
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
	for _, pk := range u.Passkeys {
		k := key("p", string(pk.ID))
		if other, ok := s.creds[k]; ok {
			return &skipError{reason: ReasonPasskeyInUse, detail: "also on " + other}
		}
		ck = append(ck, k)
	}
	if u.PasskeyHandle != nil {
		k := key("h", string(u.PasskeyHandle))
		if other, ok := s.creds[k]; ok {
			return &skipError{reason: ReasonPasskeyInUse, detail: "user handle also on " + other}
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
