package app

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// WalletConfig is wallet sign-in's settings, top-level keys of the YAML file:
//
//	wallet_signup: true          # an unknown wallet may create an account (ADMIT_WALLET_SIGNUP)
//	wallet_chain_ids: [1, 8453]  # EIP-155 chain ids accepted (ADMIT_WALLET_CHAIN_IDS=1,8453)
type WalletConfig struct {
	// SignUp is nil (default: allowed) or an explicit choice.
	SignUp *bool `yaml:"wallet_signup"`
	// ChainIDs defaults to [1] (Ethereum mainnet).
	ChainIDs []int64 `yaml:"wallet_chain_ids"`
	envErr   error
}

// SignUpAllowed reports whether an unknown wallet may create an account.
func (w WalletConfig) SignUpAllowed() bool { return w.SignUp == nil || *w.SignUp }

// ChainIDList is the accepted EIP-155 chain ids.
func (w WalletConfig) ChainIDList() []int64 {
	if len(w.ChainIDs) == 0 {
		return []int64{1}
	}
	return w.ChainIDs
}

func applyWalletEnv(cfg *Config, getenv func(string) string) {
	var errs []error
	errs = append(errs, envBool(getenv, "ADMIT_WALLET_SIGNUP", &cfg.Wallet.SignUp))
	if s := getenv("ADMIT_WALLET_CHAIN_IDS"); s != "" {
		cfg.Wallet.ChainIDs = nil
		for f := range strings.SplitSeq(s, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("ADMIT_WALLET_CHAIN_IDS %q: want comma-separated chain ids such as 1,8453", s))
				break
			}
			cfg.Wallet.ChainIDs = append(cfg.Wallet.ChainIDs, id)
		}
	}
	cfg.Wallet.envErr = errors.Join(errs...)
}

func (w WalletConfig) validate() error {
	errs := []error{w.envErr}
	for _, id := range w.ChainIDs {
		if id <= 0 {
			errs = append(errs, fmt.Errorf("wallet_chain_ids: %d is not an EIP-155 chain id", id))
		}
	}
	return errors.Join(errs...)
}
