package templates

import "github.com/a-h/templ"

// BusyView is what the "you're in line" page needs: where it checks again
// (a local URL naming the flow and its one-time ticket).
type BusyView struct {
	RetryURL templ.SafeURL
}
