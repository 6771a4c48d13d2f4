package defence

import (
	"net/http"

	"github.com/admit-idp/admit/login"
)

// CheckCaptcha refuses a request that owes a CAPTCHA (3 failures for the
// identifier or the IP) and carries no valid response; forms outside a
// login flow (sign-up) use it.
func (g *Guard) CheckCaptcha(r *http.Request, identifier string) (login.Verdict, error) {
	return g.checkCaptcha(r, login.Attempt{Identifier: identifier})
}
