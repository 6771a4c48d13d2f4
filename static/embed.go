package static

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// FS holds the assets: the stylesheet and the pages' scripts (same-origin
// only, as the CSP requires).
//
//go:embed admit.css console.css *.js
var FS embed.FS

// cacheControl lets browsers reuse assets for an hour; asset URLs are not
// content-hashed, so a longer lifetime would delay style fixes after a deploy.
const cacheControl = "public, max-age=3600"

// Handler serves FS with caching, fixed content types and no directory
// listings. Paths are relative to the FS root, so strip any mount prefix.
func Handler() http.Handler {
	files := http.FileServerFS(FS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isFile(r.URL.Path) {
			// Checked up front so that a 404 is not cached for an hour and
			// an embedded directory is never listed.
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", cacheControl)
		h.Set("X-Content-Type-Options", "nosniff")
		if ct := contentType(r.URL.Path); ct != "" {
			// Set before FileServer runs so that it neither sniffs nor
			// depends on the host's mime.types.
			h.Set("Content-Type", ct)
		}
		files.ServeHTTP(w, r)
	})
}

// contentType names the type of the asset kinds we ship; "" leaves the
// decision to http.FileServer.
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	default:
		return ""
	}
}

// isFile reports whether urlPath names a regular file in FS.
func isFile(urlPath string) bool {
	name := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	info, err := fs.Stat(FS, name)
	return err == nil && info.Mode().IsRegular()
}
