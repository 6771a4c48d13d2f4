package templates

// WalletOptionView is the wallet entry of the login page. The script
// (static/wallet.js) reads everything from data-* attributes: the page's CSP
// allows no inline script.
type WalletOptionView struct {
	FlowID, CSRFToken string
	// NonceURL issues a nonce (JSON); VerifyURL receives the signed message
	// as a form post and answers with the next page.
	NonceURL, VerifyURL string
}

// WalletRow is one linked wallet on the account page.
type WalletRow struct {
	Namespace, Address string
	// AccountID is the CAIP-10 id; Chain is "Ethereum" or "Solana".
	AccountID, Chain string
}

// WalletSectionView is the account page's wallet block.
type WalletSectionView struct {
	CSRFToken string
	Wallets   []WalletRow
	// CanUnlink is false when the only wallet is the only way to sign in.
	CanUnlink bool
}
