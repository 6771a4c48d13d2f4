//go:build !linux

package idletrim

// PageOutExecutable is Linux-only; elsewhere idle memory is the heap the
// runtime returns.
func PageOutExecutable() (int64, error) { return 0, ErrUnsupported }
