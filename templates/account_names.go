package templates

// Names of the account area that are not words people read: anchors, form
// field names and routes. Kept out of the .templ files so that every string
// literal there is a catalog message (TestNoEnglishOutsideCatalog).
const (
	anchorSessions = "sessions"
	anchorDevices  = "devices"

	fieldUser      = "user"
	fieldRole      = "role"
	fieldExpiresOn = "expires_on"
	// fieldExpiresAt is the storage field whose errors show under the
	// expires_on input.
	fieldExpiresAt = "expires_at"

	walletLinkWith = "wallet.link_with" // "Link {Chain} wallet"
)

// accountWalletOption is the account page's wallet buttons: they link a
// wallet to the signed-in user instead of signing in.
func accountWalletOption(csrf string) WalletOptionView {
	return WalletOptionView{CSRFToken: csrf, NonceURL: "/account/wallets/nonce", VerifyURL: "/account/wallets/link"}
}
