package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage/admin/importer"
	"github.com/admit-idp/admit/storage/admin/importer/legacy"
	"github.com/admit-idp/admit/storage/audit"
)

const importUsage = `usage:
  admit import file  [--dry-run] [--tenant ID] FILE.jsonl   (- for standard input)
  admit import legacy --source postgres://… [--legacy-jwt-access-secret S] [--dry-run]
The legacy secret may also come from ADMIT_LEGACY_JWT_ACCESS_SECRET (kept out of the process list).`

// importCmd is `admit import`: Admit's JSON Lines format or the old
// auth-service's database, through the one importer.
func (e *cliEnv) importCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "file" && args[0] != "legacy") {
		return e.importUsage()
	}
	kind := args[0]
	fs := e.flags("import " + kind)
	dry := fs.Bool("dry-run", false, "read and validate everything, write nothing")
	tenant := fs.String("tenant", "", "file: import only records of this tenant")
	batch := fs.Int("batch", 2000, "users per transaction")
	source := fs.String("source", "", "legacy: URL of the old auth-service's PostgreSQL database")
	secret := fs.String("legacy-jwt-access-secret", e.getenv("ADMIT_LEGACY_JWT_ACCESS_SECRET"), "legacy: the old service's JWT_ACCESS_SECRET (opens the TOTP secrets)")
	return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
		opts := importer.Options{Sealer: a.Stores.Sealer, CheckHash: app.CheckImportedHash, DryRun: *dry,
			BatchSize: *batch, Tenant: *tenant, Now: time.Now}
		var rep *importer.Report
		var err error
		switch kind {
		case "file":
			rep, err = e.importFile(ctx, a, fs.Args(), opts)
		case "legacy":
			rep, err = e.importLegacy(ctx, a, *source, *secret, opts)
		}
		if err != nil {
			return err
		}
		rep.Print(e.stdout)
		if !*dry {
			// As every operator command's change: in the audit log, actor cli.
			a.Audit.Record(ctx, audit.Event{Event: "admin.users.imported", ActorID: "cli", Outcome: "success", TenantID: *tenant,
				Reason: fmt.Sprintf("%s: inserted=%d updated=%d skipped=%d", kind, rep.Inserted, rep.Updated, len(rep.Skipped))})
		}
		return nil
	})
}

func (e *cliEnv) importFile(ctx context.Context, a *app.App, args []string, opts importer.Options) (*importer.Report, error) {
	if len(args) != 1 {
		return nil, e.importUsage()
	}
	in, err := e.openInput(args[0])
	if err != nil {
		return nil, err
	}
	defer in.Close()
	bar := e.progress(-1)
	opts.Progress = bar.update
	defer bar.done()
	return importer.Run(ctx, importer.NewJSONL(in), &importer.Postgres{Pool: a.Stores.Pool, Sealer: a.Stores.Sealer, Now: time.Now}, opts)
}

func (e *cliEnv) importLegacy(ctx context.Context, a *app.App, source, secret string, opts importer.Options) (*importer.Report, error) {
	if source == "" {
		return nil, errors.New("admit import legacy needs --source (the old service's database URL)")
	}
	src, err := pgx.Connect(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("connect to the old database: %w", err)
	}
	defer func() { _ = src.Close(context.Background()) }()
	var total int64
	_ = src.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&total)
	bar := e.progress(total)
	opts.Progress = bar.update
	defer bar.done()
	return legacy.Import(ctx, src, a.Stores.Pool, secret, opts)
}

// importUsage prints the full usage and returns a short error.
func (e *cliEnv) importUsage() error {
	fmt.Fprintln(e.stderr, importUsage)
	return errors.New("usage: admit import file [--dry-run] FILE | admit import legacy --source URL [--dry-run]")
}

func (e *cliEnv) openInput(name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(e.stdin), nil
	}
	return os.Open(name)
}

// progressLine shows progress: a bar on a terminal, a plain line per
// 50,000 records otherwise (logs, CI).
type progressLine struct {
	bar  *progressbar.ProgressBar
	out  io.Writer
	last int
}

func (e *cliEnv) progress(total int64) *progressLine {
	p := &progressLine{out: e.stderr}
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("importing users"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("users"),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	return p
}

func (p *progressLine) update(read int) {
	if p.bar != nil {
		_ = p.bar.Set(read)
		return
	}
	if read-p.last >= 50000 {
		fmt.Fprintf(p.out, "import: %d records read\n", read)
		p.last = read
	}
}

func (p *progressLine) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
