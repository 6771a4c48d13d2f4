// Package static embeds and serves the hosted login's static assets
// (admit.css, and any scripts added later) from the binary, so that the
// login pages need nothing from outside the origin: the CSP only allows
// 'self' for styles and scripts, and there is no CDN or web font.
//
// Mount Handler under /static/ with the prefix stripped:
//
//	mux.Handle("/static/", http.StripPrefix("/static", static.Handler()))
package static
