// Package wallet is wallet sign-in: Sign-In with Ethereum (EIP-4361) and a
// Sign-In with Solana message of the same shape, verified on the server.
//
// # The flow
//
//  1. The login page shows "Continue with Ethereum wallet" and "Continue
//     with Solana wallet" (Method.Option). static/wallet.js asks the wallet
//     for its account: EIP-1193 providers found through EIP-6963
//     announcements (a chooser when there are several) or window.ethereum;
//     Solana wallets through the Wallet Standard (standard:connect +
//     solana:signMessage) or window.solana.
//  2. The script POSTs /login/wallet/nonce (form-encoded: flow, csrf_token,
//     chain, address, chain_id). The answer (JSON) holds a fresh nonce and
//     every message field: domain (the issuer's host[:port]), uri (the
//     issuer), version 1, statement, chain id, issued-at, expiration-time
//     and the address in normal form (EIP-55 needs keccak, which the small
//     script does not carry). Nonce requests are limited to 10 a minute per
//     client IP (FixedWindow over the ephemeral store; Limiter is the seam
//     for a shared limiter).
//  3. The script builds the message exactly as Message.String renders it,
//     has the wallet sign it (personal_sign; signMessage), and submits a
//     plain form to /login/wallet/verify, so the browser follows whatever
//     the server answers: the consent page, the client's redirect, or the
//     login page with a message.
//  4. Checker.Check parses the text strictly (ParseMessage: every line in
//     ABNF order, nothing else; the signature is then checked over these
//     very bytes, so the fields checked are the fields signed), spends the
//     nonce (single use, even when the
//     signature then fails; it must have been issued to this flow), then
//     Verifier.Verify checks domain and uri against the issuer, version 1,
//     the chain id (wallet_chain_ids, default 1; Solana: mainnet),
//     issued-at (not in the future beyond a minute of skew, not older than
//     the nonce lifetime), expiration-time and not-before against the
//     injected clock, and the signature:
//     - Ethereum: EIP-191 personal_sign digest, public key recovered with
//     go-ethereum/crypto, compared with the message's EIP-55 address;
//     v may be 0/1 or 27/28; s above n/2 (the malleable twin) is refused.
//     - Solana: ed25519 over the message bytes; the address is a base58
//     public key in canonical form (solana-go); the signature may be
//     base58 or base64 (standard or URL alphabet).
//  5. A linked wallet signs its user in; an unknown one creates an account
//     with neither e-mail nor password when wallet_signup allows it (the
//     default), otherwise the page says to sign in another way and link the
//     wallet from the account page.
//
// Nonces are 32 random bytes (64 hex characters), stored only as their
// SHA-256 in the ephemeral store for 15 minutes (the old service's value),
// bound to "flow:<id>" at login and "session:<id>" in the account area.
//
// # Account area
//
// Section lists the linked wallets, links another one through the same
// script and checks (nonce bound to the session, recent login required),
// and unlinks one unless it is the last way to sign in: no password, no
// other wallet and no other method reported by OtherSignIn (social
// identities today).
//
// # Identity, tokens and amr
//
// A wallet is (namespace, address) with the address normalised; it belongs
// to at most one user (primary key in Postgres). A key controls the same
// address on every chain of its namespace, so the chain is not part of the
// identity: ChainRef only completes the CAIP-10 id, e.g.
// "eip155:1:0xAbC…" or "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:<base58>"
// (the CAIP-2 reference of Solana mainnet is the first 32 characters of its
// genesis hash).
//
// With the "wallet" scope granted, id tokens and userinfo carry
// "wallets": the user's CAIP-10 ids, oldest first.
//
// amr is ["swk", "siwe"] for Ethereum and ["swk", "siws"] for Solana.
// RFC 8176 has no wallet value; "swk" (proof of possession of a
// software-secured key) is the closest registered one, since Admit cannot
// tell a hardware wallet from a browser extension. The second, unregistered
// value names the protocol, so relying parties can tell a wallet login from
// other key-based logins (passkeys report "hwk"/"swk" too). acr is
// urn:admit:acr:sfa: a wallet is one factor.
package wallet
