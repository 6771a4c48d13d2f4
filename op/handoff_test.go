package op

import (
	"strings"
	"testing"
)

func TestHandoff(t *testing.T) {
	var h handoff
	at := h.seal("at", "eyJwYXlsb2FkIjoxfQ")
	if strings.Contains(at, ":") {
		t.Fatalf("sealed ID %q contains op's separator", at)
	}
	tests := []struct {
		name, kind, id string
		ok             bool
	}{
		{"genuine", "at", at, true},
		{"other kind", "rf", at, false},
		{"raw token text", "at", "eyJwYXlsb2FkIjoxfQ", false},
		{"tampered", "at", flipAt(at, len(at)-5), false},
		{"another process's ID", "at", new(handoff).seal("at", "eyJwYXlsb2FkIjoxfQ"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := h.open(tt.kind, tt.id)
			if ok != tt.ok || (ok && v != "eyJwYXlsb2FkIjoxfQ") {
				t.Fatalf("open: %q, %v", v, ok)
			}
		})
	}
}

// flipAt changes the character at i.
func flipAt(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
