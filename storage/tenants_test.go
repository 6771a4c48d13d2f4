package storage_test

import (
	"strings"
	"testing"

	"github.com/admit-idp/admit/storage"
)

func TestValidSlug(t *testing.T) {
	for _, tt := range []struct {
		slug string
		ok   bool
	}{
		{"default", true},
		{"a", true},
		{"9lives", true},
		{"box-office-2", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"-lead", false},
		{"trail-", false},
		{"Upper", false},
		{"under_score", false},
		{"dot.ted", false},
		{"new\nline", false},
		{"ok\n", false},
	} {
		if got := storage.ValidSlug(tt.slug); got != tt.ok {
			t.Errorf("ValidSlug(%q) = %v, want %v", tt.slug, got, tt.ok)
		}
	}
}

func TestValidVenueID(t *testing.T) {
	for _, tt := range []struct {
		id string
		ok bool
	}{
		{"venue-1", true},
		{"Arena.North:B_2", true},
		{strings.Repeat("v", 128), true},
		{strings.Repeat("v", 129), false},
		{"", false},
		{"a/b", false},
		{"a b", false},
		{"a?b", false},
		{"ü", false},
		{"v\n", false},
	} {
		if got := storage.ValidVenueID(tt.id); got != tt.ok {
			t.Errorf("ValidVenueID(%q) = %v, want %v", tt.id, got, tt.ok)
		}
	}
}
