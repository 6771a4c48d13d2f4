package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/admit-idp/admit/storage"
)

// CreateSession stores sess; its ID and token hash are unique among live
// sessions (an expired session no longer holds either).
func (s *Store) CreateSession(ctx context.Context, sess storage.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.maybeSweepLocked(now)
	if _, ok := s.liveSessionLocked(sess.ID, now); ok {
		return fmt.Errorf("memory: create session %s: %w", sess.ID, storage.ErrAlreadyExists)
	}
	if id, ok := s.sessionByTok[sess.TokenHash]; ok {
		if _, live := s.liveSessionLocked(id, now); live {
			return fmt.Errorf("memory: create session %s: token hash taken: %w", sess.ID, storage.ErrAlreadyExists)
		}
	}
	s.sessions[sess.ID] = cloneSession(sess)
	s.sessionByTok[sess.TokenHash] = sess.ID
	s.announceLocked(ctx)
	return nil
}

// GetSessionByTokenHash returns the live session with the token hash.
func (s *Store) GetSessionByTokenHash(_ context.Context, tokenHash string) (storage.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.liveSessionLocked(s.sessionByTok[tokenHash], s.now())
	if !ok {
		return storage.Session{}, fmt.Errorf("memory: get session by token: %w", storage.ErrNotFound)
	}
	return cloneSession(sess), nil
}

// TouchSession records activity on a live session.
func (s *Store) TouchSession(_ context.Context, id string, at time.Time, ip, userAgent string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.liveSessionLocked(id, s.now())
	if !ok {
		return fmt.Errorf("memory: touch session %s: %w", id, storage.ErrNotFound)
	}
	sess.LastSeenAt, sess.IP, sess.UserAgent = at, ip, userAgent
	s.sessions[id] = sess
	return nil
}

// DeleteSession removes the session if it exists.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[id]; ok {
		s.deleteSessionLocked(id)
		s.announceLocked(ctx)
	}
	return nil
}

// DeleteUserSessions removes every session of the user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	deleted := false
	for id, sess := range s.sessions {
		if sess.UserID == userID {
			s.deleteSessionLocked(id)
			deleted = true
		}
	}
	if deleted {
		s.announceLocked(ctx)
	}
	return nil
}

// DeleteUserSession removes one of the user's live sessions.
func (s *Store) DeleteUserSession(ctx context.Context, userID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.liveSessionLocked(id, s.now())
	if !ok || sess.UserID != userID {
		return fmt.Errorf("memory: delete user session: %w", storage.ErrNotFound)
	}
	s.deleteSessionLocked(id)
	s.announceLocked(ctx)
	return nil
}

// ListUserSessions returns a page of the user's live sessions, newest
// first.
func (s *Store) ListUserSessions(_ context.Context, userID string, p storage.PageRequest) (storage.Page[storage.Session], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var out []storage.Session
	for _, sess := range s.sessions {
		if sess.UserID == userID && !expired(now, sess.ExpiresAt) {
			out = append(out, cloneSession(sess))
		}
	}
	slices.SortFunc(out, func(a, b storage.Session) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return timePage(out, p, func(ss storage.Session) (time.Time, string) { return ss.CreatedAt, ss.ID })
}

// timePage returns the page p of items sorted newest first by key.
func timePage[T any](items []T, p storage.PageRequest, key func(T) (time.Time, string)) (storage.Page[T], error) {
	if p.After != "" {
		at, id, err := storage.ParseTimeCursor(p.After)
		if err != nil {
			return storage.Page[T]{}, fmt.Errorf("memory: list: %w", err)
		}
		i := slices.IndexFunc(items, func(it T) bool { t, k := key(it); return storage.Before(t, k, at, id) })
		if i < 0 {
			i = len(items)
		}
		items = items[i:]
	}
	if len(items) <= p.Size() {
		return storage.Page[T]{Items: items}, nil
	}
	items = items[:p.Size()]
	t, k := key(items[len(items)-1])
	return storage.Page[T]{Items: items, Next: storage.TimeCursor(t, k)}, nil
}

// liveSessionLocked returns the session unless it is missing or expired; an
// expired one is dropped on the way.
func (s *Store) liveSessionLocked(id string, now time.Time) (storage.Session, bool) {
	sess, ok := s.sessions[id]
	if ok && expired(now, sess.ExpiresAt) {
		s.expireSessionLocked(id)
		return storage.Session{}, false
	}
	return sess, ok
}

// expireSessionLocked deletes a session past its end and announces it
// (session.ended, reason "expired", with its clients for back-channel
// logout), as the Postgres sweep does; whichever notices the expiry first,
// a read or the sweep, does it once. Callers hold s.mu.
func (s *Store) expireSessionLocked(id string) {
	sess, ok := s.sessions[id]
	if !ok {
		return
	}
	l := s.sessionLinkLocked(id, sess)
	s.deleteSessionLocked(id)
	// IDs are fresh: the append cannot collide.
	_ = s.appendLocked([]storage.Event{storage.SessionEndedEvent(l, storage.SessionExpired, s.now())})
}

// deleteSessionLocked removes the session and its token index entry.
func (s *Store) deleteSessionLocked(id string) {
	sess, ok := s.sessions[id]
	if !ok {
		return
	}
	delete(s.sessions, id)
	delete(s.sessionClients, id)
	if s.sessionByTok[sess.TokenHash] == id {
		delete(s.sessionByTok, sess.TokenHash)
	}
}

func cloneSession(sess storage.Session) storage.Session {
	sess.AMR = slices.Clone(sess.AMR)
	return sess
}

// AddSessionClient implements storage.SessionClients.
func (s *Store) AddSessionClient(_ context.Context, sessionID, clientID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[sessionID]; !ok {
		return fmt.Errorf("memory: add client to session %s: %w", sessionID, storage.ErrNotFound)
	}
	if s.sessionClients == nil {
		s.sessionClients = map[string]map[string]time.Time{}
	}
	if s.sessionClients[sessionID] == nil {
		s.sessionClients[sessionID] = map[string]time.Time{}
	}
	if _, ok := s.sessionClients[sessionID][clientID]; !ok {
		s.sessionClients[sessionID][clientID] = at
	}
	return nil
}

// SessionLinks implements storage.SessionClients.
func (s *Store) SessionLinks(_ context.Context, userID, sessionID string) ([]storage.SessionLink, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storage.SessionLink
	for id, sess := range s.sessions {
		if (sessionID != "" && id != sessionID) || (sessionID == "" && sess.UserID != userID) ||
			(sessionID != "" && userID != "" && sess.UserID != userID) {
			continue
		}
		out = append(out, s.sessionLinkLocked(id, sess))
	}
	slices.SortFunc(out, func(a, b storage.SessionLink) int { return cmp.Compare(a.SessionID, b.SessionID) })
	return out, nil
}

// sessionLinkLocked is the session with its clients, sorted (nil if none).
// Callers hold s.mu.
func (s *Store) sessionLinkLocked(id string, sess storage.Session) storage.SessionLink {
	l := storage.SessionLink{SessionID: id, UserID: sess.UserID}
	for c := range s.sessionClients[id] {
		l.Clients = append(l.Clients, c)
	}
	slices.Sort(l.Clients)
	return l
}
