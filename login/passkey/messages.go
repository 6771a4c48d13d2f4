package passkey

import "errors"

// Messages shown to the user.
const (
	msgNoCeremony   = "passkey.err.no_ceremony"
	msgMalformed    = "passkey.err.malformed"
	msgUnknown      = "passkey.err.unknown"
	msgWrongUser    = "passkey.err.wrong_user"
	msgWrongOrigin  = "passkey.err.wrong_origin"
	msgChallenge    = "passkey.err.challenge"
	msgRejected     = "passkey.err.rejected"
	msgCloned       = "passkey.err.cloned"
	msgNotAttested  = "passkey.err.not_attested"
	msgMissing      = "passkey.err.missing"
	msgNameTooLong  = "passkey.err.name_too_long"
	msgLastPasskey  = "passkey.err.last_passkey"
	msgNotFound     = "passkey.err.not_found"
	msgRecentLogin  = "passkey.err.recent_login"
	msgDuplicate    = "passkey.err.duplicate"
	msgAttestation  = "passkey.err.attestation"
	msgRegistration = "passkey.err.registration"
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
