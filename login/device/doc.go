// Package device recognises the browsers users sign in from.
//
// A device is a signed, long-lived cookie (admit_device: a random token and
// its HMAC; stored server-side as the token's SHA-256) plus the user agent,
// first Accept-Language tag and IP prefix, per user. Every successful first
// factor records it (the engine's DeviceTrust hook) and every failed
// factor of a known user counts against it. Only a browser that brought a
// valid cookie is looked up: a token minted by this sign-in names no
// stored device, so a first sign-in costs one write and no read. The
// "new sign-in" notice goes to the user as the sign-in read them
// (Flow.User), without reading them again.
//
// Trust is the old device-trust formula (Score): unknown 0; otherwise 50,
// plus 1 per 10 days of age (at most 20), plus 30/20/10 for activity within
// a day/week/month, +5 per success, −10 per failure, within 0..100. A new
// device or a score under 30 is untrusted: the sign-in is audited
// ("device.new") and, with defences.new_device notify or both, the owner
// gets a "new sign-in" e-mail. Requiring the second factor needs no extra
// code: the MFA policy asks every user who has one on every new login.
//
// The account area's Devices section lists devices (this browser marked),
// account.ListPageSize at a time with a link to older ones, and forgets
// them; a forgotten device's next sign-in counts as new. The hourly
// housekeeping forgets devices not seen for defences.device_retention
// (storage.Devices.DeleteStaleDevices), so the table does not grow with
// every browser that ever signed in.
package device
