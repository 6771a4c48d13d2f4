package storagetest

import (
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// walletStore is what the wallet tests need: wallets reference users.
type walletStore interface {
	storage.Users
	storage.Wallets
}

func walletTests() []testCase[walletStore] {
	return []testCase[walletStore]{
		{"SignUpRoundTrip", testWalletSignUp},
		{"ManyUsersWithoutEmail", testWalletUsersWithoutEmail},
		{"SignUpTakenWalletStoresNothing", testWalletSignUpTaken},
		{"LinkListUnlink", testWalletLinkListUnlink},
		{"OneUserPerWallet", testWalletOneUser},
		{"LinkUnknownUser", testWalletLinkUnknownUser},
		{"UnlinkOthersWallet", testWalletUnlinkOthers},
		{"EthereumAddressCaseInsensitive", testWalletEthereumCase},
	}
}

func sampleWallet(c *Clock, userID string) storage.Wallet {
	return storage.Wallet{Namespace: "eip155", Address: "0x" + randomHex(20), ChainRef: "1", UserID: userID, CreatedAt: c.Now()}
}

func walletOnlyUser(c *Clock) storage.User {
	return storage.User{ID: randomID(), CreatedAt: c.Now(), UpdatedAt: c.Now()}
}

func testWalletSignUp(t *testing.T, s walletStore, c *Clock) {
	u := walletOnlyUser(c)
	w := sampleWallet(c, u.ID)
	mustOK(t, s.CreateUserWithWallet(t.Context(), u, w), "CreateUserWithWallet")
	got, err := s.GetUser(t.Context(), u.ID)
	mustOK(t, err, "GetUser")
	assertEqual(t, "user", got, storedUser(u))
	gw, err := s.GetWallet(t.Context(), w.Namespace, w.Address)
	mustOK(t, err, "GetWallet")
	assertEqual(t, "wallet", gw, w)
	_, err = s.GetUserByEmail(t.Context(), storage.DefaultTenantID, "")
	mustErr(t, err, storage.ErrNotFound, "GetUserByEmail(\"\")")
}

func testWalletUsersWithoutEmail(t *testing.T, s walletStore, c *Clock) {
	for range 3 {
		u := walletOnlyUser(c)
		mustOK(t, s.CreateUserWithWallet(t.Context(), u, sampleWallet(c, u.ID)), "CreateUserWithWallet")
	}
	mustOK(t, s.CreateUser(t.Context(), walletOnlyUser(c)), "CreateUser without e-mail")
}

func testWalletSignUpTaken(t *testing.T, s walletStore, c *Clock) {
	u := walletOnlyUser(c)
	w := sampleWallet(c, u.ID)
	mustOK(t, s.CreateUserWithWallet(t.Context(), u, w), "CreateUserWithWallet")
	other := walletOnlyUser(c)
	mustErr(t, s.CreateUserWithWallet(t.Context(), other, w), storage.ErrAlreadyExists, "sign-up with a taken wallet")
	_, err := s.GetUser(t.Context(), other.ID)
	mustErr(t, err, storage.ErrNotFound, "user of the refused sign-up")
}

func testWalletLinkListUnlink(t *testing.T, s walletStore, c *Clock) {
	u := sampleUser(c)
	mustOK(t, s.CreateUser(t.Context(), u), "CreateUser")
	first := sampleWallet(c, u.ID)
	c.Advance(time.Second)
	second := storage.Wallet{Namespace: "solana", Address: "So1" + randomID(), ChainRef: "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", UserID: u.ID, CreatedAt: c.Now()}
	mustOK(t, s.LinkWallet(t.Context(), second), "LinkWallet second")
	mustOK(t, s.LinkWallet(t.Context(), first), "LinkWallet first")
	got, err := s.ListUserWallets(t.Context(), u.ID)
	mustOK(t, err, "ListUserWallets")
	assertEqual(t, "wallets", got, []storage.Wallet{first, second})
	mustOK(t, s.UnlinkWallet(t.Context(), u.ID, first.Namespace, first.Address), "UnlinkWallet")
	mustErr(t, s.UnlinkWallet(t.Context(), u.ID, first.Namespace, first.Address), storage.ErrNotFound, "UnlinkWallet again")
	_, err = s.GetWallet(t.Context(), first.Namespace, first.Address)
	mustErr(t, err, storage.ErrNotFound, "GetWallet after unlink")
	got, err = s.ListUserWallets(t.Context(), u.ID)
	mustOK(t, err, "ListUserWallets")
	assertEqual(t, "wallets", got, []storage.Wallet{second})
}

func testWalletOneUser(t *testing.T, s walletStore, c *Clock) {
	a, b := sampleUser(c), sampleUser(c)
	mustOK(t, s.CreateUser(t.Context(), a), "CreateUser a")
	mustOK(t, s.CreateUser(t.Context(), b), "CreateUser b")
	w := sampleWallet(c, a.ID)
	mustOK(t, s.LinkWallet(t.Context(), w), "LinkWallet a")
	mustErr(t, s.LinkWallet(t.Context(), w), storage.ErrAlreadyExists, "LinkWallet a again")
	w.UserID, w.ChainRef = b.ID, "137"
	mustErr(t, s.LinkWallet(t.Context(), w), storage.ErrAlreadyExists, "LinkWallet b on another chain")
}

func testWalletLinkUnknownUser(t *testing.T, s walletStore, c *Clock) {
	mustErr(t, s.LinkWallet(t.Context(), sampleWallet(c, randomID())), storage.ErrNotFound, "LinkWallet unknown user")
}

func testWalletUnlinkOthers(t *testing.T, s walletStore, c *Clock) {
	a, b := sampleUser(c), sampleUser(c)
	mustOK(t, s.CreateUser(t.Context(), a), "CreateUser a")
	mustOK(t, s.CreateUser(t.Context(), b), "CreateUser b")
	w := sampleWallet(c, a.ID)
	mustOK(t, s.LinkWallet(t.Context(), w), "LinkWallet")
	mustErr(t, s.UnlinkWallet(t.Context(), b.ID, w.Namespace, w.Address), storage.ErrNotFound, "UnlinkWallet by b")
	_, err := s.GetWallet(t.Context(), w.Namespace, w.Address)
	mustOK(t, err, "GetWallet still linked")
}

func walletNonceTests() []testCase[storage.WalletNonces] {
	return []testCase[storage.WalletNonces]{
		{"SingleUse", testNonceSingleUse},
		{"Expiry", testNonceExpiry},
		{"Unknown", testNonceUnknown},
		{"Duplicate", testNonceDuplicate},
		{"ConcurrentConsume", testNonceConcurrent},
		{"FixedWindowCounter", testCounterWindow},
	}
}

func sampleNonce(c *Clock) storage.WalletNonce {
	return storage.WalletNonce{Hash: randomHash(), Binding: "flow:" + randomID(), IssuedAt: c.Now(), ExpiresAt: c.Now().Add(15 * time.Minute)}
}

func testNonceSingleUse(t *testing.T, s storage.WalletNonces, c *Clock) {
	n := sampleNonce(c)
	mustOK(t, s.PutWalletNonce(t.Context(), n), "PutWalletNonce")
	got, err := s.ConsumeWalletNonce(t.Context(), n.Hash)
	mustOK(t, err, "ConsumeWalletNonce")
	assertEqual(t, "nonce", got, n)
	_, err = s.ConsumeWalletNonce(t.Context(), n.Hash)
	mustErr(t, err, storage.ErrNotFound, "second ConsumeWalletNonce")
}

func testNonceExpiry(t *testing.T, s storage.WalletNonces, c *Clock) {
	n := sampleNonce(c)
	mustOK(t, s.PutWalletNonce(t.Context(), n), "PutWalletNonce")
	c.Advance(15 * time.Minute)
	_, err := s.ConsumeWalletNonce(t.Context(), n.Hash)
	mustErr(t, err, storage.ErrNotFound, "ConsumeWalletNonce at expiry")
}

func testNonceUnknown(t *testing.T, s storage.WalletNonces, _ *Clock) {
	_, err := s.ConsumeWalletNonce(t.Context(), randomHash())
	mustErr(t, err, storage.ErrNotFound, "ConsumeWalletNonce unknown")
}

func testNonceDuplicate(t *testing.T, s storage.WalletNonces, c *Clock) {
	n := sampleNonce(c)
	mustOK(t, s.PutWalletNonce(t.Context(), n), "PutWalletNonce")
	mustErr(t, s.PutWalletNonce(t.Context(), n), storage.ErrAlreadyExists, "PutWalletNonce again")
}

// testNonceConcurrent: of many simultaneous consumers exactly one wins.
func testNonceConcurrent(t *testing.T, s storage.WalletNonces, c *Clock) {
	n := sampleNonce(c)
	mustOK(t, s.PutWalletNonce(t.Context(), n), "PutWalletNonce")
	exactlyOneWins(t, "ConsumeWalletNonce", storage.ErrNotFound, func() error {
		_, err := s.ConsumeWalletNonce(t.Context(), n.Hash)
		return err
	})
}

func testCounterWindow(t *testing.T, s storage.WalletNonces, c *Clock) {
	key, other := "ip:"+randomID(), "ip:"+randomID()
	hit := func(k string, want int64) {
		t.Helper()
		got, err := s.HitCounter(t.Context(), k, time.Minute)
		mustOK(t, err, "HitCounter")
		if got != want {
			t.Fatalf("HitCounter(%s) = %d, want %d", k, got, want)
		}
	}
	// Start at a window boundary so the steps below stay inside one window.
	c.Advance(c.Now().Truncate(time.Minute).Add(time.Minute).Sub(c.Now()))
	hit(key, 1)
	hit(key, 2)
	hit(other, 1)
	c.Advance(59 * time.Second)
	hit(key, 3)
	c.Advance(time.Second)
	hit(key, 1)
}

// testWalletEthereumCase: an Ethereum address is one account whatever the
// letter case (EIP-55 only adds a checksum in the case), so a lookup finds
// it in any case and another user cannot link it in another case. Solana's
// base58 is case-sensitive and stays exact.
func testWalletEthereumCase(t *testing.T, s walletStore, c *Clock) {
	u := walletOnlyUser(c)
	w := sampleWallet(c, u.ID)
	w.Address = "0xAbCdEf" + randomHex(17)
	mustOK(t, s.CreateUserWithWallet(t.Context(), u, w), "CreateUserWithWallet")
	for _, addr := range []string{strings.ToLower(w.Address), "0x" + strings.ToUpper(w.Address[2:])} {
		got, err := s.GetWallet(t.Context(), "eip155", addr)
		mustOK(t, err, "GetWallet("+addr+")")
		assertEqual(t, "wallet", got, w)
	}
	other := walletOnlyUser(c)
	mustOK(t, s.CreateUser(t.Context(), other), "CreateUser")
	dup := w
	dup.UserID, dup.Address = other.ID, strings.ToLower(w.Address)
	mustErr(t, s.LinkWallet(t.Context(), dup), storage.ErrAlreadyExists, "LinkWallet(same address, lower case)")

	sol := storage.Wallet{Namespace: "solana", Address: "AbCd" + randomHex(20), ChainRef: "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", UserID: u.ID, CreatedAt: c.Now()}
	mustOK(t, s.LinkWallet(t.Context(), sol), "LinkWallet(solana)")
	_, err := s.GetWallet(t.Context(), "solana", strings.ToLower(sol.Address))
	mustErr(t, err, storage.ErrNotFound, "GetWallet(solana, other case)")
}
