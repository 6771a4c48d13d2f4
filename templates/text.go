package templates

import (
	"context"

	"github.com/admit-idp/admit/templates/i18n"
)

// t is the templates' short name for i18n.T: every user-visible word of a
// hosted page comes from the catalogs in templates/i18n/locales, in the
// locale the request's context carries (see the i18n package).
func t(ctx context.Context, id string, args ...any) string { return i18n.T(ctx, id, args...) }

// text renders a view field that holds either a message id or final text
// (see i18n.Text).
func text(ctx context.Context, s string) string { return i18n.Text(ctx, s) }
