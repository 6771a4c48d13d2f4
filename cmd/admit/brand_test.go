package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrandCommand: the CLI brands a tenant and one of its clients with the
// admin service's checks (contrast with its ratio, https links, sniffed
// logo) and shows and removes the brand.
func TestBrandCommand(t *testing.T) {
	c := newCLI(t)
	c.ok("", "tenants", "add", "--slug", "hall", "--name", "Hall")
	c.fails("", []string{"brand", "set", "--tenant", "hall", "--color", "#ffcc00"}, "1.51:1")
	c.fails("", []string{"brand", "set", "--tenant", "hall", "--privacy-url", "http://hall.example/p"}, "https")
	c.ok("", "brand", "set", "--tenant", "hall", "--name", "The Hall", "--color", "#0b5394", "--locale", "fr")

	dir := t.TempDir()
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	logo, svg := filepath.Join(dir, "logo.png"), filepath.Join(dir, "logo.svg")
	_ = os.WriteFile(logo, img.Bytes(), 0o600)
	_ = os.WriteFile(svg, []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), 0o600)
	c.fails("", []string{"brand", "logo", "--tenant", "hall", "--file", svg}, "SVG is refused")
	if out := c.ok("", "brand", "logo", "--tenant", "hall", "--file", logo); !strings.Contains(out, "image/png") {
		t.Fatalf("brand logo: %q", out)
	}
	out := c.ok("", "brand", "show", "--tenant", "hall")
	for _, want := range []string{"The Hall", "#0b5394", "fr", "image/png"} {
		if !strings.Contains(out, want) {
			t.Fatalf("brand show lacks %q:\n%s", want, out)
		}
	}
	c.ok("", "clients", "add", "--tenant", "hall", "--id", "hall-app", "--redirect-uri", "https://hall.example/cb", "--policy-uri", "https://hall.example/privacy")
	c.fails("", []string{"clients", "add", "--tenant", "hall", "--id", "hall-bad", "--redirect-uri", "https://hall.example/cb", "--tos-uri", "ftp://hall.example/t"}, "tos_uri")
	c.ok("", "brand", "set", "--tenant", "hall", "--client", "hall-app", "--name", "Hall Tickets")
	c.fails("", []string{"brand", "set", "--client", "hall-app", "--name", "x"}, "not found") // a client of another tenant
	c.ok("", "brand", "remove", "--tenant", "hall")
	c.fails("", []string{"brand", "show", "--tenant", "hall"}, "not found")
}
