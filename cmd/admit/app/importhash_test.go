package app_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage/admin/importer"
)

// TestImportedHashesSignInAndUpgrade: each password-hash format of the
// import format, imported with a known vector (made by another
// implementation), signs its user in through the login page, and the
// stored hash is then Admit's argon2id.
func TestImportedHashesSignInAndUpgrade(t *testing.T) {
	e := withoutRateLimits(newEnv(t, postgresBackend)) // 16 sign-ins from one IP
	vectors := map[string]struct{ pw, password string }{
		"bcrypt-2y":       {"U*U", `{"hash":"$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"}`},
		"argon2i":         {"password", `{"hash":"$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA"}`},
		"argon2id-params": {"password", `{"hash":"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"}`},
		"scrypt":          {"password", `{"hash":"$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA"}`},
		"django-sha256":   {"passwd", `{"hash":"pbkdf2_sha256$1$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw="}`},
		"django-sha512":   {"correct horse", `{"hash":"pbkdf2_sha512$1000$seasalt42$znkD7yYfo6nlejiWAaIXv32nLOmvotRtKDPIzfdM/FuY0rgYEoaPYqDl/4UUCbrY2qEJacTkeg/zsiYlRnW7TA=="}`},
		"phc-sha512":      {"correct horse", `{"hash":"$pbkdf2-sha512$i=2000$MDEyMzQ1Njc4OWFiY2RlZg$JLIbHS/a1pwkuwB4YMVsxfgHL1RpHXfp7kAkuCcl9dhDgXytdhKp4KRA1tfCbROFYAyWs7Bgy1B82eY2dKJ0Uw"}`},
	}
	var lines []string
	for id, v := range vectors {
		lines = append(lines, `{"id":"`+id+`","email":"`+id+`@example.com","created_at":"2024-01-01T00:00:00Z","password":`+v.password+`}`)
	}
	// The docs' Firebase converter output: the Firebase scrypt README's user.
	fb, err := os.ReadFile("../../../storage/admin/importer/testdata/firebase-converted.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines = append(lines, strings.TrimSpace(string(fb)))
	vectors["fbuser1"] = struct{ pw, password string }{pw: "user1password"}
	src := importer.NewJSONL(strings.NewReader(strings.Join(lines, "\n") + `
{"id":"md5","email":"md5@example.com","created_at":"2024-01-01T00:00:00Z","password":{"hash":"md5$abc$def"}}`))
	rep, err := importer.Run(context.Background(), src, &importer.Postgres{Pool: e.app.Stores.Pool, Sealer: e.app.Stores.Sealer},
		importer.Options{Sealer: e.app.Stores.Sealer, CheckHash: app.CheckImportedHash})
	if err != nil || rep.Inserted != len(vectors)+1 || len(rep.Skipped) != 1 || rep.Skipped[0].Reason != importer.ReasonUnknownHash {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID)
	for id, v := range vectors {
		email := id + "@example.com"
		if id == "fbuser1" {
			email = "user1@example.com"
		}
		br := e.browser()
		if p := br.submitLogin(br.get(r.start().url), email, v.pw+"x"); p.status != 401 {
			t.Fatalf("%s, wrong password: status %d", id, p.status)
		}
		e.browser().login(r.start(), email, v.pw)
		u, err := e.app.Stores.Durable.GetUser(context.Background(), id)
		if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Fatalf("%s: after sign-in the hash is %.20q…, %v; want the upgrade to Admit's argon2id", id, u.PasswordHash, err)
		}
	}
}
