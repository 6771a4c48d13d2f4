package templates

// CaptchaView is a CAPTCHA widget (see CaptchaWidget).
type CaptchaView struct {
	Provider string // hcaptcha, recaptcha, turnstile
	Class    string // the provider's container class
	SiteKey  string
	Script   string // the provider's script URL
}

// LockoutNoticeView is the e-mail telling an owner their account's
// password sign-in was paused, with the unlock link.
type LockoutNoticeView struct {
	Minutes   int
	UnlockURL string
	IP        string
}

// DevicesSectionView is the account page's device list.
type DevicesSectionView struct {
	CSRFToken string
	Devices   []DeviceRow
	// Older links to the next page of devices (empty: no more); Newest
	// back to the first (empty on the first page).
	Older, Newest string
}

// DeviceRow is one remembered device.
type DeviceRow struct {
	ID     string
	Name   string // "Chrome on Windows": never the raw user agent
	Detail string // "Last seen 2 Jan 2026 · first seen 1 Dec 2025"
	// Current marks the browser showing the page.
	Current bool
}
