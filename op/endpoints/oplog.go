package endpoints

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
)

// SetDefaultLogger makes log the process's default logger, which zitadel's
// op writes its own lines to. op logs every request it refuses: at WARN,
// and at ERROR when it files a caller's mistake under server_error (an
// /authorize without client_id). Anyone could then fill the log with
// warnings and errors. Admit logs what an operator must see itself (a
// backend failure, any 5xx answer: unavailableAs503, the login pages'
// Unavailable), so op's lines are kept at DEBUG, for troubleshooting.
func SetDefaultLogger(log *slog.Logger) {
	slog.SetDefault(slog.New(libraryAtDebug{log.Handler()}))
}

// libraryPrefix names the packages whose records libraryAtDebug demotes.
const libraryPrefix = "github.com/zitadel/oidc/"

// libraryAtDebug passes records through, demoting those logged from
// libraryPrefix to DEBUG.
type libraryAtDebug struct{ slog.Handler }

// Enabled lets every level through to Handle, which knows the record's
// origin and so its final level.
func (h libraryAtDebug) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, l) || h.Handler.Enabled(ctx, slog.LevelDebug)
}

func (h libraryAtDebug) Handle(ctx context.Context, r slog.Record) error {
	if r.Level > slog.LevelDebug && fromLibrary(r.PC) {
		r.Level = slog.LevelDebug
	}
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h libraryAtDebug) WithAttrs(as []slog.Attr) slog.Handler {
	return libraryAtDebug{h.Handler.WithAttrs(as)}
}

func (h libraryAtDebug) WithGroup(name string) slog.Handler {
	return libraryAtDebug{h.Handler.WithGroup(name)}
}

func fromLibrary(pc uintptr) bool {
	if pc == 0 {
		return false
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	return strings.HasPrefix(f.Function, libraryPrefix)
}
