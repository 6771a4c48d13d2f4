package op

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/admit-idp/admit/keys/signed"
)

// handoff authenticates the token IDs Admit hands to op and gets back in
// the same request (Decrypt → SetUserinfoFromToken/RevokeToken,
// GetRefreshTokenInfo → RevokeToken). op may also pass a client's raw token
// text as such an ID (revocation of an unknown token), so an ID is only
// trusted with its tag. The root key lives in process memory: IDs never
// leave the request that made them. Each kind ("at", "rf") signs with a
// key of its own (keys/signed), so an ID of one kind never opens as the
// other.
type handoff struct {
	once    sync.Once
	signers map[string]*signed.Signer
}

// handoffKinds are the kinds of ID; seal and open panic on any other, a
// programming error.
var handoffKinds = []string{"at", "rf"}

// handoffLifetime bounds an ID: it only has to outlive the request that
// made it. The wall clock (not Storage's injected one) measures that.
const handoffLifetime = 5 * time.Minute

func (h *handoff) signer(kind string) *signed.Signer {
	h.once.Do(func() {
		root := make([]byte, signed.MinRootKey)
		_, _ = rand.Read(root) // never fails (crypto/rand)
		h.signers = make(map[string]*signed.Signer, len(handoffKinds))
		for _, k := range handoffKinds {
			s, err := signed.New(root, "op handoff "+k, time.Now)
			if err != nil {
				panic(err) // the root has the minimum length and the purpose is set
			}
			h.signers[k] = s
		}
	})
	s, ok := h.signers[kind]
	if !ok {
		panic("op: unknown handoff kind " + kind)
	}
	return s
}

// seal returns a signed ID carrying value, in keys/signed's format (no
// ':', which op uses as a separator).
func (h *handoff) seal(kind, value string) string {
	return h.signer(kind).Sign([]byte(value), handoffLifetime)
}

// open returns the value of a sealed ID of the kind, or false.
func (h *handoff) open(kind, id string) (string, bool) {
	value, err := h.signer(kind).Verify(id)
	return string(value), err == nil
}
