package templates

// DeviceCodeView is the /device code entry page.
type DeviceCodeView struct {
	CSRFToken, UserCode, Error string
}

// DeviceConsentView is the device approval page; UserCode is shown grouped
// (XXXX-XXXX), as on the device.
type DeviceConsentView struct {
	CSRFToken, ClientName, UserCode, UserEmail string
	Scopes                                     []ScopeItem
}

const (
	deviceCodeID      = "user-code"
	deviceCodeErrorID = "user-code-error"
)
