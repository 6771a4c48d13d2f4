package op

import (
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/text/language"

	"github.com/admit-idp/admit/storage"
)

// setUserinfo fills the standard claims the scopes ask for (OIDC Core 5.4).
func setUserinfo(info *oidc.UserInfo, u storage.User, scopes []string) {
	info.Subject = u.ID
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.Name = u.Name()
		info.GivenName = u.GivenName
		info.FamilyName = u.FamilyName
		info.UpdatedAt = oidc.FromTime(u.UpdatedAt)
		if u.Locale != "" {
			info.Locale = oidc.NewLocale(language.Make(u.Locale))
		}
	}
	if slices.Contains(scopes, oidc.ScopeEmail) {
		info.Email = u.Email
		info.EmailVerified = oidc.Bool(u.EmailVerified)
	}
}
