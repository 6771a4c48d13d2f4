package main

import (
	"os"
	"testing"
	"time"
)

// The benchmark itself is run by hand (README "Benchmarks"); these are the
// smoke tests of what it reads and parses.

func TestPercentile(t *testing.T) {
	l := &latencies{}
	for i := 1; i <= 100; i++ {
		l.add(time.Duration(101-i) * time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := l.p(c.q); got != c.want {
			t.Errorf("p%v = %s; want %s", c.q, got, c.want)
		}
	}
	if got := (&latencies{}).p(99); got != 0 {
		t.Errorf("p99 of nothing = %s; want 0", got)
	}
}

func TestHiddenFields(t *testing.T) {
	for _, body := range []string{
		`<form><input type="hidden" name="flow" value="f1"/><input type="hidden" name="csrf_token" value="a&amp;b"/></form>`,
		`<form><input value="f1" type="hidden" name="flow"><input value="a&amp;b" name="csrf_token"></form>`,
	} {
		v := hiddenFields(body)
		if v.Get("flow") != "f1" || v.Get("csrf_token") != "a&b" {
			t.Errorf("hiddenFields(%s) = %v", body, v)
		}
	}
}

// TestProcReadings reads this process's own /proc entries the way the
// benchmark reads admit's.
func TestProcReadings(t *testing.T) {
	before := procCPU(os.Getpid())
	for deadline := time.Now().Add(50 * time.Millisecond); time.Now().Before(deadline); {
	}
	after := procCPU(os.Getpid())
	if before < 0 || after < before {
		t.Fatalf("procCPU: %s then %s", before, after)
	}
	s := procStatusOf(os.Getpid())
	if s.rss <= 0 || s.hwm < s.rss {
		t.Fatalf("status: RSS %d KiB, HWM %d KiB", s.rss, s.hwm)
	}
	if c := postgresCPU(); c < -1 {
		t.Fatalf("postgresCPU = %s", c)
	}
}

// TestMemSplit reads this process's smaps_rollup: the split must add up and
// a Go process always has both kinds of page.
func TestMemSplit(t *testing.T) {
	m := memSplitOf(os.Getpid())
	if m.rss <= 0 || m.anon <= 0 || m.file <= 0 || m.anon+m.file != m.rss {
		t.Fatalf("memSplit = %+v", m)
	}
}
