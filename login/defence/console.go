package defence

import (
	"context"
	"fmt"
	"time"
)

// LockedUntil reports until when sign-in with identifier (an e-mail
// address, as Failed counts it) is locked; zero if it is not. The
// operator console shows it on the user page (storage/admin.Console).
func (g *Guard) LockedUntil(ctx context.Context, identifier string) (time.Time, error) {
	st, err := g.Store.GetFailures(ctx, acctKey(identifier))
	if err != nil {
		return time.Time{}, fmt.Errorf("lockout: %w", err)
	}
	if !st.Locked(g.Now()) {
		return time.Time{}, nil
	}
	return st.LockedUntil, nil
}
