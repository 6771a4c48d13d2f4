package selfservice

import (
	"cmp"
	"context"

	"github.com/admit-idp/admit/storage"
)

// The operator console's mails (storage/admin.Console): the same links,
// limits and templates as the user's own "resend" and "forgot password".

// ResendVerification e-mails u a new verification link (within the
// resend limit; nothing for a verified or disabled user).
func (s *Service) ResendVerification(ctx context.Context, u storage.User) error {
	return Method{Service: s}.resendTo(ctx, cmp.Or(u.TenantID, storage.DefaultTenantID), u.Email, "")
}

// SendPasswordReset e-mails u a password-reset link.
func (s *Service) SendPasswordReset(ctx context.Context, u storage.User) error {
	return Method{Service: s}.sendReset(ctx, cmp.Or(u.TenantID, storage.DefaultTenantID), u.Email)
}
