package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage/admin"
)

// brand sets, shows and removes a tenant's brand (or, with --client, one
// client's override) through the admin service, like the admin API's
// /brand endpoints: same validation (WCAG AA colour, https links, sniffed
// logo), same audit events.
func (e *cliEnv) brand(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: admit brand set|logo|show|remove [--tenant T] [--client C]")
	}
	fs := e.flags("brand " + args[0])
	tenant := tenantFlag(fs)
	client := fs.String("client", "", "a client of the tenant: its own brand, over the tenant's")
	scope := func(a *app.App) (string, error) {
		t, err := a.Admin.ResolveTenant(ctx, *tenant)
		return t.ID, err
	}
	switch args[0] {
	case "set":
		var in admin.BrandInput
		fs.StringVar(&in.DisplayName, "name", "", "display name shown instead of Admit")
		fs.StringVar(&in.PrimaryColor, "color", "", "primary colour #rrggbb (WCAG AA: at least 4.5:1 against white)")
		fs.StringVar(&in.SupportURL, "support-url", "", "https support link")
		fs.StringVar(&in.PrivacyURL, "privacy-url", "", "https privacy link")
		fs.StringVar(&in.DefaultLocale, "locale", "", "default language: en, de, fr, es or ar")
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			id, err := scope(a)
			if err != nil {
				return err
			}
			b, err := a.Admin.SetBrand(ctx, admin.CLI(), id, *client, in)
			return e.done(err, fmt.Sprintf("brand of %s set (%s, %s)", brandOwner(id, *client), orDash(b.DisplayName), orDash(b.PrimaryColor)))
		})
	case "logo":
		file := fs.String("file", "", "PNG, JPEG or WebP image, at most 256 KiB (required)")
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			if *file == "" {
				return errors.New("usage: admit brand logo --file IMAGE [--tenant T] [--client C]")
			}
			raw, err := os.ReadFile(*file)
			if err != nil {
				return err
			}
			id, err := scope(a)
			if err != nil {
				return err
			}
			b, err := a.Admin.SetBrandLogo(ctx, admin.CLI(), id, *client, raw)
			return e.done(err, fmt.Sprintf("logo of %s set (%s, %d bytes)", brandOwner(id, *client), b.LogoType, len(b.Logo)))
		})
	case "show":
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			id, err := scope(a)
			if err != nil {
				return err
			}
			b, err := a.Admin.GetBrand(ctx, admin.CLI(), id, *client)
			if err != nil {
				return err
			}
			return e.printf("name\t%s\ncolor\t%s\nsupport\t%s\nprivacy\t%s\nlocale\t%s\nlogo\t%s (%d bytes)\n",
				orDash(b.DisplayName), orDash(b.PrimaryColor), orDash(b.SupportURL), orDash(b.PrivacyURL),
				orDash(b.DefaultLocale), orDash(b.LogoType), len(b.Logo))
		})
	case "remove":
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			id, err := scope(a)
			if err != nil {
				return err
			}
			return e.done(a.Admin.DeleteBrand(ctx, admin.CLI(), id, *client), "brand of "+brandOwner(id, *client)+" removed")
		})
	}
	return fmt.Errorf("unknown brand command %q (set, logo, show, remove)", args[0])
}

func brandOwner(tenantID, clientID string) string {
	if clientID == "" {
		return "tenant " + tenantID
	}
	return "client " + clientID
}
