package password

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/alexedwards/argon2id"
	"golang.org/x/crypto/bcrypt"
)

// OWASP holds the OWASP-recommended argon2id parameters (m=19 MiB, t=2, p=1).
var OWASP = argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// ErrMismatch is returned when the password does not match the hash.
var ErrMismatch = errors.New("password: mismatch")

// Result of a successful verification.
type Result struct {
	// NeedsRehash is true when the hash is bcrypt or argon2id with parameters
	// other than the hasher's; the caller should store Hash(password).
	NeedsRehash bool
}

// Hasher hashes with fixed argon2id parameters. The zero value is not usable;
// use New.
type Hasher struct {
	params    argon2id.Params
	dummyHash string
	// budget bounds concurrent hashes: each takes params.Memory KiB (19 MiB
	// with OWASP), so a burst of login POSTs queues there (FIFO, bounded
	// wait) instead of exhausting memory and starving the other endpoints
	// (budget.go).
	budget *Budget
	// procs, when set, runs the hashes in child processes (process.go).
	procs *ProcessPool
}

// Params are h's argon2id parameters.
func (h *Hasher) Params() argon2id.Params { return h.params }

// UseProcesses makes h run its hashes in p's processes (falling back to
// this process when one fails). Call it before h is used.
func (h *Hasher) UseProcesses(p *ProcessPool) { h.procs = p }

// Processes is the pool h hashes in, or nil.
func (h *Hasher) Processes() *ProcessPool { return h.procs }

// runHash is hash, in a hash process when h has them.
func (h *Hasher) runHash(pw string) (string, error) {
	if h.procs != nil {
		if a, err := h.procs.do('h', pw, ""); err == nil {
			if err := a.err(); err != nil {
				return "", err
			}
			return a.text, nil
		}
	}
	return h.hash(pw)
}

// runVerify is verify, in a hash process when h has them.
func (h *Hasher) runVerify(pw, stored string) (Result, error) {
	if h.procs != nil {
		if a, err := h.procs.do('v', pw, stored); err == nil {
			return Result{NeedsRehash: a.rehash}, a.err()
		}
	}
	return h.verify(pw, stored)
}

// owaspDummyHash is an argon2id hash of a throwaway string with the OWASP
// parameters, made once offline (TestOWASPDummyHash checks it): with
// OWASP, New needs no hash of its own at start, whose 19 MiB would be the
// server's peak before it serves anything. VerifyUnknown only needs a
// hash of the right cost; what it hashes is never compared with anything.
const owaspDummyHash = "$argon2id$v=19$m=19456,t=2,p=1$NMrSmmGjWIrzLWVW3wSy/g$bPX0llQUYSJWUpaB8EHeDvOm7gcSjwWOr14fuQ7qn6Q"

// New returns a Hasher with the given parameters (use OWASP).
func New(params argon2id.Params) (*Hasher, error) {
	h := &Hasher{params: params, budget: NewBudget(DefaultConcurrency(), DefaultQueueWait)}
	if params == OWASP {
		h.dummyHash = owaspDummyHash
		return h, nil
	}
	dummy, err := h.Hash("admit-timing-equaliser")
	if err != nil {
		return nil, err
	}
	h.dummyHash = dummy
	return h, nil
}

// Hash returns a PHC-formatted argon2id hash of pw, within the hash budget
// (HashContext without a caller to go away).
func (h *Hasher) Hash(pw string) (string, error) {
	return h.HashContext(context.Background(), pw)
}

func (h *Hasher) hash(pw string) (string, error) {
	p := h.params
	hash, err := argon2id.CreateHash(pw, &p)
	if err != nil {
		return "", fmt.Errorf("password: hash: %w", err)
	}
	return hash, nil
}

// Verify checks pw against a stored hash. It returns ErrMismatch for a wrong
// password, ErrBusy when the hash budget had no slot in time, and another
// error for an unreadable hash.
func (h *Hasher) Verify(pw, hash string) (Result, error) {
	return h.VerifyContext(context.Background(), pw, hash)
}

func (h *Hasher) verify(pw, hash string) (Result, error) {
	if isBcrypt(hash) {
		return h.verifyBcrypt(pw, hash)
	}
	if !strings.HasPrefix(hash, "$argon2id$") {
		return verifyForeign(pw, hash)
	}
	// A stored argon2id hash may be imported: hold it to the same work
	// bounds as the other imported formats before hashing.
	if _, err := parseArgon2(hash); err != nil {
		return Result{}, fmt.Errorf("password: unreadable hash: %w", err)
	}
	match, params, err := argon2id.CheckHash(pw, hash)
	if err != nil {
		return Result{}, fmt.Errorf("password: unreadable hash: %w", err)
	}
	if !match {
		return Result{}, ErrMismatch
	}
	return Result{NeedsRehash: *params != h.params}, nil
}

// VerifyUnknown burns the time of one verification and always fails. Call it
// when the account does not exist (or has no password) so that the response
// time does not reveal that.
func (h *Hasher) VerifyUnknown(pw string) error {
	return h.VerifyUnknownContext(context.Background(), pw)
}

func (h *Hasher) verifyBcrypt(pw, hash string) (Result, error) {
	if _, err := bcryptCost(hash); err != nil {
		return Result{}, fmt.Errorf("password: unreadable bcrypt hash: %w", err)
	}
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw))
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return Result{}, ErrMismatch
	}
	if err != nil {
		return Result{}, fmt.Errorf("password: unreadable bcrypt hash: %w", err)
	}
	return Result{NeedsRehash: true}, nil
}

// isBcrypt recognises every bcrypt variant: $2$ (the original), $2a$, $2b$
// (OpenBSD), $2y$ (PHP's crypt_blowfish) and $2x$ (its hashes from the
// buggy version, which x/crypto verifies like $2a$).
func isBcrypt(hash string) bool {
	for _, p := range []string{"$2$", "$2a$", "$2b$", "$2x$", "$2y$"} {
		if strings.HasPrefix(hash, p) {
			return true
		}
	}
	return false
}

func bcryptCost(hash string) (int, error) {
	c, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		return 0, fmt.Errorf("%w: bcrypt: %v", ErrUnknownFormat, err)
	}
	// bcrypt accepts costs up to 31 (2^31 rounds, hours per check); an
	// imported hash above maxBcryptCost would let one sign-in stall a core.
	if c > maxBcryptCost {
		return 0, fmt.Errorf("%w: bcrypt: cost %d above %d", ErrUnknownFormat, c, maxBcryptCost)
	}
	return c, nil
}
