package storagetest

import (
	"testing"

	"github.com/admit-idp/admit/storage"
)

// DurableFactory returns a fresh, empty durable store that uses clock.Now as
// its clock. It is called once per subtest and must arrange its own cleanup
// with t.Cleanup.
type DurableFactory func(t *testing.T, clock *Clock) storage.Durable

// EphemeralFactory is DurableFactory for ephemeral stores.
type EphemeralFactory func(t *testing.T, clock *Clock) storage.Ephemeral

// testCase is one conformance check against the aggregate interface S.
type testCase[S any] struct {
	name string
	run  func(t *testing.T, s S, clock *Clock)
}

// RunDurable runs the conformance suite for storage.Durable, one subtest
// group per aggregate and one fresh store per subtest.
func RunDurable(t *testing.T, newStore DurableFactory) {
	t.Helper()
	runGroup(t, "Users", userTests(), durableAs[storage.Users](newStore))
	runGroup(t, "Clients", clientTests(), durableAs[storage.Clients](newStore))
	runGroup(t, "Consents", consentTests(), durableAs[storage.Consents](newStore))
	runGroup(t, "RefreshTokens", refreshTests(), durableAs[storage.RefreshTokens](newStore))
	runGroup(t, "RefreshTokenReuse", refreshReuseTests(), durableAs[storage.RefreshTokens](newStore))
	runGroup(t, "Sessions", sessionTests(), durableAs[storage.Sessions](newStore))
	runGroup(t, "SigningKeys", signingKeyTests(), durableAs[storage.SigningKeys](newStore))
	runGroup(t, "Identities", identityTests(), durableAs[identityStore](newStore))
	runGroup(t, "TOTPCredentials", totpCredentialTests(), durableAs[storage.TOTPCredentials](newStore))
	runGroup(t, "Wallets", walletTests(), durableAs[walletStore](newStore))
	runGroup(t, "Passkeys", passkeyTests(), durableAs[passkeyStore](newStore))
	runGroup(t, "AuditLog", auditTests(), durableAs[storage.AuditLog](newStore))
	runGroup(t, "Devices", deviceTests(), durableAs[deviceStore](newStore))
	runGroup(t, "Accounts", accountTests(), durableAs[accountStore](newStore))
	runGroup(t, "Tenants", tenantTests(), durableAs[tenantStore](newStore))
	runGroup(t, "Directory", directoryTests(), durableAs[tenantStore](newStore))
	runGroup(t, "RoleGrants", grantTests(), durableAs[grantStore](newStore))
	runGroup(t, "RevocationRecords", revocationRecordTests(), durableAs[storage.RevocationRecords](newStore))
	runGroup(t, "LockRecords", lockRecordTests(), durableAs[storage.LockRecords](newStore))
	runGroup(t, "APIs", apiTests(), durableAs[apiStore](newStore))
	runGroup(t, "Outbox", outboxTests(), durableAs[outboxStore](newStore))
	runGroup(t, "Housekeeping", housekeepingTests(), durableAs[housekeepingStore](newStore))
	runGroup(t, "ConsoleCounts", consoleCountTests(), durableAs[consoleStore](newStore))
	runGroup(t, "Brands", brandTests(), durableAs[brandStore](newStore))
	runGroup(t, "Ping", pingTests(), durableAs[pinger](newStore))
}

// RunEphemeral runs the conformance suite for storage.Ephemeral, one subtest
// group per aggregate and one fresh store per subtest.
func RunEphemeral(t *testing.T, newStore EphemeralFactory) {
	t.Helper()
	runGroup(t, "AuthRequests", authRequestTests(), ephemeralAs[storage.AuthRequests](newStore))
	runGroup(t, "AuthCodes", authCodeTests(), ephemeralAs[storage.AuthRequests](newStore))
	runGroup(t, "LoginFlows", loginFlowTests(), ephemeralAs[storage.LoginFlows](newStore))
	runGroup(t, "Revocations", revocationTests(), ephemeralAs[storage.Revocations](newStore))
	runGroup(t, "Stamps", stampTests(), ephemeralAs[stampStore](newStore))
	runGroup(t, "TOTP", totpEphemeralTests(), ephemeralAs[storage.TOTPEphemeral](newStore))
	runGroup(t, "WalletNonces", walletNonceTests(), ephemeralAs[storage.WalletNonces](newStore))
	runGroup(t, "PasskeyChallenges", passkeyChallengeTests(), ephemeralAs[storage.PasskeyChallenges](newStore))
	runGroup(t, "FailureCounters", failureTests(), ephemeralAs[storage.FailureCounters](newStore))
	runGroup(t, "RateLimiter", rateTests(), ephemeralAs[storage.RateLimiter](newStore))
	runGroup(t, "DeviceAuthorizations", deviceGrantTests(), ephemeralAs[storage.DeviceAuthorizations](newStore))
	runGroup(t, "DPoPProofs", dpopProofTests(), ephemeralAs[storage.DPoPProofs](newStore))
	runGroup(t, "PushedRequests", pushedRequestTests(), ephemeralAs[storage.PushedRequests](newStore))
	runGroup(t, "Ping", pingTests(), ephemeralAs[pinger](newStore))
}

// runGroup runs every case of one aggregate, each on a fresh store and clock,
// so that no case can observe another's records.
func runGroup[S any](t *testing.T, name string, cases []testCase[S], open func(*testing.T, *Clock) S) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				clock := NewClock()
				tc.run(t, open(t, clock), clock)
			})
		}
	})
}

// durableAs narrows the factory's store to the aggregate interface S, so each
// test sees only the methods it exercises.
func durableAs[S any](newStore DurableFactory) func(*testing.T, *Clock) S {
	return func(t *testing.T, c *Clock) S { return any(newStore(t, c)).(S) }
}

// ephemeralAs is durableAs for ephemeral stores.
func ephemeralAs[S any](newStore EphemeralFactory) func(*testing.T, *Clock) S {
	return func(t *testing.T, c *Clock) S { return any(newStore(t, c)).(S) }
}
