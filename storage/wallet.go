package storage

import (
	"context"
	"time"
)

// Wallet is a blockchain account linked to a user. A key controls the same
// address on every chain of its namespace (an Ethereum EOA on every EVM
// chain, a Solana key on every cluster), so uniqueness is per (Namespace,
// Address): a wallet belongs to at most one user.
type Wallet struct {
	// Namespace is the CAIP-2 namespace: "eip155" or "solana".
	Namespace string
	// Address is normalised: EIP-55 checksum for eip155, canonical base58
	// for solana.
	Address string
	// ChainRef is the CAIP-2 reference the wallet was linked with ("1",
	// "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"); it makes AccountID a CAIP-10 id.
	ChainRef  string
	UserID    string
	CreatedAt time.Time
}

// AccountID is the CAIP-10 account id, e.g. "eip155:1:0xAbC…".
func (w Wallet) AccountID() string { return w.Namespace + ":" + w.ChainRef + ":" + w.Address }

// Wallets is the linked-wallet aggregate (durable).
type Wallets interface {
	// CreateUserWithWallet stores a new user and its first wallet atomically
	// (wallet sign-up). ErrAlreadyExists if the user ID or e-mail, or the
	// wallet, is taken; then nothing is stored.
	CreateUserWithWallet(ctx context.Context, u User, w Wallet) error
	// LinkWallet adds a wallet to an existing user. ErrAlreadyExists if the
	// wallet is linked to any user (this one included), ErrNotFound if the
	// user does not exist.
	LinkWallet(ctx context.Context, w Wallet) error
	// GetWallet: ErrNotFound if the wallet is not linked.
	GetWallet(ctx context.Context, namespace, address string) (Wallet, error)
	// ListUserWallets lists the user's wallets, oldest first.
	ListUserWallets(ctx context.Context, userID string) ([]Wallet, error)
	// UnlinkWallet removes the user's wallet. ErrNotFound if the user has no
	// such wallet.
	UnlinkWallet(ctx context.Context, userID, namespace, address string) error
}

// WalletNonce is a sign-in nonce Admit issued, stored by the SHA-256 of the
// nonce and bound to one login flow or session.
type WalletNonce struct {
	Hash string
	// Binding names what the nonce was issued to ("flow:<id>",
	// "session:<id>"); a nonce presented elsewhere is refused.
	Binding   string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// WalletNonces holds issued nonces and the counters that rate-limit their
// issue (ephemeral).
type WalletNonces interface {
	// PutWalletNonce: ErrAlreadyExists if the hash is taken.
	PutWalletNonce(ctx context.Context, n WalletNonce) error
	// ConsumeWalletNonce atomically removes and returns the nonce: exactly
	// one of concurrent calls gets it. ErrNotFound if unknown, used or
	// expired.
	ConsumeWalletNonce(ctx context.Context, hash string) (WalletNonce, error)
	// HitCounter adds one to the fixed-window counter key for the window
	// containing now and returns the new count.
	HitCounter(ctx context.Context, key string, window time.Duration) (int64, error)
}
