package login

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/admit-idp/admit/storage"
)

// DefaultSessionLifetime matches the old service's 7-day refresh window.
const DefaultSessionLifetime = 7 * 24 * time.Hour

const (
	sessionCookie = "admit_session"
	// touchEvery throttles last-seen writes to one per session per minute.
	touchEvery = time.Minute
)

// Sessions manages browser SSO sessions: a random token in a cookie, its
// SHA-256 in storage.
type Sessions struct {
	Store    storage.Sessions
	Cookies  Cookies
	Lifetime time.Duration
	Now      func() time.Time
}

// Current returns the browser's live session. ok is false when there is none
// (no cookie, unknown, expired); err only for backend failures.
func (m *Sessions) Current(r *http.Request) (s storage.Session, ok bool, err error) {
	if s, ok, err = m.Peek(r); !ok {
		return storage.Session{}, false, err
	}
	m.touch(r, s)
	return s, true, nil
}

// Peek is Current without recording the visit: it only reads (the locale
// middleware uses it before the handler, which calls Current).
func (m *Sessions) Peek(r *http.Request) (s storage.Session, ok bool, err error) {
	tok := m.Cookies.Get(r, sessionCookie)
	if tok == "" {
		return storage.Session{}, false, nil
	}
	s, err = m.Store.GetSessionByTokenHash(r.Context(), hashToken(tok))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Session{}, false, nil
	}
	return s, err == nil, err
}

func (m *Sessions) touch(r *http.Request, s storage.Session) {
	now := m.Now()
	if now.Sub(s.LastSeenAt) < touchEvery {
		return
	}
	// Best effort: a failed last-seen update must not fail the login.
	_ = m.Store.TouchSession(r.Context(), s.ID, now, ClientIP(r), r.UserAgent())
}

// Start creates a session for a completed login, replacing the browser's
// previous one (a new login must not inherit an old session ID: fixation).
func (m *Sessions) Start(w http.ResponseWriter, r *http.Request, a Authentication) (storage.Session, error) {
	if err := m.End(w, r); err != nil {
		return storage.Session{}, err
	}
	tok, err := randomToken()
	if err != nil {
		return storage.Session{}, err
	}
	s, err := m.newSession(r, a, tok)
	if err != nil {
		return storage.Session{}, err
	}
	if err := m.Store.CreateSession(r.Context(), s); err != nil {
		return storage.Session{}, err
	}
	m.Cookies.Set(w, sessionCookie, tok, m.lifetime())
	return s, nil
}

func (m *Sessions) newSession(r *http.Request, a Authentication, tok string) (storage.Session, error) {
	id, err := randomID()
	if err != nil {
		return storage.Session{}, err
	}
	now := m.Now()
	return storage.Session{
		ID: id, TokenHash: hashToken(tok), UserID: a.UserID, AuthTime: a.AuthTime, AMR: a.AMR, ACR: a.ACR,
		IP: ClientIP(r), UserAgent: r.UserAgent(), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(m.lifetime()),
		MFAAt: a.MFAAt,
	}, nil
}

// End deletes the browser's session, if any, and clears the cookie.
func (m *Sessions) End(w http.ResponseWriter, r *http.Request) error {
	tok := m.Cookies.Get(r, sessionCookie)
	if tok == "" {
		return nil
	}
	m.Cookies.Clear(w, sessionCookie)
	s, err := m.Store.GetSessionByTokenHash(r.Context(), hashToken(tok))
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return m.Store.DeleteSession(context.WithoutCancel(r.Context()), s.ID)
}

func (m *Sessions) lifetime() time.Duration {
	if m.Lifetime <= 0 {
		return DefaultSessionLifetime
	}
	return m.Lifetime
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}
