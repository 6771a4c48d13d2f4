package password

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// ErrUnknownFormat: the stored hash is in no format Admit can verify.
var ErrUnknownFormat = errors.New("password: unknown hash format")

// Imported hash formats. Users moved from another system keep their
// password: the hash is verified in its own format and replaced with
// Admit's argon2id at the first successful login (Result.NeedsRehash).
// Every format is self-describing, so the import stores it unchanged.
//
//	bcrypt           $2a$ $2b$ $2y$ $2x$ $2$ (x/crypto/bcrypt)
//	argon2i/argon2id $argon2i$v=19$m=…,t=…,p=…$salt$hash (PHC, any parameters)
//	scrypt           $scrypt$ln=…,r=…,p=…$salt$hash (PHC / passlib)
//	Firebase scrypt  $firebase-scrypt$m=…,r=…$salt$separator$signerKey$hash (storage.FirebaseScryptHash)
//	PBKDF2           pbkdf2_sha256$iter$salt$hash, pbkdf2_sha512$… (Django)
//	                 $pbkdf2-sha256$i=…[,l=…]$salt$hash (PHC), $pbkdf2-sha256$iter$salt$hash (passlib)
type format struct {
	name string
	// parse decodes the hash without doing the expensive work, so the
	// importer can validate millions of hashes cheaply.
	parse func(hash string) (verifier, error)
}

// verifier recomputes the hash of a candidate password.
type verifier interface {
	matches(pw string) (bool, error)
}

var formats = []format{
	{"argon2", parseArgon2},
	{"scrypt", parseScrypt},
	{"firebase-scrypt", parseFirebaseScrypt},
	{"pbkdf2-django", parseDjangoPBKDF2},
	{"pbkdf2-phc", parsePHCPBKDF2},
}

// Format names the format of a stored hash ("bcrypt", "argon2", "scrypt",
// "firebase-scrypt", "pbkdf2-django", "pbkdf2-phc") after checking that it
// decodes. It does no hashing: the importer calls it for every record.
func Format(hash string) (string, error) {
	if isBcrypt(hash) {
		if _, err := bcryptCost(hash); err != nil {
			return "", err
		}
		return "bcrypt", nil
	}
	for _, f := range formats {
		if _, err := f.parse(hash); err == nil {
			return f.name, nil
		} else if !errors.Is(err, errNotThisFormat) {
			return "", err
		}
	}
	return "", ErrUnknownFormat
}

// Cost bounds: an imported hash is verified at sign-in, so its parameters
// must not let one login take gigabytes or minutes. They bound the total
// work, not only the memory, and are still above what the source systems
// use (Firebase m=14 r=8, Django 1,000,000 iterations, OWASP argon2id
// 19 MiB t=2, RFC 7914's scrypt vector N=1024 r=8 p=16).
const (
	maxMemoryBytes = 256 << 20
	// maxScryptWork bounds 128·r·N·p (RFC 7914 section 6: p independent
	// ROMix passes of 128·r·N bytes each), the work of one 256 MiB pass.
	maxScryptWork = maxMemoryBytes
	maxScryptR    = 64
	maxScryptP    = 16
	maxIterations = 2_000_000
	maxArgon2Time = 10
	// maxArgon2Work bounds t·m (KiB·passes, RFC 9106 section 3.2): 1 GiB.
	maxArgon2Work = 1 << 20
	// minFirebaseKey: the signer key and hash compared are at least 16
	// bytes, so a wrong password cannot pass by chance.
	minFirebaseKey = 16
	// maxBcryptCost: 2^14 rounds is about a second; common deployments use 10–12.
	maxBcryptCost = 14
)

// errNotThisFormat: the prefix belongs to another format.
var errNotThisFormat = errors.New("not this format")

// verifyForeign checks pw against an imported (non-bcrypt) hash.
func verifyForeign(pw, hash string) (Result, error) {
	for _, f := range formats {
		v, err := f.parse(hash)
		if errors.Is(err, errNotThisFormat) {
			continue
		}
		if err != nil {
			return Result{}, err
		}
		ok, err := v.matches(pw)
		if err != nil {
			return Result{}, fmt.Errorf("password: %s: %w", f.name, err)
		}
		if !ok {
			return Result{}, ErrMismatch
		}
		return Result{NeedsRehash: true}, nil
	}
	return Result{}, ErrUnknownFormat
}

// bad wraps a decoding problem of a recognised format.
func bad(format, what string) error {
	return fmt.Errorf("%w: %s: bad %s", ErrUnknownFormat, format, what)
}

// params parses "k=v,k=v" into ints.
func params(s string) (map[string]int, bool) {
	out := map[string]int{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, false
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, false
		}
		out[k] = n
	}
	return out, true
}

// b64 decodes the PHC "B64" encoding (standard alphabet, no padding) and
// passlib's variant of it ("." for "+"), tolerating padding.
func b64(s string) ([]byte, error) {
	s = strings.ReplaceAll(strings.TrimRight(s, "="), ".", "+")
	return base64.RawStdEncoding.DecodeString(s)
}

// --- argon2 (PHC string format, RFC 9106 algorithms) ---

type argon2Hash struct {
	id      bool
	t, m, p int
	salt    []byte
	sum     []byte
}

func parseArgon2(h string) (verifier, error) {
	parts := strings.Split(h, "$")
	if len(parts) < 2 || (parts[1] != "argon2id" && parts[1] != "argon2i") {
		return nil, errNotThisFormat
	}
	if len(parts) != 6 || parts[2] != "v=19" {
		return nil, bad(parts[1], "layout or version (want v=19)")
	}
	p, ok := params(parts[3])
	if !ok || p["m"] == 0 || p["t"] == 0 || p["p"] == 0 || p["p"] > 255 || len(p) != 3 ||
		p["m"] > maxMemoryBytes>>10 || p["t"] > maxArgon2Time || p["t"]*p["m"] > maxArgon2Work {
		return nil, bad(parts[1], "parameters")
	}
	salt, err1 := b64(parts[4])
	sum, err2 := b64(parts[5])
	if err1 != nil || err2 != nil || len(sum) < 4 {
		return nil, bad(parts[1], "salt or hash")
	}
	return argon2Hash{id: parts[1] == "argon2id", t: p["t"], m: p["m"], p: p["p"], salt: salt, sum: sum}, nil
}

func (a argon2Hash) matches(pw string) (bool, error) {
	f := argon2.Key
	if a.id {
		f = argon2.IDKey
	}
	got := f([]byte(pw), a.salt, uint32(a.t), uint32(a.m), uint8(a.p), uint32(len(a.sum)))
	return subtle.ConstantTimeCompare(got, a.sum) == 1, nil
}

// --- scrypt (RFC 7914), PHC/passlib form ---

type scryptHash struct {
	n, r, p int
	salt    []byte
	sum     []byte
}

func parseScrypt(h string) (verifier, error) {
	parts := strings.Split(h, "$")
	if len(parts) < 2 || parts[1] != "scrypt" {
		return nil, errNotThisFormat
	}
	if len(parts) != 5 {
		return nil, bad("scrypt", "layout")
	}
	p, ok := params(parts[2])
	// r and p are bounded before the product so that it cannot overflow.
	if !ok || p["ln"] == 0 || p["ln"] > 30 || p["r"] == 0 || p["r"] > maxScryptR || p["p"] == 0 || p["p"] > maxScryptP ||
		int64(128)*int64(p["r"])*int64(p["p"])<<p["ln"] > maxScryptWork {
		return nil, bad("scrypt", "parameters (want r ≤ 64, p ≤ 16, 128·r·N·p ≤ 256 MiB)")
	}
	salt, err1 := b64(parts[3])
	sum, err2 := b64(parts[4])
	if err1 != nil || err2 != nil || len(sum) < 16 {
		return nil, bad("scrypt", "salt or hash")
	}
	return scryptHash{n: 1 << p["ln"], r: p["r"], p: p["p"], salt: salt, sum: sum}, nil
}

func (s scryptHash) matches(pw string) (bool, error) {
	got, err := scrypt.Key([]byte(pw), s.salt, s.n, s.r, s.p, len(s.sum))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, s.sum) == 1, nil
}

// --- Firebase's modified scrypt ---
//
// Firebase Auth exports a base64 hash and salt per user and, per project,
// a signer key, a salt separator, rounds and a memory cost. The hash is the
// signer key encrypted with AES-256-CTR (zero IV) under
// scrypt(password, salt||separator, N=2^memCost, r=rounds, p=1, 32 bytes).
// The importer folds the project parameters into the stored string.

type firebaseHash struct {
	memCost, rounds      int
	salt, sep, signer, h []byte
}

func parseFirebaseScrypt(h string) (verifier, error) {
	parts := strings.Split(h, "$")
	if len(parts) < 2 || parts[1] != "firebase-scrypt" {
		return nil, errNotThisFormat
	}
	if len(parts) != 7 {
		return nil, bad("firebase-scrypt", "layout")
	}
	p, ok := params(parts[2])
	if !ok || p["m"] == 0 || p["m"] > 30 || p["r"] == 0 || p["r"] > maxScryptR ||
		int64(128)*int64(p["r"])<<p["m"] > maxScryptWork {
		return nil, bad("firebase-scrypt", "parameters (want r ≤ 64, 128·r·2^m ≤ 256 MiB)")
	}
	var fields [4][]byte
	for i := range fields {
		b, err := base64.StdEncoding.DecodeString(parts[3+i])
		if err != nil {
			return nil, bad("firebase-scrypt", "base64 field")
		}
		fields[i] = b
	}
	if len(fields[2]) < minFirebaseKey || len(fields[3]) != len(fields[2]) {
		return nil, bad("firebase-scrypt", "signer key or hash")
	}
	return firebaseHash{memCost: p["m"], rounds: p["r"], salt: fields[0], sep: fields[1], signer: fields[2], h: fields[3]}, nil
}

func (f firebaseHash) matches(pw string) (bool, error) {
	salt := append(append([]byte{}, f.salt...), f.sep...)
	key, err := scrypt.Key([]byte(pw), salt, 1<<f.memCost, f.rounds, 1, 32)
	if err != nil {
		return false, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return false, err
	}
	got := make([]byte, len(f.signer))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(got, f.signer)
	return subtle.ConstantTimeCompare(got, f.h) == 1, nil
}

// --- PBKDF2 (RFC 8018) ---

type pbkdf2Hash struct {
	h    func() hash.Hash
	iter int
	salt []byte
	sum  []byte
}

func (p pbkdf2Hash) matches(pw string) (bool, error) {
	got, err := pbkdf2.Key(p.h, pw, p.salt, p.iter, len(p.sum))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, p.sum) == 1, nil
}

func digest(name string) func() hash.Hash {
	switch name {
	case "sha256":
		return sha256.New
	case "sha512":
		return sha512.New
	}
	return nil
}

// parseDjangoPBKDF2 reads Django's "pbkdf2_sha256$<iterations>$<salt>$<b64>":
// the salt is used as text, the hash is standard base64 with padding.
func parseDjangoPBKDF2(h string) (verifier, error) {
	alg, rest, ok := strings.Cut(h, "$")
	if !ok || (alg != "pbkdf2_sha256" && alg != "pbkdf2_sha512") {
		return nil, errNotThisFormat
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return nil, bad(alg, "layout")
	}
	iter, err := strconv.Atoi(parts[0])
	if err != nil || iter <= 0 || iter > maxIterations || parts[1] == "" {
		return nil, bad(alg, "iterations or salt")
	}
	sum, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(sum) < 16 {
		return nil, bad(alg, "hash")
	}
	return pbkdf2Hash{h: digest(strings.TrimPrefix(alg, "pbkdf2_")), iter: iter, salt: []byte(parts[1]), sum: sum}, nil
}

// parsePHCPBKDF2 reads "$pbkdf2-sha256$i=<iter>[,l=<len>]$salt$hash" (PHC)
// and passlib's "$pbkdf2-sha256$<iter>$salt$hash".
func parsePHCPBKDF2(h string) (verifier, error) {
	parts := strings.Split(h, "$")
	if len(parts) < 2 || (parts[1] != "pbkdf2-sha256" && parts[1] != "pbkdf2-sha512") {
		return nil, errNotThisFormat
	}
	if len(parts) != 5 {
		return nil, bad(parts[1], "layout")
	}
	iter, err := strconv.Atoi(parts[2])
	if err != nil {
		p, ok := params(parts[2])
		if !ok || p["i"] == 0 {
			return nil, bad(parts[1], "parameters (want i)")
		}
		iter = p["i"]
	}
	salt, err1 := b64(parts[3])
	sum, err2 := b64(parts[4])
	if err1 != nil || err2 != nil || iter <= 0 || iter > maxIterations || len(sum) < 16 {
		return nil, bad(parts[1], "iterations, salt or hash")
	}
	return pbkdf2Hash{h: digest(strings.TrimPrefix(parts[1], "pbkdf2-")), iter: iter, salt: salt, sum: sum}, nil
}
