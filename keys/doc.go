// Package keys manages Admit's token-signing keys and the encryption of
// secrets at rest.
//
// # Sealing
//
// A Sealer encrypts small secrets (signing keys now, TOTP secrets later) with
// AES-256-GCM under a 32-byte master key that never reaches the database. A
// sealed blob is
//
//	0x01 (format version) | 12-byte random nonce | ciphertext and 16-byte tag
//
// and is authenticated together with additional data naming the row it
// belongs to ("admit/signing-key/" + kid for signing keys), so a blob copied
// into another row, or sealed for another purpose, fails to open. Open
// reports every failure as ErrUnsealFailed; the usual cause is a wrong master
// key. ParseMasterKey reads the key from configuration (64 hex characters or
// base64); GenerateMasterKey makes a throw-away one for development, where
// keys sealed under it die with the process.
//
// # Key life cycle
//
// Several algorithms are active at once (Manager.SigningAlgorithms): the
// default (Manager.Algorithm, which signs ID tokens unless a client
// registered id_token_signed_response_alg), RS256 always (OpenID Connect
// Core 15.1), and Manager.Extra, which access tokens of an API or a client
// and ID tokens of a client may ask for with SigningKeyFor. ES256 signs in
// tens of microseconds where RS256 takes about a millisecond. Init creates,
// Rotate rotates and the JWKS publishes the keys of every algorithm
// together, all sealed alike.
//
// For each algorithm (RS256: RSA 2048, ES256: ECDSA P-256, EdDSA: Ed25519,
// RFC 8037) the store holds at most one active and one next key, plus
// retired ones:
//
//	(none) --Init--> next --Rotate--> active --Rotate--> retired --Prune, after Grace--> deleted
//
// The states mean:
//
//   - next: published in the JWKS, not signing yet.
//   - active: signing, published.
//   - retired: no longer signing, published for Grace.
//
// Why it works:
//
//   - next keys are published in the JWKS before they sign anything, so
//     relying parties that cache the JWKS already know a key when it becomes
//     active. Rotate at most as often as relying parties refresh their cache
//     (hours, typically).
//   - Rotate retires the active key, promotes next and creates a new next key
//     in one atomic store operation, so concurrent rotations on several nodes
//     cannot leave two active keys.
//   - A retired key stays published for Grace (default 24h), so every token
//     it signed keeps verifying until it expires. Grace must therefore be at
//     least the longest token lifetime (access and ID tokens; refresh tokens
//     are opaque and unaffected) plus ReloadEvery, because another node keeps
//     signing with the old key until its next reload. Prune then deletes it.
//
// Manager.Init, run by every node at start-up, creates a missing active or
// next key; nodes starting together race harmlessly because the store accepts
// only one active and one next key per algorithm (the loser sees
// storage.ErrAlreadyExists and simply reloads).
//
// # Serving keys
//
// A Manager keeps the decrypted keys in an immutable snapshot behind an atomic
// pointer. Manager.SigningKey, called for every token, reads only the
// snapshot: no store access, no lock, no allocation. When the snapshot is
// older than ReloadEvery (default 30s), one caller re-reads the store while
// the others keep using the current snapshot; this is how a rotation made by
// `admit keys rotate` on another node reaches this one without a restart. A
// failed reload keeps the cached keys and is retried after another
// ReloadEvery. Decoded keys are reused across reloads, since a kid names one
// key pair forever.
//
// SigningKey implements zitadel's op.SigningKey and PublicKey its op.Key.
// SigningKey.Sign produces compact JWS with "kid" and the requested "typ"
// ("at+jwt" per RFC 9068, "JWT") in the protected header, caching one signer
// per typ.
//
// Key material is never logged: key events (created, rotated, pruned) log the
// kid and algorithm only.
package keys
