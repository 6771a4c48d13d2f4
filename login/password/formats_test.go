package password

import (
	"errors"
	"strings"
	"testing"

	"github.com/admit-idp/admit/storage"
)

// importedVectors are known answers from the algorithms' own references:
// each hash was made by another implementation, never by this package.
var importedVectors = []struct {
	name, format, password, hash string
}{
	// bcrypt: OpenBSD $2a$ and $2b$, PHP $2y$ (from crypt_blowfish's tests).
	{"bcrypt 2a", "bcrypt", "U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
	{"bcrypt 2b", "bcrypt", "U*U", "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
	{"bcrypt 2y", "bcrypt", "U*U", "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
	// argon2: phc-winner-argon2 test.c (t=2, m=2^16, p=1, "password", "somesalt").
	{"argon2i", "argon2", "password", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA"},
	{"argon2id other parameters", "argon2", "password", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"},
	// scrypt: RFC 7914 section 12, N=1024 r=8 p=16, "password"/"NaCl".
	{"scrypt PHC", "scrypt", "password", "$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA"},
	// Firebase: the example in github.com/firebase/scrypt's README.
	{"firebase scrypt", "firebase-scrypt", "user1password", storage.FirebaseScryptHash(
		"lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
		"42xEC+ixf3L2lw==", "Bw==",
		"jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==", 8, 14)},
	// PBKDF2-HMAC-SHA256: RFC 7914 section 11 (P="passwd", S="salt", c=1), Django form.
	{"django pbkdf2_sha256 RFC 7914", "pbkdf2-django", "passwd", "pbkdf2_sha256$1$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw="},
	// Made with Python's hashlib.pbkdf2_hmac, which Django's hasher calls.
	{"django pbkdf2_sha256", "pbkdf2-django", "correct horse", "pbkdf2_sha256$1000$seasalt42$DLjCn+VwiEMemQXgu8JpFEayHo19oxLeCyxZCF+tuek="},
	{"django pbkdf2_sha512", "pbkdf2-django", "correct horse", "pbkdf2_sha512$1000$seasalt42$znkD7yYfo6nlejiWAaIXv32nLOmvotRtKDPIzfdM/FuY0rgYEoaPYqDl/4UUCbrY2qEJacTkeg/zsiYlRnW7TA=="},
	{"PHC pbkdf2-sha512", "pbkdf2-phc", "correct horse", "$pbkdf2-sha512$i=2000$MDEyMzQ1Njc4OWFiY2RlZg$JLIbHS/a1pwkuwB4YMVsxfgHL1RpHXfp7kAkuCcl9dhDgXytdhKp4KRA1tfCbROFYAyWs7Bgy1B82eY2dKJ0Uw"},
}

// TestImportedFormatsVerifyAndUpgrade: every importable format accepts its
// known vector, asks for an upgrade to Admit's argon2id, and refuses a wrong
// password with ErrMismatch (not an "unreadable hash" error).
func TestImportedFormatsVerifyAndUpgrade(t *testing.T) {
	h, err := New(fastParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range importedVectors {
		t.Run(v.name, func(t *testing.T) {
			f, err := Format(v.hash)
			if err != nil || f != v.format {
				t.Fatalf("Format = %q, %v; want %q", f, err, v.format)
			}
			res, err := h.Verify(v.password, v.hash)
			if err != nil {
				t.Fatalf("Verify(right password): %v", err)
			}
			if !res.NeedsRehash {
				t.Fatal("an imported hash must be upgraded to argon2id (NeedsRehash false)")
			}
			if _, err := h.Verify(v.password+"x", v.hash); !errors.Is(err, ErrMismatch) {
				t.Fatalf("Verify(wrong password) = %v, want ErrMismatch", err)
			}
		})
	}
}

func TestFormatRejectsUnknownAndBroken(t *testing.T) {
	for _, hash := range []string{
		"plaintext",
		"{SSHA}abcdef",
		"$argon2d$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2i$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
		"$scrypt$ln=10,r=8$TmFDbA$abc",
		"pbkdf2_sha256$x$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
		"pbkdf2_sha1$1$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
		"$2b$05$short",
		// Costs that would let one sign-in take gigabytes or minutes.
		"$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$scrypt$ln=24,r=8,p=1$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA",
		storage.FirebaseScryptHash("bFNy", "c2FsdA==", "Bw==", "bFNy", 8, 30),
		"pbkdf2_sha256$100000000$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
	} {
		if f, err := Format(hash); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("Format(%q) = %q, %v; want ErrUnknownFormat", hash, f, err)
		}
	}
}

// TestUpgradedImportedHashIsArgon2id: the upgrade the login performs
// replaces the imported hash with one in Admit's own format.
func TestUpgradedImportedHashIsArgon2id(t *testing.T) {
	h, err := New(fastParams())
	if err != nil {
		t.Fatal(err)
	}
	v := importedVectors[len(importedVectors)-1]
	fresh, err := h.Hash(v.password)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fresh, "$argon2id$") {
		t.Fatalf("upgrade hash %q", fresh)
	}
	if res, err := h.Verify(v.password, fresh); err != nil || res.NeedsRehash {
		t.Fatalf("upgraded hash: %+v, %v", res, err)
	}
}
