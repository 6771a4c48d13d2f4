package app_test

import (
	"context"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/emersion/go-smtp"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/defence"
	"github.com/admit-idp/admit/storage"
)

// smtpServer is a real SMTP server (go-smtp) on loopback that keeps every
// message it receives, so tests read the e-mail and follow its link.
type smtpServer struct {
	t    *testing.T
	addr string
	msgs chan received
	mu   sync.Mutex
	srv  *smtp.Server
	l    net.Listener
	// pending holds messages received but not asked for yet (test goroutine only).
	pending []received
}

type received struct{ to, subject, text string }

func startSMTP(t *testing.T) *smtpServer {
	s := &smtpServer{t: t, msgs: make(chan received, 64)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	s.serve(l)
	t.Cleanup(s.stop)
	return s
}

func (s *smtpServer) serve(l net.Listener) {
	srv := smtp.NewServer(&smtpBackend{s})
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	s.mu.Lock()
	s.srv, s.l = srv, l
	s.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// stop takes the server down (the port stays known for restart).
func (s *smtpServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		_ = s.l.Close() // Serve may not have taken the listener yet
		_ = s.srv.Close()
		s.srv = nil
	}
}

// restart serves again on the same address.
func (s *smtpServer) restart() {
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("restart smtp: %v", err)
	}
	s.serve(l)
}

// next waits for the next message to `to` whose subject contains
// subject (other features, such as new-sign-in notices, mail too). Other
// messages are kept for later calls.
func (s *smtpServer) next(to, subject string) received {
	s.t.Helper()
	match := func(m received) bool { return m.to == to && strings.Contains(m.subject, subject) }
	for i, m := range s.pending {
		if match(m) {
			s.pending = append(s.pending[:i:i], s.pending[i+1:]...)
			return m
		}
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-s.msgs:
			if match(m) {
				return m
			}
			s.pending = append(s.pending, m)
		case <-deadline:
			s.t.Fatalf("no e-mail to %s about %q arrived", to, subject)
		}
	}
}

// none checks that no message arrives for a moment.
func (s *smtpServer) none(to string) {
	s.t.Helper()
	select {
	case m := <-s.msgs:
		if m.to == to && !strings.Contains(m.subject, "New sign-in") {
			s.t.Fatalf("unexpected e-mail to %s: %s", to, m.subject)
		}
	case <-time.After(300 * time.Millisecond):
	}
}

type smtpBackend struct{ s *smtpServer }

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: b.s}, nil }

type smtpSession struct {
	s  *smtpServer
	to string
}

func (x *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = to
	return nil
}
func (x *smtpSession) Reset()        {}
func (x *smtpSession) Logout() error { return nil }
func (x *smtpSession) Data(r io.Reader) error {
	m, err := netmail.ReadMessage(r)
	if err != nil {
		return err
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(m.Header.Get("Subject"))
	x.s.msgs <- received{to: x.to, subject: subject, text: textPart(m)}
	return nil
}

// textPart returns the decoded text/plain part (multipart decodes
// quoted-printable by itself).
func textPart(m *netmail.Message) string {
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(m.Body)
		return string(b)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return ""
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			b, _ := io.ReadAll(p)
			return string(b)
		}
	}
}

var linkRE = regexp.MustCompile(`https?://\S+`)

// link returns the first link of the message with the path.
func (m received) link(t testing.TB, path string) string {
	t.Helper()
	for _, l := range linkRE.FindAllString(m.text, -1) {
		if u, err := url.Parse(l); err == nil && u.Path == path {
			return l
		}
	}
	t.Fatalf("no %s link in %q: %s", path, m.subject, m.text)
	return ""
}

// newAccountsEnv is newEnv with the accounts settings changed and mail
// going to the given SMTP server (nil: the development mailbox).
func newAccountsEnv(t *testing.T, b backend, mail *smtpServer, change func(*app.Config)) *env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	e := &env{t: t, srv: srv, issuer: "http://" + srv.Listener.Addr().String(), clock: &clock{t: time.Now().UTC().Truncate(time.Second)}}
	cfg := e.config(b)
	cfg.Accounts.ForgotFloor = 20 * time.Millisecond
	if mail != nil {
		host, port, _ := net.SplitHostPort(mail.addr)
		p, _ := strconv.Atoi(port)
		cfg.Accounts.SMTP = app.SMTPConfig{Host: host, Port: p, TLS: "none", From: "Admit <no-reply@example.com>",
			Timeout: 2 * time.Second, RetryBackoff: 50 * time.Millisecond}
	}
	if change != nil {
		change(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	e.start(b, cfg, envOptions{})
	// These tests sign up many times from one IP; the shared sign-up limit
	// has its own test (TestSignUpIsRateLimited).
	return withoutRateLimits(e)
}

func TestSignUpIsRateLimited(t *testing.T) {
	e := newEnv(t, memoryBackend)
	br := e.browser()
	login := br.get(e.rp(app.DemoClientID, app.DemoClientSecret).start().url)
	var p page
	for i := range 4 {
		p = br.signUp(login, signupFields("limit-"+strconv.Itoa(i)+"@example.com", newUserPassword))
	}
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
		t.Fatalf("fourth sign-up from one IP within 5 minutes: status %d", p.status)
	}
}

const newUserPassword = "correct horse battery staple"

// TestSignUpAnswersAfterTheFloor: a new address and a taken one get the
// same answer, and neither sooner than the floor forgot password uses
// (accounts.forgot_floor), so timing does not tell which addresses have
// accounts. The floor is a guaranteed minimum, so the check is exact: the
// test needs no timing statistics.
func TestSignUpAnswersAfterTheFloor(t *testing.T) {
	const floor = 300 * time.Millisecond
	e := newAccountsEnv(t, memoryBackend, nil, func(c *app.Config) { c.Accounts.ForgotFloor = floor })
	br := e.browser()
	login := br.get(e.rp(app.DemoClientID, app.DemoClientSecret).start().url)
	for _, email := range []string{"brand-new@example.com", app.DemoUserEmail} {
		form := br.get(e.abs(login.href(t, "signup")))
		fields := signupFields(email, newUserPassword)
		fields.Set("flow", form.hidden("flow"))
		fields.Set("csrf_token", form.hidden("csrf_token"))
		start := time.Now()
		p := br.post("/login/signup", fields)
		took := time.Since(start)
		if p.status != http.StatusOK || !strings.Contains(p.body, "Check your inbox") {
			t.Fatalf("sign-up with %s: %d %s", email, p.status, p.body)
		}
		if took < floor {
			t.Errorf("sign-up with %s answered after %s, before the %s floor", email, took, floor)
		}
	}
}

// href returns the link with the test id on p.
func (p page) href(t testing.TB, id string) string {
	t.Helper()
	h, ok := p.testid(id).First().Attr("href")
	if !ok {
		t.Fatalf("no %q link on the page (status %d): %s", id, p.status, p.body)
	}
	return h
}

func (e *env) abs(path string) string { return e.issuer + path }

// signUp opens the sign-up page from the login page p and submits it.
func (b *browser) signUp(p page, fields url.Values) page {
	b.t.Helper()
	form := b.get(b.e.abs(p.href(b.t, "signup")))
	if form.testid("signup-form").Length() == 0 {
		b.t.Fatalf("no sign-up form: %d %s", form.status, form.body)
	}
	fields.Set("flow", form.hidden("flow"))
	fields.Set("csrf_token", form.hidden("csrf_token"))
	return b.post("/login/signup", fields)
}

func signupFields(email, pw string) url.Values {
	return url.Values{"email": {email}, "password": {pw}, "given_name": {"Ada"}, "family_name": {"Lovelace"}, "phone": {"+44 20 7946 0000"}}
}

// open follows an e-mailed link: the GET shows a confirmation form, the
// POST spends the token.
func (b *browser) open(link string) page {
	b.t.Helper()
	p := b.get(link)
	u, _ := url.Parse(link)
	form := url.Values{"csrf_token": {p.hidden("csrf_token")}, "token": {p.hidden("token")}}
	if u.Path == "/login/reset" {
		return p
	}
	return b.post(u.Path, form)
}

func TestSignUpVerifyThenLogin(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			mail := startSMTP(t)
			e := newAccountsEnv(t, b, mail, func(c *app.Config) { c.Accounts.RequireVerifiedEmail = []string{app.DemoClientID} })
			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			ar := r.start()
			br := e.browser()
			email := "ada-" + strings.ToLower(randomString()[:8]) + "@example.com"
			p := br.signUp(br.get(ar.url), signupFields(email, newUserPassword))
			if p.status != http.StatusOK || p.testid("notice").Length() == 0 || !strings.Contains(p.body, "Check your inbox") {
				t.Fatalf("after sign-up: %d %s", p.status, p.body)
			}
			// Before the address is confirmed, this client refuses the login.
			login := br.get(e.abs(p.href(t, "continue")))
			if p := br.submitLogin(login, email, newUserPassword); p.status != http.StatusForbidden || !strings.Contains(p.body, "confirmed e-mail") {
				t.Fatalf("login before verification: %d", p.status)
			}
			m := mail.next(email, "Confirm your e-mail")
			if m.subject != "Confirm your e-mail address" {
				t.Fatalf("subject %q", m.subject)
			}
			done := br.open(m.link(t, "/login/verify"))
			if done.testid("verified").Length() == 0 && !strings.Contains(done.body, "is confirmed") {
				t.Fatalf("verify: %d %s", done.status, done.body)
			}
			login = br.get(e.abs(done.href(t, "continue")))
			if login.hidden("email") != "" && login.testid("email").AttrOr("value", "") != email {
				t.Fatalf("login page not prefilled with %s", email)
			}
			cb := br.callback(br.consent(br.submitLogin(login, email, newUserPassword), "allow"), ar)
			tok, err := r.exchange(cb.Query().Get("code"), ar)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			ui, err := r.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			var claims struct {
				GivenName string `json:"given_name"`
			}
			_ = ui.Claims(&claims)
			if ui.Email != email || !ui.EmailVerified || claims.GivenName != "Ada" {
				t.Fatalf("userinfo %+v %+v", ui, claims)
			}
			r.verifyIDToken(tok, ar)
		})
	}
}

func TestSignUpBadInput(t *testing.T) {
	mail := startSMTP(t)
	e := newAccountsEnv(t, memoryBackend, mail, nil)
	br := e.browser()
	login := br.get(e.abs("/account"))
	for _, tc := range []struct {
		name, email, pw, phone, field, want string
	}{
		{"short password", "new@example.com", "short", "", "password", "at least 8"},
		{"common password", "new@example.com", "password", "", "password", "too common"},
		{"pattern", "new@example.com", "abcdefghijk", "", "password", "pattern"},
		{"bad e-mail", "not-an-address", newUserPassword, "", "email", "valid e-mail"},
		{"bad phone", "new@example.com", newUserPassword, "12345", "phone", "international"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := signupFields(tc.email, tc.pw)
			f.Set("phone", tc.phone)
			p := br.signUp(login, f)
			if p.status != http.StatusBadRequest || !strings.Contains(p.testid(tc.field+"-problem").Text(), tc.want) {
				t.Fatalf("status %d, %s problem %q", p.status, tc.field, p.testid(tc.field+"-problem").Text())
			}
			if p.testid("given_name").AttrOr("value", "") != "Ada" || p.testid("email").AttrOr("value", "") != tc.email {
				t.Fatal("typed fields were not kept")
			}
			if _, has := p.testid("password").Attr("value"); has || strings.Contains(p.body, newUserPassword) {
				t.Fatal("the password was echoed back")
			}
		})
	}
	t.Run("duplicate e-mail", func(t *testing.T) {
		p := br.signUp(login, signupFields(app.DemoUserEmail, newUserPassword))
		if p.status != http.StatusOK || !strings.Contains(p.body, "Check your inbox") {
			t.Fatalf("duplicate: %d, want the same answer as a new account", p.status)
		}
		m := mail.next(app.DemoUserEmail, "tried to create")
		if !strings.Contains(m.subject, "tried to create an account") {
			t.Fatalf("owner told %q", m.subject)
		}
		// "Reset your password" leads to the reset flow, not the account page.
		reset := m.link(t, "/login/forgot")
		if strings.Contains(m.text, e.issuer+"/account") {
			t.Fatalf("the mail still links to the account page: %s", m.text)
		}
		if p := br.get(reset); p.testid("forgot-form").Length() != 1 {
			t.Fatalf("the reset link's page: %d", p.status)
		}
		u, _ := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
		if u.GivenName != "Demo" {
			t.Fatal("the existing account changed")
		}
	})
}

func TestVerifyLinkReusedOrExpired(t *testing.T) {
	mail := startSMTP(t)
	e := newAccountsEnv(t, memoryBackend, mail, nil)
	br := e.browser()
	br.signUp(br.get(e.abs("/account")), signupFields("once@example.com", newUserPassword))
	link := mail.next("once@example.com", "Confirm").link(t, "/login/verify")
	if p := br.open(link); p.status != http.StatusOK {
		t.Fatalf("first use: %d", p.status)
	}
	if p := br.open(link); p.status != http.StatusGone || !strings.Contains(p.body, "already used") {
		t.Fatalf("second use: %d", p.status)
	}
	br.signUp(br.get(e.abs("/account")), signupFields("late@example.com", newUserPassword))
	link = mail.next("late@example.com", "Confirm").link(t, "/login/verify")
	e.clock.Advance(24*time.Hour + time.Minute)
	if p := br.open(link); p.status != http.StatusGone || !strings.Contains(p.body, "expired") {
		t.Fatalf("after 24h: %d", p.status)
	}
	// Resend: at most 3 links an hour, the same answer either way.
	for i := range 4 {
		p := br.get(e.abs("/login/resend"))
		p = br.post("/login/resend", url.Values{"csrf_token": {p.hidden("csrf_token")}, "email": {"late@example.com"}})
		if p.status != http.StatusOK {
			t.Fatalf("resend %d: %d", i, p.status)
		}
		if i < 3 {
			mail.next("late@example.com", "Confirm")
		}
	}
	mail.none("late@example.com")
}

// forgot asks for a reset link.
func (b *browser) forgot(email string) page {
	p := b.get(b.e.abs("/login/forgot"))
	return b.post("/login/forgot", url.Values{"csrf_token": {p.hidden("csrf_token")}, "email": {email}})
}

func TestForgotResetSignsOutEverywhere(t *testing.T) {
	mail := startSMTP(t)
	e := newAccountsEnv(t, memoryBackend, mail, nil)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, "email", oidc.ScopeOfflineAccess)
	ar := r.start()
	other := e.browser()
	tok, err := r.exchange(other.login(ar, app.DemoUserEmail, app.DemoUserPassword).Query().Get("code"), ar)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v", err)
	}
	br := e.browser()
	known, unknown := br.forgot(app.DemoUserEmail), br.forgot("nobody@example.com")
	if known.status != http.StatusOK || known.testid("notice").Length() == 0 ||
		strings.ReplaceAll(known.testid("notice").Text(), app.DemoUserEmail, "") != strings.ReplaceAll(unknown.testid("notice").Text(), "nobody@example.com", "") {
		t.Fatalf("forgot answers differ: %d %q / %d %q", known.status, known.testid("notice").Text(), unknown.status, unknown.testid("notice").Text())
	}
	link := mail.next(app.DemoUserEmail, "Reset your password").link(t, "/login/reset")
	form := br.open(link)
	weak := br.post("/login/reset", url.Values{"csrf_token": {form.hidden("csrf_token")}, "token": {form.hidden("token")}, "password": {"password"}})
	if weak.status != http.StatusBadRequest {
		t.Fatalf("weak password: %d", weak.status)
	}
	done := br.post("/login/reset", url.Values{"csrf_token": {form.hidden("csrf_token")}, "token": {form.hidden("token")}, "password": {newUserPassword}})
	if done.status != http.StatusOK || done.testid("notice").Length() == 0 {
		t.Fatalf("reset: %d %s", done.status, done.body)
	}
	if m := mail.next(app.DemoUserEmail, "password was changed"); m.subject != "Your password was changed" {
		t.Fatalf("notice %q", m.subject)
	}
	if _, err := r.refresh(tok.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("old refresh token after reset: %v", err)
	}
	if p := other.get(e.abs("/account")); p.testid("login-form").Length() == 0 {
		t.Fatal("the other browser is still signed in")
	}
	again := br.post("/login/reset", url.Values{"csrf_token": {form.hidden("csrf_token")}, "token": {form.hidden("token")}, "password": {newUserPassword + "!"}})
	if again.status != http.StatusGone {
		t.Fatalf("reused reset link: %d", again.status)
	}
	if p := br.submitLogin(br.get(e.abs("/account")), app.DemoUserEmail, newUserPassword); p.url.Path != "/account" {
		t.Fatalf("login with the new password: %s %d", p.url, p.status)
	}
	br.forgot(app.DemoUserEmail)
	late := br.open(mail.next(app.DemoUserEmail, "Reset your password").link(t, "/login/reset"))
	e.clock.Advance(61 * time.Minute)
	if p := br.post("/login/reset", url.Values{"csrf_token": {late.hidden("csrf_token")}, "token": {late.hidden("token")}, "password": {newUserPassword}}); p.status != http.StatusGone {
		t.Fatalf("reset link after 1h: %d", p.status)
	}
}

func TestForgotRateLimited(t *testing.T) {
	e := newAccountsEnv(t, memoryBackend, nil, nil)
	// newAccountsEnv turns rate limits off; this test is about the
	// forgot-password limiter's 5 an hour per address, so the guard's own
	// forgot rule (3 a minute per IP) is taken out of its way.
	e.app.Defences.Policy.RateLimits = true
	delete(e.app.Defences.Policy.Rates, defence.ActionForgotPassword)
	br := e.browser()
	for i := range 5 {
		if p := br.forgot(app.DemoUserEmail); p.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, p.status)
		}
	}
	if p := br.forgot(app.DemoUserEmail); p.status != http.StatusTooManyRequests {
		t.Fatalf("6th request: %d", p.status)
	}
	// The development mailbox shows the links (memory backend, no SMTP).
	p := br.get(e.abs("/dev/mailbox"))
	if p.status != http.StatusOK || p.testid("mail-link").Length() == 0 {
		t.Fatalf("mailbox: %d", p.status)
	}
}

// TestRateLimitsOffCoversForgotPassword: ADMIT_RATE_LIMITS=off turns
// every rate limit off, as the README says, the forgot-password limits
// (5 an hour per address) included.
func TestRateLimitsOffCoversForgotPassword(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	e := &env{t: t, srv: srv, issuer: "http://" + srv.Listener.Addr().String(), clock: &clock{t: time.Now().UTC().Truncate(time.Second)}}
	cfg, err := app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, func(k string) string {
		return map[string]string{"ADMIT_ISSUER": e.issuer, "ADMIT_RATE_LIMITS": "off"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Accounts.ForgotFloor = time.Millisecond
	e.start(memoryBackend, cfg, envOptions{})
	br := e.browser()
	for i := range 8 {
		if p := br.forgot(app.DemoUserEmail); p.status != http.StatusOK {
			t.Fatalf("request %d with rate limits off: %d", i+1, p.status)
		}
	}
}

// signIn signs a new browser in to the account area.
func (e *env) signIn(email, pw string) (*browser, page) {
	br := e.browser()
	p := br.submitLogin(br.get(e.abs("/account")), email, pw)
	if p.url.Path != "/account" {
		e.t.Fatalf("sign in: %s %d", p.url, p.status)
	}
	return br, p
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	mail := startSMTP(t)
	e := newAccountsEnv(t, memoryBackend, mail, nil)
	br, p := e.signIn(app.DemoUserEmail, app.DemoUserPassword)
	other, _ := e.signIn(app.DemoUserEmail, app.DemoUserPassword)
	csrf := p.hidden("csrf_token")
	if p := br.post("/account/password", url.Values{"csrf_token": {csrf}, "current_password": {"wrong"}, "new_password": {newUserPassword}}); p.status != http.StatusUnauthorized {
		t.Fatalf("wrong current password: %d", p.status)
	}
	p = br.post("/account/password", url.Values{"csrf_token": {csrf}, "current_password": {app.DemoUserPassword}, "new_password": {newUserPassword}})
	if p.url.Path != "/account/security" || !strings.Contains(p.testid("notice").Text(), "password was changed") {
		t.Fatalf("change: %s %d", p.url, p.status)
	}
	if p := other.get(e.abs("/account")); p.testid("login-form").Length() == 0 {
		t.Fatal("the other session survived the password change")
	}
	if p := br.get(e.abs("/account")); p.testid("account-user").Length() == 0 {
		t.Fatal("the changing session was ended")
	}
	mail.next(app.DemoUserEmail, "password was changed")
}

func TestRevokeSession(t *testing.T) {
	e := newAccountsEnv(t, memoryBackend, nil, nil)
	other, _ := e.signIn(app.DemoUserEmail, app.DemoUserPassword)
	br, _ := e.signIn(app.DemoUserEmail, app.DemoUserPassword)
	p := br.get(e.abs("/account/devices"))
	if n := p.testid("session").Length(); n != 2 {
		t.Fatalf("%d sessions listed, want 2", n)
	}
	id, _ := p.doc.Find(`form[action="/account/sessions/revoke"] input[name="session"]`).Attr("value")
	p = br.post("/account/sessions/revoke", url.Values{"csrf_token": {p.hidden("csrf_token")}, "session": {id}})
	if p.testid("session").Length() != 1 {
		t.Fatalf("after revoke: %d sessions", p.testid("session").Length())
	}
	if p := other.get(e.abs("/account")); p.testid("login-form").Length() == 0 {
		t.Fatal("the revoked session still works")
	}
}

func TestAuthorisedAppsRevoke(t *testing.T) {
	e := newAccountsEnv(t, memoryBackend, nil, nil)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	ar := r.start()
	br := e.browser()
	tok, err := r.exchange(br.login(ar, app.DemoUserEmail, app.DemoUserPassword).Query().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	p := br.get(e.abs("/account/apps"))
	if p.testid("app").Length() != 1 || !strings.Contains(p.testid("app").Text(), "Demo App") {
		t.Fatalf("apps: %q", p.testid("apps").Text())
	}
	p = br.post("/account/apps/revoke", url.Values{"csrf_token": {p.hidden("csrf_token")}, "client": {app.DemoClientID}})
	if p.testid("app").Length() != 0 {
		t.Fatal("the app is still listed")
	}
	if _, err := r.refresh(tok.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("refresh after revoking the app: %v", err)
	}
}

func TestDeleteAccount(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			mail := startSMTP(t)
			e := newAccountsEnv(t, b, mail, nil)
			br, p := e.signIn(app.DemoUserEmail, app.DemoUserPassword)
			if p := br.post("/account/delete", url.Values{"csrf_token": {p.hidden("csrf_token")}, "password": {"wrong"}}); p.status != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d", p.status)
			}
			p = br.post("/account/delete", url.Values{"csrf_token": {p.hidden("csrf_token")}, "password": {app.DemoUserPassword}})
			if p.status != http.StatusOK || p.testid("deleted").Length() == 0 && !strings.Contains(p.body, "was deleted") {
				t.Fatalf("delete: %d %s", p.status, p.body)
			}
			if p := br.get(e.abs("/account")); p.testid("login-form").Length() == 0 {
				t.Fatal("still signed in after deletion")
			}
			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			if p := br.submitLogin(br.get(r.start().url), app.DemoUserEmail, app.DemoUserPassword); p.status != http.StatusUnauthorized {
				t.Fatalf("login of a deleted user: %d", p.status)
			}
			mail.next(app.DemoUserEmail, "was deleted")
			// The address stays taken during the hold period: same answer, no account.
			br.signUp(br.get(e.abs("/account")), signupFields(app.DemoUserEmail, newUserPassword))
			mail.none(app.DemoUserEmail)
		})
	}
}

// TestSMTPDown: a message accepted while the server is down is delivered
// once it is back; while it is known to be down, pages that exist to send
// a mail say so instead of promising one.
func TestSMTPDown(t *testing.T) {
	mail := startSMTP(t)
	mail.stop()
	e := newAccountsEnv(t, memoryBackend, mail, nil)
	br := e.browser()
	p := br.signUp(br.get(e.abs("/account")), signupFields("down@example.com", newUserPassword))
	if p.status != http.StatusOK {
		t.Fatalf("sign-up while the server is down: %d", p.status)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.app.Accounts.Queue.Ready() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	p = br.get(e.abs("/login/resend"))
	p = br.post("/login/resend", url.Values{"csrf_token": {p.hidden("csrf_token")}, "email": {"down@example.com"}})
	if p.status != http.StatusServiceUnavailable || !strings.Contains(p.body, "could not send the e-mail") || p.testid("retry").Length() == 0 {
		t.Fatalf("resend while down: %d %s", p.status, p.body)
	}
	if p := br.forgot(app.DemoUserEmail); p.status != http.StatusServiceUnavailable {
		t.Fatalf("forgot while down: %d", p.status)
	}
	mail.restart()
	m := mail.next("down@example.com", "")
	if m.subject != "Confirm your e-mail address" {
		t.Fatalf("delivered %q", m.subject)
	}
	if p := br.open(m.link(t, "/login/verify")); p.status != http.StatusOK {
		t.Fatalf("the delayed link: %d", p.status)
	}
}

func TestProfileAndEmailChange(t *testing.T) {
	mail := startSMTP(t)
	e := newAccountsEnv(t, memoryBackend, mail, nil)
	br, p := e.signIn(app.DemoUserEmail, app.DemoUserPassword)
	csrf := p.hidden("csrf_token")
	bad := br.post("/account/profile", url.Values{"csrf_token": {csrf}, "given_name": {"Grace"}, "family_name": {"Hopper"}, "phone": {"555"}})
	if bad.status != http.StatusBadRequest || bad.testid("given_name").AttrOr("value", "") != "Grace" || bad.testid("phone-problem").Text() == "" {
		t.Fatalf("bad phone: %d", bad.status)
	}
	p = br.post("/account/profile", url.Values{"csrf_token": {csrf}, "given_name": {"Grace"}, "family_name": {"Hopper"}, "phone": {"+1 202 555 0100"}, "locale": {"en"}})
	if !strings.Contains(p.testid("notice").Text(), "profile was saved") {
		t.Fatalf("save: %d", p.status)
	}
	u, _ := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
	prof, _ := e.app.Stores.Durable.GetProfile(context.Background(), u.ID)
	if prof.Phone != "+12025550100" || prof.Locale != "en" || u.GivenName != "Grace" {
		t.Fatalf("stored profile %+v", prof)
	}
	p = br.post("/account/email", url.Values{"csrf_token": {csrf}, "email": {"grace@example.org"}})
	if !strings.Contains(p.testid("notice").Text(), "confirmation link") {
		t.Fatalf("change e-mail: %d", p.status)
	}
	if m := mail.next(app.DemoUserEmail, "being changed"); !strings.Contains(m.subject, "being changed") {
		t.Fatalf("old address told %q", m.subject)
	}
	link := mail.next("grace@example.org", "Confirm").link(t, "/login/confirm-email")
	if p := br.open(link); p.status != http.StatusOK {
		t.Fatalf("confirm: %d", p.status)
	}
	e.signIn("grace@example.org", app.DemoUserPassword)
	fresh := e.browser()
	if p := fresh.submitLogin(fresh.get(e.abs("/account")), app.DemoUserEmail, app.DemoUserPassword); p.status != http.StatusUnauthorized {
		t.Fatalf("old address still signs in: %d", p.status)
	}
}

// TestSessionDoesNotBypassVerifiedEmailRequirement: a user signed in (to
// the account area) with an unconfirmed address still cannot reach a client
// that requires a confirmed one.
func TestSessionDoesNotBypassVerifiedEmailRequirement(t *testing.T) {
	e := newAccountsEnv(t, memoryBackend, nil, func(c *app.Config) { c.Accounts.RequireVerifiedEmail = []string{app.DemoClientID} })
	if _, err := e.app.CreateUser(t.Context(), app.NewUser{Email: "unconfirmed@example.com", Password: newUserPassword}); err != nil {
		t.Fatal(err)
	}
	br, _ := e.signIn("unconfirmed@example.com", newUserPassword)
	ar := e.rp(app.DemoClientID, app.DemoClientSecret).start()
	p := br.get(ar.url)
	if p.location != nil || p.status != http.StatusForbidden || !strings.Contains(p.testid("error").Text(), "confirmed e-mail") {
		t.Fatalf("SSO session of an unconfirmed user: status %d location %v", p.status, p.location)
	}
}

// TestSignUpCanBeClosedPerClient: a client listed in
// accounts.no_signup_clients offers no sign-up; others still do.
func TestSignUpCanBeClosedPerClient(t *testing.T) {
	e := newAccountsEnv(t, memoryBackend, nil, func(c *app.Config) { c.Accounts.NoSignUpClients = []string{app.DemoClientID} })
	br := e.browser()
	closed := br.get(e.rp(app.DemoClientID, app.DemoClientSecret).start().url)
	if closed.testid("signup").Length() != 0 {
		t.Fatal("sign-up link shown for a client with sign-up closed")
	}
	if p := br.get(e.abs("/login/signup?flow=" + closed.hidden("flow"))); p.status != http.StatusNotFound {
		t.Fatalf("sign-up page for a closed client: status %d", p.status)
	}
	open := br.get(e.rp(app.DemoSPAID, "").start().url)
	if open.testid("signup").Length() != 1 {
		t.Fatal("sign-up link missing for another client")
	}
}

// TestSigningADeviceOutRevokesItsApps: signing one device out from the
// account area also revokes the refresh tokens applications obtained
// through that device's session (and deny-lists their access tokens);
// the tokens obtained on the device doing it keep working. "Sign out every
// other device" does the same for each session it ends.
func TestSigningADeviceOutRevokesItsApps(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	tokenOn := func() (*oauth2.Token, *browser) {
		code, ar, br := codeFor(t, e, r)
		tok, err := r.exchange(code, ar)
		if err != nil {
			t.Fatal(err)
		}
		return tok, br
	}
	lost, _ := tokenOn()
	kept, here := tokenOn()

	acct := here.get(e.issuer + "/account/devices")
	id, _ := acct.doc.Find(`form[action="/account/sessions/revoke"] input[name="session"]`).Attr("value")
	here.post("/account/sessions/revoke", url.Values{"csrf_token": {acct.hidden("csrf_token")}, "session": {id}})
	if _, err := r.refresh(lost.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("refresh token of the signed-out device: %v, want invalid_grant", err)
	}
	if got := r.introspect(lost.AccessToken); got["active"] != false {
		t.Fatalf("access token of the signed-out device: %v", got)
	}
	next, err := r.refresh(kept.RefreshToken)
	if err != nil {
		t.Fatalf("the device that stayed lost its app: %v", err)
	}

	other, _ := tokenOn()
	acct = here.get(e.issuer + "/account")
	here.post("/account/sessions/revoke-others", url.Values{"csrf_token": {acct.hidden("csrf_token")}})
	if _, err := r.refresh(other.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("refresh token of a device signed out with the others: %v", err)
	}
	if _, err := r.refresh(next.RefreshToken); err != nil {
		t.Fatalf("this device's app after signing the others out: %v", err)
	}
}

// TestAccountNoticesCannotComeFromALink: the account page shows the
// confirmation of what the user just did, once; a notice written into a
// link (?notice=) is not shown.
func TestAccountNoticesCannotComeFromALink(t *testing.T) {
	e := newEnv(t, memoryBackend)
	br := e.browser()
	acct := br.submitLogin(br.get(e.issuer+"/account"), app.DemoUserEmail, app.DemoUserPassword)
	if p := br.get(e.issuer + "/account?notice=Your+account+is+locked.+Call+0800+000+000"); p.testid("notice").Length() != 0 {
		t.Fatalf("a notice from the URL was shown: %q", p.testid("notice").Text())
	}
	p := br.post("/account/sessions/revoke-others", url.Values{"csrf_token": {acct.hidden("csrf_token")}})
	if got := p.testid("notice").Text(); !strings.Contains(got, "Every other device was signed out") {
		t.Fatalf("notice after the action = %q", got)
	}
	if p := br.get(e.issuer + "/account"); p.testid("notice").Length() != 0 {
		t.Fatalf("the notice was shown twice: %q", p.testid("notice").Text())
	}
}
