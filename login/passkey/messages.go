package passkey

import "errors"

// Messages shown to the user.
const (
	msgNoCeremony   = "This passkey request has expired or was already used. Try again."
	msgMalformed    = "Your browser sent an invalid passkey response. Try again, or use another way to sign in."
	msgUnknown      = "This passkey is not registered with Admit. Sign in another way, then add it in your account."
	msgWrongUser    = "This passkey belongs to a different account."
	msgWrongOrigin  = "This passkey response was made for a different website. Open this page at its usual address and try again."
	msgChallenge    = "This passkey response does not belong to this sign-in. Try again."
	msgRejected     = "The passkey could not be verified. Try again, or use another way to sign in."
	msgCloned       = "This passkey was blocked because it may have been copied. Sign in another way, then delete it and add it again in your account."
	msgNotAttested  = "This application only accepts passkeys on approved security keys. Use such a key, or another way to sign in."
	msgMissing      = "No passkey response was received. Press the button and follow your browser's instructions."
	msgNameTooLong  = "Choose a name of at most 64 characters."
	msgLastPasskey  = "This passkey is your only way to sign in: you have no password, wallet or linked account. Add another passkey or sign-in method before deleting it."
	msgNotFound     = "That passkey no longer exists."
	msgRecentLogin  = "For your security, sign in again before adding a passkey."
	msgDuplicate    = "This passkey is already registered."
	msgAttestation  = "Admit only accepts passkeys that prove their make and model (attestation). Use a security key that supports it."
	msgRegistration = "The passkey could not be created. Try again."
)

// failure maps a verification error to the user's message and a metric
// reason; "" for a backend error (answered with 503).
func failure(err error) (msg, reason string) {
	for _, m := range []struct {
		err         error
		msg, reason string
	}{
		{ErrNoCeremony, msgNoCeremony, "no_challenge"},
		{ErrMalformed, msgMalformed, "malformed"},
		{ErrUnknownCredential, msgUnknown, "unknown_credential"},
		{ErrWrongUser, msgWrongUser, "wrong_user"},
		{ErrWrongOrigin, msgWrongOrigin, "wrong_origin"},
		{ErrChallenge, msgChallenge, "wrong_challenge"},
		{ErrCloned, msgCloned, "cloned"},
		{ErrNotAttested, msgNotAttested, "not_attested"},
		{ErrRejected, msgRejected, "rejected"},
	} {
		if errors.Is(err, m.err) {
			return m.msg, m.reason
		}
	}
	return "", ""
}
