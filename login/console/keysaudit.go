package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	views "github.com/admit-idp/admit/templates/console"
)

func (h *Handler) keys(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	keys, err := h.Admin.ListKeys(r.Context(), v.P)
	if err != nil {
		h.fail(w, r, v.P, "GET /console/keys", err)
		return
	}
	view := views.KeysView{Shell: h.shell(r, "Signing keys", "keys")}
	if r.URL.Query().Get("rotated") != "" {
		view.Notice = "The keys were rotated: the next key signs now."
	}
	now := h.Now()
	for _, k := range keys {
		since := k.CreatedAt
		if k.State == storage.KeyActive && !k.ActivatedAt.IsZero() {
			since = k.ActivatedAt
		}
		view.Keys = append(view.Keys, views.KeyRow{ID: k.ID, Algorithm: k.Algorithm, State: k.State, Age: age(now.Sub(since)), Created: stamp(k.CreatedAt)})
	}
	login.Render(w, r, http.StatusOK, views.KeysPage(view))
}

func (h *Handler) confirmRotateKeys(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	if !v.P.May(admin.ActManageKeys) {
		h.fail(w, r, v.P, "GET /console/keys/rotate", forbidden(v.P, admin.ActManageKeys))
		return
	}
	login.Render(w, r, http.StatusOK, views.ConfirmPage(views.ConfirmView{Shell: h.shell(r, "Rotate the signing keys?", "keys"),
		Question: "The next key becomes the active signing key and a new next key is made.",
		Detail:   "The retiring key stays published for its grace period, so tokens already issued keep verifying.",
		Action:   Path + "/keys/rotate", Button: "Rotate keys", Cancel: Path + "/keys"}))
}

func (h *Handler) rotateKeys(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	if !confirmed(w, r, Path+"/keys/rotate") {
		return
	}
	if _, err := h.Admin.RotateKeys(r.Context(), v.P); err != nil {
		h.fail(w, r, v.P, "POST /console/keys/rotate", err)
		return
	}
	http.Redirect(w, r, Path+"/keys?rotated=1", http.StatusSeeOther)
}

// auditQuery reads the audit filters (times are UTC, "2006-01-02T15:04"
// or a date).
func auditQuery(q url.Values) (admin.AuditQuery, error) {
	out := admin.AuditQuery{Event: strings.TrimSpace(q.Get("event")), ActorID: strings.TrimSpace(q.Get("actor")), UserID: strings.TrimSpace(q.Get("user"))}
	for name, dst := range map[string]*time.Time{"since": &out.Since, "until": &out.Until} {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			continue
		}
		var err error
		for _, layout := range []string{"2006-01-02T15:04", time.RFC3339, "2006-01-02"} {
			var t time.Time
			if t, err = time.Parse(layout, s); err == nil {
				*dst = t.UTC()
				break
			}
		}
		if err != nil {
			return out, &admin.ValidationError{Errors: []admin.FieldError{{Field: name, Detail: name + ": a UTC time such as 2026-12-07T14:00"}}}
		}
	}
	return out, nil
}

func (h *Handler) audit(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	q := r.URL.Query()
	view := views.AuditView{Shell: h.shell(r, "Audit log", "audit"), Since: q.Get("since"), Until: q.Get("until"), Event: q.Get("event"),
		Actor: q.Get("actor"), User: q.Get("user"), Tenant: q.Get("tenant"), TenantField: v.P.Platform()}
	filter := url.Values{}
	for _, k := range []string{"since", "until", "event", "actor", "user"} {
		if s := q.Get(k); s != "" {
			filter.Set(k, s)
		}
	}
	view.Export = withTenant(r, Path+"/audit/export", filter)
	aq, err := auditQuery(q)
	var list admin.List[storage.AuditEvent]
	if err == nil {
		list, err = h.Admin.ListAudit(r.Context(), v.P, tenant(r), aq, admin.Page{Cursor: q.Get("cursor"), Limit: 50})
	}
	var ve *admin.ValidationError
	if errors.As(err, &ve) {
		view.Error = ve.Error()
		login.Render(w, r, http.StatusBadRequest, views.AuditPage(view))
		return
	}
	if err != nil {
		h.fail(w, r, v.P, "GET /console/audit", err)
		return
	}
	for _, e := range list.Items {
		view.Events = append(view.Events, views.EventRow{Time: e.Time.UTC().Format("2006-01-02 15:04:05"), Event: e.Event, Outcome: e.Outcome,
			Actor: e.ActorID, User: e.UserID, Tenant: e.TenantID, IP: e.IP, Reason: e.Reason, Details: details(e.Details)})
	}
	if list.Next != "" {
		next := url.Values{}
		for k, vs := range filter {
			next[k] = vs
		}
		next.Set("cursor", list.Next)
		view.Next = withTenant(r, Path+"/audit", next)
	}
	login.Render(w, r, http.StatusOK, views.AuditPage(view))
}

func details(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

// exportLimit bounds one export (pages of admin.MaxLimit).
const exportLimit = 100_000

// auditExport writes the filtered view as JSON Lines (one event per line,
// oldest first), page by page through the same service call.
func (h *Handler) auditExport(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	aq, err := auditQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, v.P, "GET /console/audit/export", err)
		return
	}
	// The first page decides the answer (a refusal or failure is a page,
	// not a truncated file).
	list, err := h.Admin.ListAudit(r.Context(), v.P, tenant(r), aq, admin.Page{Limit: admin.MaxLimit})
	if err != nil {
		h.fail(w, r, v.P, "GET /console/audit/export", err)
		return
	}
	w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit.jsonl"`)
	enc := json.NewEncoder(w)
	n := 0
	for {
		for _, e := range list.Items {
			if err := enc.Encode(admin.RecordOf(e)); err != nil {
				return
			}
			n++
		}
		if list.Next == "" || n >= exportLimit {
			return
		}
		if list, err = h.Admin.ListAudit(r.Context(), v.P, tenant(r), aq, admin.Page{Cursor: list.Next, Limit: admin.MaxLimit}); err != nil {
			h.log().ErrorContext(r.Context(), "console: audit export cut short", "error", err, "lines", n)
			return
		}
	}
}
