package importer

import (
	"fmt"
	"io"
	"sort"
)

// Report is what an import did (or, in a dry run, would do).
type Report struct {
	DryRun bool `json:"dry_run"`
	// Read counts the records read from the source.
	Read int `json:"read"`
	// Inserted, Updated and Unchanged partition the imported users: new in
	// Admit, changed since the last run, identical to the last run.
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Factors counts what the imported users carry, by kind: "password",
	// "totp", "backup_code", "wallet", "identity", "role", "passkey", "deleted".
	Factors map[string]int `json:"factors"`
	// Dropped counts what the source had that Admit does not import, by
	// kind (e.g. "biometric_credential": the old fake biometrics, whose
	// users must enrol a passkey).
	Dropped map[string]int `json:"dropped"`
	Skipped []Skipped      `json:"skipped"`
}

// Skipped is a record that was not imported.
type Skipped struct {
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

func newReport(dry bool) *Report {
	return &Report{DryRun: dry, Factors: map[string]int{}, Dropped: map[string]int{}, Skipped: []Skipped{}}
}

func (r *Report) skip(id string, err *skipError) {
	r.Skipped = append(r.Skipped, Skipped{ID: id, Reason: err.reason, Detail: err.detail})
}

func (r *Report) count(u User) {
	add := func(k string, n int) {
		if n > 0 {
			r.Factors[k] += n
		}
	}
	if u.PasswordHash != "" {
		add("password", 1)
	}
	if u.TOTPSealed != nil {
		add("totp", 1)
	}
	if !u.DeletedAt.IsZero() {
		add("deleted", 1)
	}
	add("backup_code", len(u.BackupCodes))
	add("wallet", len(u.Wallets))
	add("identity", len(u.Identities))
	add("role", len(u.Grants))
	add("passkey", len(u.Passkeys))
}

// Print writes the report for a person: counts per kind, then every
// skipped record with its reason.
func (r *Report) Print(w io.Writer) {
	mode := "imported"
	if r.DryRun {
		mode = "dry run: nothing written; would import"
	}
	fmt.Fprintf(w, "read %d records; %s %d users (%d new, %d updated, %d unchanged); skipped %d\n",
		r.Read, mode, r.Inserted+r.Updated+r.Unchanged, r.Inserted, r.Updated, r.Unchanged, len(r.Skipped))
	for _, k := range sortedKeys(r.Factors) {
		fmt.Fprintf(w, "  %-22s %d\n", k, r.Factors[k])
	}
	for _, k := range sortedKeys(r.Dropped) {
		fmt.Fprintf(w, "  not imported: %-12s %d\n", k, r.Dropped[k])
	}
	byReason := map[string]int{}
	for _, s := range r.Skipped {
		byReason[s.Reason]++
	}
	for _, k := range sortedKeys(byReason) {
		fmt.Fprintf(w, "  skipped: %-30s %d\n", k, byReason[k])
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped %s: %s", orDash(s.ID), s.Reason)
		if s.Detail != "" {
			fmt.Fprintf(w, " (%s)", s.Detail)
		}
		fmt.Fprintln(w)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
