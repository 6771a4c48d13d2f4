package idletrim

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// PageOutExecutable asks the kernel to reclaim the resident pages of the
// running executable's read-only mappings (text, rodata, pclntab) at once
// (madvise(2) MADV_PAGEOUT). They are clean copies of the file, so nothing
// is written; code run later is read back on demand. It returns the size
// of the mappings advised.
func PageOutExecutable() (int64, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, fmt.Errorf("idletrim: %w", err)
	}
	regions, err := readOnlyMappings("/proc/self/maps", exe)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, r := range regions {
		// Addresses from /proc/self/maps, not Go pointers: the raw system
		// call keeps them uintptrs.
		if _, _, e := unix.Syscall(unix.SYS_MADVISE, r.start, r.end-r.start, unix.MADV_PAGEOUT); e != 0 {
			if e == unix.EINVAL {
				return total, ErrUnsupported
			}
			return total, fmt.Errorf("idletrim: madvise: %w", e)
		}
		total += int64(r.end - r.start)
	}
	return total, nil
}

type region struct{ start, end uintptr }

// readOnlyMappings lists the mappings of path in a /proc/<pid>/maps file
// that are not writable. A binary replaced on disk since it started shows
// as "path (deleted)" in both the maps and /proc/self/exe, so the names
// still match.
func readOnlyMappings(maps, path string) ([]region, error) {
	f, err := os.Open(maps)
	if err != nil {
		return nil, fmt.Errorf("idletrim: %w", err)
	}
	defer f.Close()
	var out []region
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		r, ok := parseMapping(sc.Text(), path)
		if ok {
			out = append(out, r)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("idletrim: %s: %w", maps, err)
	}
	return out, nil
}

// parseMapping reads one line of a maps file ("start-end perms offset dev
// inode path"); ok is false for another file's mapping, a writable one or
// a malformed line.
func parseMapping(line, path string) (region, bool) {
	fields := strings.Fields(line)
	if len(fields) < 6 || strings.Join(fields[5:], " ") != path {
		return region{}, false
	}
	if perms := fields[1]; len(perms) < 2 || perms[0] != 'r' || perms[1] != '-' {
		return region{}, false
	}
	from, to, ok := strings.Cut(fields[0], "-")
	if !ok {
		return region{}, false
	}
	start, err1 := strconv.ParseUint(from, 16, 64)
	end, err2 := strconv.ParseUint(to, 16, 64)
	if err1 != nil || err2 != nil || end <= start {
		return region{}, false
	}
	return region{uintptr(start), uintptr(end)}, true
}
