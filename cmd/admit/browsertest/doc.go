// Package browsertest drives a real browser from Go tests: Debian's Chromium
// at /usr/bin/chromium, scripted with the npm package playwright-core.
//
// Scripts live in scripts/ as ES modules and share scripts/lib.mjs. A Go test
// calls Run with a script and its environment; lines the script prints as
// "RESULT {json}" come back to the test for assertions, and screenshots land
// in SCREENSHOT_DIR (by default the test's ArtifactDir, kept with
// `go test -artifacts`).
//
// playwright-core is used rather than playwright because it never downloads
// a browser: the only browser is the distribution's, installed with
// `apt-get install -y chromium`. node_modules is installed from the committed
// package-lock.json with `npm ci` the first time a test needs it.
package browsertest
