package op

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
)

// handoff authenticates the token IDs Admit hands to op and gets back in
// the same request (Decrypt → SetUserinfoFromToken/RevokeToken,
// GetRefreshTokenInfo → RevokeToken). op may also pass a client's raw token
// text as such an ID (revocation of an unknown token), so an ID is only
// trusted with its MAC. The key lives in process memory: IDs never leave
// the request that made them.
type handoff struct {
	once sync.Once
	key  [32]byte
}

func (h *handoff) mac(kind, value string) string {
	h.once.Do(func() { _, _ = rand.Read(h.key[:]) })
	m := hmac.New(sha256.New, h.key[:])
	m.Write([]byte(kind + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// seal returns value with its MAC: "<value>.<mac>" (no ':', which op uses
// as a separator).
func (h *handoff) seal(kind, value string) string {
	return value + "." + h.mac(kind, value)
}

// open returns the value of a sealed ID of the kind, or false.
func (h *handoff) open(kind, id string) (string, bool) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 {
		return "", false
	}
	value, mac := id[:i], id[i+1:]
	return value, hmac.Equal([]byte(mac), []byte(h.mac(kind, value)))
}
