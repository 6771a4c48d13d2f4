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
	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/migrations"
	"github.com/admit-idp/admit/op/admin/importer"
	"github.com/admit-idp/admit/op/admin/importer/legacy"
	"github.com/admit-idp/admit/storage/postgres"
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
	cfg, err := e.config(fs, args[1:])
	if err != nil {
		return err
	}
	if v, _, err := migrations.Version(ctx, cfg.DatabaseURL); err == nil && v == 0 {
		return errors.New("the database has no schema yet: run `admit migrate` first")
	}
	mk, err := keys.ParseMasterKey(cfg.MasterKey)
	if err != nil {
		return err
	}
	sealer, err := keys.NewSealer(mk)
	if err != nil {
		return err
	}
	pool, err := postgres.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	opts := importer.Options{Sealer: sealer, CheckHash: app.CheckImportedHash, DryRun: *dry, BatchSize: *batch, Tenant: *tenant, Now: time.Now}
	var rep *importer.Report
	switch kind {
	case "file":
		if fs.NArg() != 1 {
			return e.importUsage()
		}
		in, size, err := e.openInput(fs.Arg(0))
		if err != nil {
			return err
		}
		defer in.Close()
		bar := e.progress(-1)
		_ = size
		opts.Progress = bar.update
		rep, err = importer.Run(ctx, importer.NewJSONL(in), &importer.Postgres{Pool: pool, Sealer: sealer, Now: time.Now}, opts)
		bar.done()
		if err != nil {
			return err
		}
	case "legacy":
		if *source == "" {
			return errors.New("admit import legacy needs --source (the old service's database URL)")
		}
		src, err := pgx.Connect(ctx, *source)
		if err != nil {
			return fmt.Errorf("connect to the old database: %w", err)
		}
		defer func() { _ = src.Close(context.Background()) }()
		var total int64
		_ = src.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&total)
		bar := e.progress(total)
		opts.Progress = bar.update
		rep, err = legacy.Import(ctx, src, pool, *secret, opts)
		bar.done()
		if err != nil {
			return err
		}
	}
	rep.Print(e.stdout)
	return nil
}

// importUsage prints the full usage and returns a short error.
func (e *cliEnv) importUsage() error {
	fmt.Fprintln(e.stderr, importUsage)
	return errors.New("usage: admit import file [--dry-run] FILE | admit import legacy --source URL [--dry-run]")
}

func (e *cliEnv) openInput(name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(e.stdin), 0, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, _ := f.Stat()
	return f, st.Size(), nil
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
