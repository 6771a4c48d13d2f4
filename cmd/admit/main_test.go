package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/postgres"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
	"github.com/admit-idp/admit/storage/redis/redistest"
)

// TestMain lets `admit serve`, run in these tests, start this test binary
// as its hash processes, as main does for the admit binary.
func TestMain(m *testing.M) {
	password.ServeHashProcessIfAsked()
	os.Exit(m.Run())
}

// cli runs the admit command in-process with a private environment, so the
// tests never read the developer's ADMIT_* variables.
type cli struct {
	t   *testing.T
	env map[string]string
}

// result is one command's outcome.
type result struct {
	stdout, stderr string
	err            error
}

// newCLI points the command at a fresh, migrated database, the test Redis
// under a private key prefix and a master key made by `admit keys master-key`
// itself.
func newCLI(t *testing.T) *cli {
	t.Helper()
	_, prefix := redistest.NewClient(t)
	c := &cli{t: t, env: map[string]string{
		"ADMIT_DATABASE_URL": pgtest.NewDatabase(t),
		"ADMIT_REDIS_URL":    redistest.URL(),
		"ADMIT_REDIS_PREFIX": prefix,
		"ADMIT_LOG_LEVEL":    "warn",
	}}
	c.env["ADMIT_MASTER_KEY"] = strings.TrimSpace(c.ok("", "keys", "master-key"))
	return c
}

// in returns a copy of c that reports to t (a subtest).
func (c *cli) in(t *testing.T) *cli {
	n := *c
	n.t = t
	return &n
}

// with returns a copy of c with env changed; "" removes a variable.
func (c *cli) with(env map[string]string) *cli {
	n := &cli{t: c.t, env: maps.Clone(c.env)}
	for k, v := range env {
		if v == "" {
			delete(n.env, k)
		} else {
			n.env[k] = v
		}
	}
	return n
}

func (c *cli) run(stdin string, args ...string) result {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return c.env[k] }
	err := run(c.t.Context(), args, getenv, strings.NewReader(stdin), &stdout, &stderr)
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// ok runs a command that must succeed and returns its standard output.
func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	r := c.run(stdin, args...)
	if r.err != nil {
		c.t.Fatalf("admit %s: %v\nstderr:\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r.stdout
}

// fails runs a command that must fail with an error containing every want.
func (c *cli) fails(stdin string, args []string, want ...string) result {
	c.t.Helper()
	r := c.run(stdin, args...)
	if r.err == nil {
		c.t.Fatalf("admit %s succeeded, want an error containing %q\nstdout:\n%s", strings.Join(args, " "), want, r.stdout)
	}
	for _, w := range want {
		if !strings.Contains(r.err.Error(), w) {
			c.t.Errorf("admit %s: error lacks %q:\n%v", strings.Join(args, " "), w, r.err)
		}
	}
	return r
}

// store opens the command's database directly, to check what a command wrote.
func (c *cli) store() *postgres.Store {
	c.t.Helper()
	pool, err := postgres.Connect(c.t.Context(), c.env["ADMIT_DATABASE_URL"])
	if err != nil {
		c.t.Fatalf("connect: %v", err)
	}
	c.t.Cleanup(pool.Close)
	return postgres.New(pool, nil)
}

// table parses tabwriter output into rows of fields, without the header.
func table(out string) [][]string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var rows [][]string
	for _, l := range lines[1:] {
		rows = append(rows, strings.Fields(l))
	}
	return rows
}

func TestKeysMasterKey(t *testing.T) {
	// No database: generating a key must work before anything is configured.
	c := &cli{t: t, env: map[string]string{}}
	first, second := strings.TrimSpace(c.ok("", "keys", "master-key")), strings.TrimSpace(c.ok("", "keys", "master-key"))
	for _, s := range []string{first, second} {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw) != keys.MasterKeySize {
			t.Errorf("master key %q: want standard base64 of %d bytes (err %v)", s, keys.MasterKeySize, err)
		}
		if _, err := keys.ParseMasterKey(s); err != nil {
			t.Errorf("ParseMasterKey rejects the printed key: %v", err)
		}
	}
	if first == second {
		t.Error("two runs printed the same master key")
	}
}

var secretLine = regexp.MustCompile(`(?m)^client secret \(shown once, store it now\): (\S+)$`)

func TestClientsAddListRemove(t *testing.T) {
	c := newCLI(t)
	// "c1" would be too short: ids are 3-64 characters.
	out := c.ok("", "clients", "add", "--id", "shop1", "--name", "Shop",
		"--redirect-uri", "https://app.example.com/cb", "--grant", "authorization_code", "--grant", "refresh_token")
	m := secretLine.FindStringSubmatch(out)
	if !strings.Contains(out, "client shop1 created") || m == nil {
		t.Fatalf("clients add output lacks the confirmation or the secret:\n%s", out)
	}
	secret := m[1]
	got, err := c.store().GetClient(t.Context(), "shop1")
	if err != nil {
		t.Fatalf("stored client: %v", err)
	}
	if !op.SecretMatches(secret, got.SecretHash) {
		t.Error("the printed secret does not match the stored hash")
	}
	if got.AuthMethod != storage.AuthMethodBasic || got.Public {
		t.Errorf("stored client: auth method %q public %v, want client_secret_basic confidential", got.AuthMethod, got.Public)
	}

	list := c.ok("", "clients", "list")
	rows := table(list)
	want := []string{"shop1", "Shop", "confidential", "authorization_code,refresh_token", "https://app.example.com/cb"}
	if len(rows) != 1 || strings.Join(rows[0], " ") != strings.Join(want, " ") {
		t.Errorf("clients list rows = %q, want one row %q\n%s", rows, want, list)
	}
	if strings.Contains(list, secret) || strings.Contains(list, got.SecretHash) {
		t.Errorf("clients list shows the secret or its hash:\n%s", list)
	}

	c.fails("", []string{"clients", "add", "--id", "shop1", "--redirect-uri", "https://other.example.com/cb"}, "already exists")

	if out := c.ok("", "clients", "remove", "shop1"); !strings.Contains(out, "removed shop1") {
		t.Errorf("clients remove output = %q", out)
	}
	if rows := table(c.ok("", "clients", "list")); len(rows) != 0 {
		t.Errorf("clients list after remove = %q, want no rows", rows)
	}
	c.fails("", []string{"clients", "remove", "shop1"}, "not found")
	c.fails("", []string{"clients", "remove"}, "usage: admit clients remove CLIENT_ID")
}

func TestClientsAddPublicHasNoSecret(t *testing.T) {
	c := newCLI(t)
	out := c.ok("", "clients", "add", "--id", "spa", "--public", "--redirect-uri", "http://127.0.0.1:5555/cb")
	if !strings.Contains(out, "client spa created") || strings.Contains(out, "secret") {
		t.Errorf("public client output should confirm without a secret:\n%s", out)
	}
	if rows := table(c.ok("", "clients", "list")); len(rows) != 1 || rows[0][1] != "public" {
		t.Errorf("clients list = %q, want spa as public", rows) // no name: TYPE is the 2nd field
	}
}

func TestClientsAddRejectsBadSpec(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"http redirect off loopback", []string{"--id", "app1", "--redirect-uri", "http://app.example.com/cb"},
			`redirect URI "http://app.example.com/cb": plain http is only allowed for loopback addresses`},
		{"relative redirect", []string{"--id", "app1", "--redirect-uri", "/cb"}, "must be an absolute URL"},
		{"fragment", []string{"--id", "app1", "--redirect-uri", "https://app.example.com/cb#x"}, "must not contain a fragment"},
		{"id with a space", []string{"--id", "my app", "--redirect-uri", "https://app.example.com/cb"}, `client id "my app": 3-64 characters`},
		{"id too short", []string{"--id", "c1", "--redirect-uri", "https://app.example.com/cb"}, `client id "c1"`},
		{"no id", []string{"--redirect-uri", "https://app.example.com/cb"}, `client id ""`},
		{"no redirect", []string{"--id", "app1"}, "authorization_code needs at least one redirect URI"},
		{"unknown grant", []string{"--id", "app1", "--grant", "password"}, `grant "password"`},
		{"public client_credentials", []string{"--id", "app1", "--public", "--grant", "client_credentials"}, "public client cannot use client_credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.in(t).fails("", append([]string{"clients", "add"}, tc.args...), tc.want)
		})
	}
	if rows := table(c.ok("", "clients", "list")); len(rows) != 0 {
		t.Errorf("rejected clients were stored: %q", rows)
	}
}

func TestUsersAdd(t *testing.T) {
	c := newCLI(t)
	const pw = "correct horse battery staple"
	out := c.ok(pw+"\n", "users", "add", "--email", "Alice@Example.com", "--given-name", "Alice", "--verified")
	if !regexp.MustCompile(`^user [0-9a-f-]{36} created \(alice@example\.com\)\n$`).MatchString(out) {
		t.Errorf("users add output = %q", out)
	}
	u, err := c.store().GetUserByEmail(t.Context(), storage.DefaultTenantID, "alice@example.com")
	if err != nil {
		t.Fatalf("stored user: %v", err)
	}
	if u.GivenName != "Alice" || !u.EmailVerified {
		t.Errorf("stored user = %+v, want given name Alice, verified", u)
	}
	h, err := password.New(password.OWASP)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Verify(pw, u.PasswordHash); err != nil {
		t.Errorf("the password read from stdin does not verify: %v", err)
	}
	if _, err := h.Verify(pw+"\n", u.PasswordHash); !errors.Is(err, password.ErrMismatch) {
		t.Errorf("the trailing newline became part of the password: %v", err)
	}

	// E-mails are unique regardless of case.
	c.fails("other password\n", []string{"users", "add", "--email", "alice@example.com"}, "already exists")
	c.fails("", []string{"users", "add", "--email", "bob@example.com"}, "no password given on standard input")
	c.fails("", []string{"users"}, "usage: admit users add")
}

func TestKeysListRotatePrune(t *testing.T) {
	c := newCLI(t)
	// RS256 only: the life cycle of one algorithm. With the default
	// signing_algs, ES256 and EdDSA keys rotate alongside (package keys).
	c.env["ADMIT_SIGNING_ALGS"] = "none"
	before := keyStates(t, c.ok("", "keys", "list"))
	if len(before["active"]) != 1 || len(before["next"]) != 1 || len(before["retired"]) != 0 {
		t.Fatalf("fresh keys = %v, want one active and one next", before)
	}
	if out := c.ok("", "keys", "rotate"); !strings.Contains(out, "rotated") {
		t.Errorf("keys rotate output = %q", out)
	}
	after := keyStates(t, c.ok("", "keys", "list"))
	switch {
	case len(after["active"]) != 1 || after["active"][0] != before["next"][0]:
		t.Errorf("after rotate active = %v, want the old next key %v", after["active"], before["next"])
	case len(after["retired"]) != 1 || after["retired"][0] != before["active"][0]:
		t.Errorf("after rotate retired = %v, want the old active key %v", after["retired"], before["active"])
	case len(after["next"]) != 1 || after["next"][0] == before["next"][0]:
		t.Errorf("after rotate next = %v, want a new key", after["next"])
	}
	// The retired key is within its grace period: prune keeps it.
	c.ok("", "keys", "prune")
	if pruned := keyStates(t, c.ok("", "keys", "list")); len(pruned["retired"]) != 1 {
		t.Errorf("prune removed a key still in its grace period: %v", pruned)
	}
}

// keyStates parses `keys list` into kids by state, checking the columns.
func keyStates(t *testing.T, out string) map[string][]string {
	t.Helper()
	states := map[string][]string{}
	for _, row := range table(out) {
		if len(row) != 5 || row[1] != "RS256" {
			t.Fatalf("keys list row %q: want KID RS256 STATE CREATED RETIRED\n%s", row, out)
		}
		if retired := row[4] != "-"; retired != (row[2] == "retired") {
			t.Errorf("keys list row %q: RETIRED column disagrees with STATE", row)
		}
		states[row[2]] = append(states[row[2]], row[0])
	}
	return states
}

func TestOperatorCommandsNeedDatabase(t *testing.T) {
	c := &cli{t: t, env: map[string]string{}}
	for _, args := range [][]string{
		{"migrate"}, {"migrate", "version"}, {"clients", "list"}, {"clients", "remove", "c1"},
		{"clients", "add", "--id", "c1", "--redirect-uri", "https://app.example.com/cb"},
		{"users", "add", "--email", "a@example.com"}, {"keys", "list"}, {"keys", "rotate"}, {"keys", "prune"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			c.in(t).fails("pw\n", args, "ADMIT_DATABASE_URL")
		})
	}
	// With Redis configured but no database, validation speaks first; it
	// names the setting by its YAML key.
	c = c.with(map[string]string{"ADMIT_REDIS_URL": redistest.URL()})
	c.fails("", []string{"keys", "list"}, "redis_url (ADMIT_REDIS_URL) is set without database_url")
}

func TestBadConfigNamesTheSetting(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"HS256", map[string]string{"ADMIT_SIGNING_ALG": "HS256"}, nil, `signing_alg "HS256": want RS256, ES256 or EdDSA`},
		{"bad signing_algs", map[string]string{"ADMIT_SIGNING_ALGS": "ES256,HS512"}, nil, `signing_algs: "HS512": want RS256, ES256 or EdDSA`},
		{"HS256 flag", nil, []string{"--signing-alg", "HS256"}, `signing_alg "HS256"`},
		{"short master key", map[string]string{"ADMIT_MASTER_KEY": "c2hvcnQ="}, nil, "master_key"},
		{"no master key", map[string]string{"ADMIT_MASTER_KEY": ""}, nil, "master_key (ADMIT_MASTER_KEY) is required"},
		{"no redis", map[string]string{"ADMIT_REDIS_URL": ""}, nil, "redis_url (ADMIT_REDIS_URL) is required"},
		{"http issuer", map[string]string{"ADMIT_ISSUER": "http://id.example.com"}, nil, "issuer"},
		{"log level", map[string]string{"ADMIT_LOG_LEVEL": "loud"}, nil, `log_level "loud"`},
		{"unknown flag", nil, []string{"--nope"}, "flag provided but not defined: -nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.with(tc.env).in(t).fails("", append([]string{"keys", "list"}, tc.args...), tc.want)
		})
	}
	// Serving validates the same way before it listens, in development mode too.
	dev := &cli{t: t, env: map[string]string{"ADMIT_SIGNING_ALG": "HS256"}}
	dev.fails("", []string{"serve"}, "configuration", "signing_alg")
}

func TestUnknownCommandPrintsUsage(t *testing.T) {
	c := &cli{t: t, env: map[string]string{}}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"clients", "frob"}, `unknown clients command "frob"`},
		{[]string{"clients"}, "usage: admit clients"},
		{[]string{"keys", "frob"}, `unknown keys command "frob"`},
		{[]string{"keys"}, "usage: admit keys"},
	} {
		c.fails("", tc.args, tc.want)
	}
	r := c.fails("", []string{"frobnicate"}, "usage: admit [command]", "clients add|list|remove")
	if r.stdout != "" {
		t.Errorf("an unknown command wrote to stdout: %q", r.stdout)
	}
	// Only the word: "-h" and "--help" reach serve's flag parsing, which
	// reports flag.ErrHelp as a configuration error.
	if out := c.ok("", "help"); !strings.HasPrefix(out, "usage: admit") {
		t.Errorf("admit help printed %q, want the usage", out)
	}
}

func TestMigrate(t *testing.T) {
	c := newCLI(t)
	count, latest := migrationFiles(t)
	// pgtest migrated already: up again must be a no-op, not an error.
	c.ok("", "migrate", "up")
	if out := c.ok("", "migrate", "version"); out != "version "+strconv.Itoa(latest)+" dirty=false\n" {
		t.Errorf("migrate version after repeated up = %q, want version %d", out, latest)
	}

	empty := c.with(map[string]string{"ADMIT_DATABASE_URL": emptyDatabase(t)})
	if out := empty.ok("", "migrate", "version"); out != "version 0 dirty=false\n" {
		t.Errorf("migrate version on an empty database = %q, want version 0", out)
	}
	// Operator commands do not migrate: on an empty database they must fail
	// rather than create anything.
	if r := empty.run("", "keys", "list"); r.err == nil {
		t.Errorf("keys list on an unmigrated database succeeded:\n%s", r.stdout)
	}
	if out := empty.ok("", "migrate"); out != "migrations applied\n" {
		t.Errorf("migrate (default up) output = %q", out)
	}
	if out := empty.ok("", "migrate", "version"); out != "version "+strconv.Itoa(latest)+" dirty=false\n" {
		t.Errorf("migrate version after up = %q, want version %d", out, latest)
	}
	empty.ok("", "keys", "list") // the schema works

	if out := empty.ok("", "migrate", "down", strconv.Itoa(count)); out != "rolled back\n" {
		t.Errorf("migrate down output = %q", out)
	}
	if out := empty.ok("", "migrate", "version"); out != "version 0 dirty=false\n" {
		t.Errorf("migrate version after down = %q, want version 0", out)
	}
	for _, args := range [][]string{{"migrate", "down"}, {"migrate", "down", "0"}, {"migrate", "down", "x"}} {
		empty.fails("", args, "usage: admit migrate down N")
	}
	empty.fails("", []string{"migrate", "sideways"}, `unknown migrate command "sideways"`)
}

// migrationFiles reports the migrations in migrations/NNNN_*.up.sql: how
// many there are and the highest NNNN (numbers may have gaps).
func migrationFiles(t *testing.T) (count, latest int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "migrations", "*.up.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found (%v)", err)
	}
	for _, f := range files {
		n, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		latest = max(latest, n)
	}
	return len(files), latest
}

// emptyDatabase creates a database without migrating it (pgtest always
// migrates) on the test server and drops it after the test.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv(pgtest.EnvURL)
	if base == "" {
		base = pgtest.DefaultURL
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "admit_cli_test_" + hex.EncodeToString(b)
	admin := func(stmt string) {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Fatalf("connect to %s (start it with `docker compose up -d postgres`): %v", pgtest.EnvURL, err)
		}
		defer func() { _ = conn.Close(context.Background()) }()
		if _, err := conn.Exec(context.Background(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	admin("CREATE DATABASE " + pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() { admin("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}

// TestClientsAddSwitches: --device-grant and --token-exchange register the
// grant types that switch the device grant and token exchange on for the
// client (off by default).
func TestClientsAddSwitches(t *testing.T) {
	c := newCLI(t)
	c.ok("", "clients", "add", "--id", "tv1", "--public", "--grant", "refresh_token", "--device-grant")
	c.ok("", "clients", "add", "--id", "app1", "--public", "--redirect-uri", "http://127.0.0.1:5555/cb", "--token-exchange")
	c.ok("", "clients", "add", "--id", "plain", "--public", "--redirect-uri", "http://127.0.0.1:5555/cb")
	for id, want := range map[string][]string{
		"tv1":   {"refresh_token", admin.GrantDeviceCode},
		"app1":  {"authorization_code", "refresh_token", admin.GrantTokenExchange},
		"plain": {"authorization_code", "refresh_token"},
	} {
		got, err := c.store().GetClient(t.Context(), id)
		if err != nil || strings.Join(got.GrantTypes, " ") != strings.Join(want, " ") {
			t.Errorf("%s: grant types %v (%v), want %v", id, got.GrantTypes, err, want)
		}
	}
}

// TestClientsAddNativePrivateUseRedirect: `clients add` takes a native
// app's private-use redirect URI (RFC 8252 §7.1) for a public client and
// refuses it for a confidential one.
func TestClientsAddNativePrivateUseRedirect(t *testing.T) {
	c := newCLI(t)
	out := c.ok("", "clients", "add", "--id", "native1", "--public", "--redirect-uri", "com.example.app:/oauth2redirect")
	if !strings.Contains(out, "client native1 created") {
		t.Errorf("clients add output = %q", out)
	}
	c.fails("", []string{"clients", "add", "--id", "server1", "--redirect-uri", "com.example.app:/oauth2redirect"},
		`redirect URI "com.example.app:/oauth2redirect": a private-use scheme is only for public clients`)
	c.fails("", []string{"clients", "add", "--id", "native2", "--public", "--redirect-uri", "javascript:alert(1)"},
		`redirect URI "javascript:alert(1)": must use https`)
}
