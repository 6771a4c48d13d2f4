package main

import "testing"

func TestClientsAddRequireMFA(t *testing.T) {
	c := newCLI(t)
	c.ok("", "clients", "add", "--id", "bank1", "--require-mfa", "--redirect-uri", "https://bank.example.com/cb")
	c.ok("", "clients", "add", "--id", "shop2", "--redirect-uri", "https://shop.example.com/cb")
	for id, want := range map[string]bool{"bank1": true, "shop2": false} {
		got, err := c.store().GetClient(t.Context(), id)
		if err != nil {
			t.Fatalf("stored client %s: %v", id, err)
		}
		if got.RequireMFA != want {
			t.Errorf("client %s RequireMFA = %v, want %v", id, got.RequireMFA, want)
		}
	}
}
