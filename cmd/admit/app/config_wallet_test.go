package app_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/app"
)

func TestWalletConfig(t *testing.T) {
	load := func(env map[string]string, args ...string) (app.Config, error) {
		return app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), args, envMap(env))
	}
	cfg, err := load(nil)
	if err != nil || !cfg.Wallet.SignUpAllowed() || !slices.Equal(cfg.Wallet.ChainIDList(), []int64{1}) {
		t.Fatalf("defaults: %v, sign-up %v, chains %v", err, cfg.Wallet.SignUpAllowed(), cfg.Wallet.ChainIDList())
	}
	cfg, err = load(map[string]string{"ADMIT_WALLET_SIGNUP": "false", "ADMIT_WALLET_CHAIN_IDS": "1, 8453"})
	if err != nil || cfg.Wallet.SignUpAllowed() || !slices.Equal(cfg.Wallet.ChainIDList(), []int64{1, 8453}) {
		t.Fatalf("env: %v, sign-up %v, chains %v", err, cfg.Wallet.SignUpAllowed(), cfg.Wallet.ChainIDList())
	}
	file := filepath.Join(t.TempDir(), "admit.yaml")
	_ = os.WriteFile(file, []byte("wallet_signup: false\nwallet_chain_ids: [10]\n"), 0o600)
	cfg, err = load(nil, "--config", file)
	if err != nil || cfg.Wallet.SignUpAllowed() || !slices.Equal(cfg.Wallet.ChainIDList(), []int64{10}) {
		t.Fatalf("file: %v, sign-up %v, chains %v", err, cfg.Wallet.SignUpAllowed(), cfg.Wallet.ChainIDList())
	}
	for env, want := range map[string]string{
		"ADMIT_WALLET_SIGNUP=maybe":     "ADMIT_WALLET_SIGNUP",
		"ADMIT_WALLET_CHAIN_IDS=1,main": "ADMIT_WALLET_CHAIN_IDS",
		"ADMIT_WALLET_CHAIN_IDS=0":      "wallet_chain_ids",
	} {
		k, v, _ := strings.Cut(env, "=")
		if _, err := load(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want one naming %s", env, err, want)
		}
	}
}
