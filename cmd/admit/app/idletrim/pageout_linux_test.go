package idletrim

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPageOutExecutable: the resident pages of the test binary's own
// read-only mappings (it is the only process mapping it) mostly leave, and
// the code still runs. Only the executable's mappings are counted: a race
// build also maps the C library, which is left alone.
func TestPageOutExecutable(t *testing.T) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(exe, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type == unix.TMPFS_MAGIC {
		t.Skip("the test binary is on tmpfs, whose pages the kernel pages out only to swap")
	}
	before := residentKiB(t, exe)
	advised, err := PageOutExecutable()
	if err != nil {
		t.Fatalf("PageOutExecutable: %v", err)
	}
	after := residentKiB(t, exe)
	t.Logf("the executable's read-only mappings: %d KiB resident → %d KiB; %d MiB advised", before, after, advised>>20)
	if advised < 1<<20 {
		t.Fatalf("only %d bytes of the executable's mappings advised", advised)
	}
	if before < 512 || after > before/2 {
		t.Fatalf("the executable's resident pages %d KiB → %d KiB: not paged out", before, after)
	}
	// The code paged out is read back when it runs again.
	if _, err := readOnlyMappings("/proc/self/maps", exe); err != nil {
		t.Fatal(err)
	}
}

// residentKiB sums the Rss of this process's read-only mappings of path,
// from /proc/self/smaps (one header line per mapping, then its fields).
func residentKiB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	total, counting := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) >= 5 && strings.Contains(fields[0], "-") {
			_, counting = parseMapping(line, path)
			continue
		}
		if v, ok := strings.CutPrefix(line, "Rss:"); ok && counting {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}

func TestParseMapping(t *testing.T) {
	const exe = "/usr/local/bin/admit"
	for _, tc := range []struct {
		line string
		want region
		ok   bool
	}{
		{"00400000-018c6000 r-xp 00000000 fe:00 1234 /usr/local/bin/admit", region{0x400000, 0x18c6000}, true},
		{"018c6000-02f7a000 r--p 014c6000 fe:00 1234 /usr/local/bin/admit", region{0x18c6000, 0x2f7a000}, true},
		{"02f7b000-030be000 rw-p 02b7b000 fe:00 1234 /usr/local/bin/admit", region{}, false},
		{"7f00-7f10 r-xp 00000000 fe:00 99 /usr/lib/x86_64-linux-gnu/libc.so.6", region{}, false},
		{"00c000000000-00c004000000 rw-p 00000000 00:00 0", region{}, false},
		{"00400000-018c6000 r-xp 00000000 fe:00 1234 /usr/local/bin/admit (deleted)", region{}, false},
		{"018c6000-00400000 r--p 0 fe:00 1234 /usr/local/bin/admit", region{}, false},
		{"zz-01 r--p 0 fe:00 1234 /usr/local/bin/admit", region{}, false},
		{"00400000 r--p 0 fe:00 1234 /usr/local/bin/admit", region{}, false},
		{"", region{}, false},
	} {
		got, ok := parseMapping(tc.line, exe)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseMapping(%q) = %v, %v; want %v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
	// A binary replaced on disk: both names carry " (deleted)".
	if _, ok := parseMapping("00400000-018c6000 r-xp 0 fe:00 1 /usr/local/bin/admit (deleted)", exe+" (deleted)"); !ok {
		t.Error("the mapping of a replaced binary was not matched")
	}
}

func FuzzParseMapping(f *testing.F) {
	f.Add("00400000-018c6000 r-xp 00000000 fe:00 1234 /bin/admit", "/bin/admit")
	f.Add("7f00-7f10 r--p 0 0:0 0 /a b", "/a b")
	f.Fuzz(func(t *testing.T, line, path string) {
		r, ok := parseMapping(line, path)
		if ok && r.end <= r.start {
			t.Fatalf("parseMapping(%q) = %v: an empty or reversed range", line, r)
		}
	})
}
