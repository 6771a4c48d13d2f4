package admit_test

// The import-direction check: every package of the module belongs to one
// layer of the table below, and may import only packages of its own layer
// or of a layer with a lower rank. Layers that share a rank are peers and
// may not import each other. docs/architecture.md explains the layers;
// when a package moves, change its row here (and there) in the same
// commit. Test imports are held to the same rule.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/admit-idp/admit"

// layer is a named group of packages, by path prefix relative to the module.
type layer struct {
	name     string
	rank     int
	prefixes []string
}

// layers, lowest first. A package belongs to the layer with the longest
// prefix equal to its path or to a parent folder of it.
var layers = []layer{
	// The domain model and its backends, and the schema they run on.
	{"storage", 0, []string{"storage", "migrations"}},
	// Views: templ components and static assets know no Go package of ours.
	{"views", 0, []string{"templates", "static"}},
	// Key material: signing keys, sealing, signed tokens.
	{"keys", 1, []string{"keys"}},
	// The domain services: the rules over the model, under storage/ beside
	// it. The role catalogue, the administration service (with its user
	// importer) and the audit recorder. Backends never import them; the
	// protocol, the login pages and the APIs all go through them.
	{"domain", 2, []string{"storage/roles", "storage/admin", "storage/audit"}},
	// The OpenID Provider (zitadel op.Storage adapter) and the hosted login
	// are peers: neither imports the other; cmd wires them together.
	{"protocol", 3, []string{"op"}},
	{"login", 3, []string{"login"}},
	// The admin HTTP API serves the domain and revokes through op.
	{"api", 4, []string{"op/adminapi"}},
	// The HTTP behaviour around op's endpoints: wraps op's handlers and
	// answers through the login pages.
	{"endpoints", 4, []string{"op/endpoints"}},
	// The event outbox's delivery worker and sinks (webhooks, NATS,
	// back-channel logout): a consumer of the outbox with no UI, which
	// signs logout tokens through op.
	{"events", 4, []string{"op/events"}},
	// The composition root.
	{"cmd", 5, []string{"cmd"}},
}

// layerOf returns the layer of a module-relative package path.
func layerOf(rel string) (layer, bool) {
	var best layer
	bestLen := -1
	for _, l := range layers {
		for _, p := range l.prefixes {
			if (rel == p || strings.HasPrefix(rel, p+"/")) && len(p) > bestLen {
				best, bestLen = l, len(p)
			}
		}
	}
	return best, bestLen >= 0
}

// mayImport reports whether a package of layer from may import one of to.
func mayImport(from, to layer) bool {
	return from.name == to.name || to.rank < from.rank
}

// pkg is the part of `go list -json` the check reads.
type pkg struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
}

// relative returns the module-relative path of an import of ours, or false.
func relative(path string) (string, bool) {
	return strings.CutPrefix(path, module+"/")
}

// violations lists every import that goes up or sideways between layers,
// and every package of ours no layer names.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		rel, ok := relative(p.ImportPath)
		if !ok {
			continue // the module root has no package today
		}
		from, ok := layerOf(rel)
		if !ok {
			out = append(out, fmt.Sprintf("%s is in no layer: add it to the table in layers_test.go", rel))
			continue
		}
		for _, imp := range append(append(p.Imports, p.TestImports...), p.XTestImports...) {
			dep, ours := relative(imp)
			if !ours {
				continue
			}
			to, ok := layerOf(dep)
			if ok && !mayImport(from, to) {
				out = append(out, fmt.Sprintf("%s (%s, rank %d) imports %s (%s, rank %d)", rel, from.name, from.rank, dep, to.name, to.rank))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestImportDirection fails when a lower layer imports a higher one, a
// peer imports a peer, or a package belongs to no layer.
func TestImportDirection(t *testing.T) {
	for _, v := range violations(listPackages(t)) {
		t.Error(v)
	}
}

// TestLayerRules checks the rule itself on made-up imports, so a broken
// table or matcher cannot pass the real check vacuously.
func TestLayerRules(t *testing.T) {
	pkgs := []pkg{
		{ImportPath: module + "/storage/postgres", Imports: []string{module + "/storage", "context"}},
		{ImportPath: module + "/storage", Imports: []string{module + "/login"}},
		{ImportPath: module + "/op", Imports: []string{module + "/storage/roles", module + "/keys"}},
		{ImportPath: module + "/op", TestImports: []string{module + "/login/password"}},
		{ImportPath: module + "/storage/admin", XTestImports: []string{module + "/op/adminapi"}},
		{ImportPath: module + "/login/venues", Imports: []string{module + "/storage/admin", module + "/templates"}},
		{ImportPath: module + "/templates", Imports: []string{module + "/storage"}},
		{ImportPath: module + "/importer", Imports: []string{module + "/storage"}},
		{ImportPath: module + "/cmd/admit/app", Imports: []string{module + "/op/adminapi", module + "/login"}},
	}
	want := []string{
		"importer is in no layer: add it to the table in layers_test.go",
		"op (protocol, rank 3) imports login/password (login, rank 3)",
		"storage (storage, rank 0) imports login (login, rank 3)",
		"storage/admin (domain, rank 2) imports op/adminapi (api, rank 4)",
		"templates (views, rank 0) imports storage (storage, rank 0)",
	}
	got := violations(pkgs)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// importTable renders the module's own non-test imports as
// docs/architecture.md shows them under "Imports today".
func importTable(pkgs []pkg) string {
	type row struct{ from, to string }
	var rows []row
	width := 0
	for _, p := range pkgs {
		rel, ok := relative(p.ImportPath)
		if !ok {
			continue
		}
		var own []string
		for _, imp := range p.Imports {
			if dep, ours := relative(imp); ours {
				own = append(own, dep)
			}
		}
		to := strings.Join(own, " ")
		if to == "" {
			to = "(none of ours)"
		}
		rows = append(rows, row{rel, to})
		width = max(width, len(rel))
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s -> %s\n", width, r.from, r.to)
	}
	return b.String()
}

// TestArchitectureDocMatchesGoList keeps docs/architecture.md's import
// listing equal to what go list reports.
func TestArchitectureDocMatchesGoList(t *testing.T) {
	doc, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	want := importTable(listPackages(t))
	if !strings.Contains(string(doc), "```\n"+want+"```") {
		t.Fatalf("docs/architecture.md's \"Imports today\" block is out of date; replace it with:\n%s", want)
	}
}
