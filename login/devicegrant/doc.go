// Package devicegrant serves the user's side of the OAuth 2.0 Device
// Authorization Grant (RFC 8628): the /device page where the user types the
// code a device shows, signs in with any method of the login engine, and
// approves or denies the device on a consent page that names the device's
// client and shows the code again (5.4: the user compares it with the
// device's screen).
//
// op (zitadel/oidc) serves the device authorization endpoint and the token
// endpoint's device_code grant; Admit's op.Storage keeps the records
// (storage.DeviceAuthorizations).
//
// User codes are 8 letters of a 20-consonant alphabet (storage.UserCodeCharset,
// 6.1), grouped XXXX-XXXX; entry is case-insensitive and ignores dashes and
// spaces. Every lookup of a typed code (entry, approval page, decision)
// counts against a per-IP limit (IPv6 per /64) and a global limit (5.1:
// brute force of user codes); codes are single use (the first decision
// wins) and live as long as the device code.
//
// Approve and deny are audited (events "device.approve", "device.deny").
package devicegrant
