package password

import (
	"errors"
	"testing"

	"github.com/admit-idp/admit/storage"
)

// TestFormatRefusesExcessiveWork: parameters that are decodable but would
// let one sign-in stall a core for seconds to minutes, or that make a wrong
// password likely to pass, are refused at import (Format) and at sign-in.
func TestFormatRefusesExcessiveWork(t *testing.T) {
	const sum64 = "/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA"
	const argonSum = "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	key16 := "AAAAAAAAAAAAAAAAAAAAAA==" // 16 bytes
	for _, c := range []struct{ name, hash string }{
		{"scrypt p=64 at 256 MiB", "$scrypt$ln=18,r=8,p=64$TmFDbA$" + sum64},
		{"scrypt p=17", "$scrypt$ln=4,r=1,p=17$TmFDbA$" + sum64},
		{"scrypt 128*r*N*p above 256 MiB", "$scrypt$ln=17,r=8,p=4$TmFDbA$" + sum64},
		{"scrypt r=65", "$scrypt$ln=4,r=65,p=1$TmFDbA$" + sum64},
		{"scrypt r overflowing 128*r", "$scrypt$ln=1,r=144115188075855873,p=1$TmFDbA$" + sum64},
		{"argon2id t=64 at 256 MiB", "$argon2id$v=19$m=262144,t=64,p=1$c29tZXNhbHQ$" + argonSum},
		{"argon2i t=11", "$argon2i$v=19$m=64,t=11,p=1$c29tZXNhbHQ$" + argonSum},
		{"argon2id t*m above 1 GiB", "$argon2id$v=19$m=262144,t=5,p=1$c29tZXNhbHQ$" + argonSum},
		{"django pbkdf2 10M iterations", "pbkdf2_sha256$10000000$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw="},
		{"django pbkdf2 2,000,001 iterations", "pbkdf2_sha256$2000001$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw="},
		{"PHC pbkdf2 10M iterations", "$pbkdf2-sha512$i=10000000$MDEyMzQ1Njc4OWFiY2RlZg$" + sum64},
		{"firebase 1-byte signer key and hash", storage.FirebaseScryptHash("AQ==", "c2FsdA==", "Bw==", "AQ==", 8, 14)},
		{"firebase 15-byte signer key and hash", storage.FirebaseScryptHash("AAAAAAAAAAAAAAAAAAAA", "c2FsdA==", "Bw==", "AAAAAAAAAAAAAAAAAAAA", 8, 14)},
		{"firebase r=65", storage.FirebaseScryptHash(key16, "c2FsdA==", "Bw==", key16, 65, 4)},
		{"firebase r overflowing 128*r", storage.FirebaseScryptHash(key16, "c2FsdA==", "Bw==", key16, 144115188075855873, 1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if f, err := Format(c.hash); !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("Format = %q, %v; want ErrUnknownFormat", f, err)
			}
		})
	}
}

// TestVerifyRefusesExcessiveArgon2id: a stored "$argon2id$" hash with
// parameters beyond the import bounds is refused at sign-in too, not
// handed to argon2id.CheckHash (t=11 here is cheap to compute before the
// bound exists, so the test fails fast rather than stalls).
func TestVerifyRefusesExcessiveArgon2id(t *testing.T) {
	h, err := New(fastParams())
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Verify("password", "$argon2id$v=19$m=64,t=11,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
	if err == nil || errors.Is(err, ErrMismatch) {
		t.Fatalf("Verify(argon2id t=11) = %v; want an unreadable-hash error", err)
	}
}
