package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// npmCITimeout bounds `npm ci`; it downloads a few megabytes from the registry.
const npmCITimeout = 5 * time.Minute

// ensureNodeModules runs `npm ci` in dir unless node_modules already holds
// the versions package-lock.json pins. The check makes the install happen
// once per process (and once per checkout); the file lock keeps concurrent
// test processes (go test ./... runs packages in parallel) from running
// npm ci over each other, since npm ci starts by deleting node_modules.
func ensureNodeModules(ctx context.Context, dir string) error {
	if err := nodeModulesMatchLock(dir); err == nil {
		return nil
	}
	unlock, err := lockFile(filepath.Join(dir, ".npm-ci.lock"))
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer unlock()
	// Another process may have installed while we waited for the lock.
	if err := nodeModulesMatchLock(dir); err == nil {
		return nil
	}
	return npmCI(ctx, dir)
}

func npmCI(ctx context.Context, dir string) error {
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("npm is not on PATH (install it with `apt-get install -y npm`): %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, npmCITimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	// playwright-core never downloads browsers; this makes sure of it.
	cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm ci in %s: %w\n%s", dir, err, out)
	}
	if err := nodeModulesMatchLock(dir); err != nil {
		return fmt.Errorf("after npm ci: %w", err)
	}
	return nil
}

// lockedPackage is the part of a package-lock.json or package.json entry we compare.
type lockedPackage struct {
	Version  string `json:"version"`
	Optional bool   `json:"optional"` // may be skipped on this platform
}

// nodeModulesMatchLock reports, as an error, the first package whose
// installed version differs from package-lock.json, so that bumping the lock
// reinstalls instead of silently testing with the old version.
func nodeModulesMatchLock(dir string) error {
	var lock struct {
		Packages map[string]lockedPackage `json:"packages"`
	}
	if err := readJSON(filepath.Join(dir, "package-lock.json"), &lock); err != nil {
		return err
	}
	for key, want := range lock.Packages {
		if !strings.HasPrefix(key, "node_modules/") {
			continue // "" is the root project itself
		}
		var got lockedPackage
		err := readJSON(filepath.Join(dir, filepath.FromSlash(key), "package.json"), &got)
		if errors.Is(err, fs.ErrNotExist) && want.Optional {
			continue
		}
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s is not installed", key)
		}
		if err != nil {
			return err
		}
		if got.Version != want.Version {
			return fmt.Errorf("%s is %s, package-lock.json wants %s", key, got.Version, want.Version)
		}
	}
	return nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}
