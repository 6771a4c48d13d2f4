package op

import (
	"strconv"
	"testing"
)

// The verified-token cache stays within maxVerifiedTokens, keeps its two
// indexes in step, and drop removes an entry from both.
func TestVerifiedTokensBounded(t *testing.T) {
	var c verifiedTokens
	const now = 1000
	for i := range maxVerifiedTokens + 50 {
		n := strconv.Itoa(i)
		exp := int64(now + 60)
		if i%2 == 0 {
			exp = now - 1 // expired: dropped first when met
		}
		c.put(&verifiedToken{token: "t" + n, payload: "p" + n, claims: accessClaims{ID: n, Expiry: exp}}, now)
	}
	if len(c.byToken) > maxVerifiedTokens || len(c.byPayload) != len(c.byToken) {
		t.Fatalf("sizes %d/%d, want at most %d and equal", len(c.byToken), len(c.byPayload), maxVerifiedTokens)
	}
	last := strconv.Itoa(maxVerifiedTokens + 49)
	v, ok := c.byJWS("t" + last)
	if !ok {
		t.Fatal("the newest entry was evicted")
	}
	if w, ok := c.byPayloadSegment("p" + last); !ok || w != v {
		t.Fatal("the payload index does not hold the newest entry")
	}
	c.drop(v)
	if _, ok := c.byJWS("t" + last); ok {
		t.Error("dropped entry still found by token")
	}
	if _, ok := c.byPayloadSegment("p" + last); ok {
		t.Error("dropped entry still found by payload")
	}
}
