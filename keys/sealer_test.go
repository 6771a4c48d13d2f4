package keys_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/admit-idp/admit/keys"
)

func mustSealer(t testing.TB) *keys.Sealer {
	t.Helper()
	mk, err := keys.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := keys.NewSealer(mk)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealerRoundTrip(t *testing.T) {
	s := mustSealer(t)
	tests := []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"empty plaintext", []byte{}, []byte("kid")},
		{"no additional data", []byte("secret"), nil},
		{"pkcs8-sized", bytes.Repeat([]byte{0xAB}, 1218), []byte("admit/signing-key/abc")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := s.Seal(tt.plaintext, tt.ad)
			if err != nil {
				t.Fatal(err)
			}
			if sealed[0] != 0x01 {
				t.Errorf("version byte = %#x, want 0x01", sealed[0])
			}
			if want := 1 + 12 + len(tt.plaintext) + 16; len(sealed) != want {
				t.Errorf("sealed length = %d, want %d", len(sealed), want)
			}
			if len(tt.plaintext) > 0 && bytes.Contains(sealed, tt.plaintext) {
				t.Error("sealed blob contains the plaintext")
			}
			got, err := s.Open(sealed, tt.ad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Open = %x, want %x", got, tt.plaintext)
			}
		})
	}
}

func TestSealerNoncesDiffer(t *testing.T) {
	s := mustSealer(t)
	a, _ := s.Seal([]byte("same"), nil)
	b, _ := s.Seal([]byte("same"), nil)
	if bytes.Equal(a[1:13], b[1:13]) || bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext share a nonce")
	}
}

func TestSealerOpenFails(t *testing.T) {
	s, other := mustSealer(t), mustSealer(t)
	ad := []byte("admit/signing-key/kid-1")
	sealed, err := s.Seal([]byte("private key"), ad)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		sealer *keys.Sealer
		blob   []byte
		ad     []byte
	}{
		{"wrong master key", other, sealed, ad},
		{"wrong additional data", s, sealed, []byte("admit/signing-key/kid-2")},
		{"missing additional data", s, sealed, nil},
		{"tampered nonce", s, flip(1), ad},
		{"tampered ciphertext", s, flip(14), ad},
		{"tampered tag", s, flip(len(sealed) - 1), ad},
		{"unknown version", s, flip(0), ad},
		{"truncated", s, sealed[:len(sealed)-1], ad},
		{"too short", s, sealed[:20], ad},
		{"empty", s, nil, ad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(tt.blob, tt.ad)
			if !errors.Is(err, keys.ErrUnsealFailed) {
				t.Fatalf("Open error = %v, want ErrUnsealFailed", err)
			}
			if got != nil {
				t.Errorf("Open returned plaintext %q on failure", got)
			}
		})
	}
}

func TestNewSealerKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := keys.NewSealer(make([]byte, n)); err == nil {
			t.Errorf("NewSealer(%d bytes) succeeded, want error", n)
		}
	}
	if _, err := keys.NewSealer(make([]byte, 32)); err != nil {
		t.Errorf("NewSealer(32 bytes) = %v", err)
	}
}

func TestParseMasterKey(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i*7 + 250) // includes bytes that need '+', '/', '-', '_'
	}
	tests := []struct {
		name  string
		input string
		want  []byte // nil: error expected
	}{
		{"hex lower", hex.EncodeToString(key), key},
		{"hex upper", strings.ToUpper(hex.EncodeToString(key)), key},
		{"base64 std", base64.StdEncoding.EncodeToString(key), key},
		{"base64 raw std", base64.RawStdEncoding.EncodeToString(key), key},
		{"base64 url", base64.URLEncoding.EncodeToString(key), key},
		{"base64 raw url", base64.RawURLEncoding.EncodeToString(key), key},
		{"surrounding white space", "  " + base64.StdEncoding.EncodeToString(key) + "\n", key},
		{"empty", "", nil},
		{"blank", " \t\n", nil},
		{"hex too short", hex.EncodeToString(key[:31]), nil},
		{"hex too long", hex.EncodeToString(append(key, 0)), nil},
		{"base64 of 16 bytes", base64.StdEncoding.EncodeToString(key[:16]), nil},
		{"base64 of 48 bytes", base64.StdEncoding.EncodeToString(append(key, key[:16]...)), nil},
		{"garbage", "this is not a key!!", nil},
		{"64 chars, not hex", strings.Repeat("zz", 32) + "!", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keys.ParseMasterKey(tt.input)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("ParseMasterKey succeeded with %x, want error", got)
				}
				if s := strings.TrimSpace(tt.input); s != "" && strings.Contains(err.Error(), s) {
					t.Errorf("error %q echoes the key", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMasterKey: %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("ParseMasterKey = %x, want %x", got, tt.want)
			}
		})
	}
}

func TestGenerateMasterKey(t *testing.T) {
	a, err := keys.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := keys.GenerateMasterKey()
	if len(a) != 32 || bytes.Equal(a, b) {
		t.Fatalf("GenerateMasterKey: len %d, repeated: %v", len(a), bytes.Equal(a, b))
	}
	if _, err := keys.ParseMasterKey(hex.EncodeToString(a)); err != nil {
		t.Errorf("generated key does not round-trip through ParseMasterKey: %v", err)
	}
}
