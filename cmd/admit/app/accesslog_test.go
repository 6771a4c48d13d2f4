package app

import (
	"bytes"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestAccessLogSetting: access_log decides which requests get a line. The
// default ("errors") logs failed and slow requests only, "all" every
// request, "off" none; the query string is never logged.
func TestAccessLogSetting(t *testing.T) {
	if got := Defaults().AccessLog; got != "errors" {
		t.Fatalf("default access_log = %q, want errors", got)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/slow":
			time.Sleep(slowRequest + 50*time.Millisecond)
		}
	})
	for _, tc := range []struct {
		mode string
		want []string // paths that must be logged, in order
	}{
		{"errors", []string{"/missing", "/slow"}},
		{"all", []string{"/ok", "/missing", "/slow"}},
		{"off", nil},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			var buf bytes.Buffer
			a := &App{Config: Config{AccessLog: tc.mode}, Logger: slog.New(slog.NewTextHandler(&buf, nil))}
			h := a.accessLog(handler)
			for _, p := range []string{"/ok?code=secret", "/missing", "/slow"} {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
			}
			var got []string
			for line := range strings.Lines(buf.String()) {
				for f := range strings.FieldsSeq(line) {
					if p, ok := strings.CutPrefix(f, "path="); ok {
						got = append(got, p)
					}
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("logged paths %q, want %q; log:\n%s", got, tc.want, buf.String())
			}
			if strings.Contains(buf.String(), "secret") {
				t.Errorf("the query string was logged:\n%s", buf.String())
			}
		})
	}
}

// TestAccessLogConfig: ADMIT_ACCESS_LOG sets it and a bad value is refused
// naming the setting.
func TestAccessLogConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, env(map[string]string{"ADMIT_ACCESS_LOG": "all"}))
	if err != nil || cfg.AccessLog != "all" {
		t.Fatalf("ADMIT_ACCESS_LOG=all: got %q, %v", cfg.AccessLog, err)
	}
	_, err = LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, env(map[string]string{"ADMIT_ACCESS_LOG": "verbose"}))
	if err == nil || !strings.Contains(err.Error(), "access_log") {
		t.Fatalf("ADMIT_ACCESS_LOG=verbose: err = %v, want one naming access_log", err)
	}
}
