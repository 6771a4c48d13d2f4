package storagetest

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

// randomID returns 32 random hex characters, so records of concurrent or
// repeated runs never collide even on a shared database.
func randomID() string { return randomHex(16) }

// randomHash returns 64 random hex characters, the shape of a hex SHA-256.
func randomHash() string { return randomHex(32) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes instead).
	return hex.EncodeToString(b)
}

// randomBytes returns n random bytes, e.g. an opaque sealed key.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// mustOK stops the test on an unexpected error.
func mustOK(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// mustErr stops the test unless err wraps target.
func mustErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want one wrapping %q", what, err, target)
	}
}

// exactlyOneWins runs use from 8 goroutines at once, as several nodes
// would race for a single-use record (a PAR request_uri, a wallet nonce, a
// DPoP proof's jti), and fails unless exactly one succeeds and every other
// fails with lost.
func exactlyOneWins(t *testing.T, what string, lost error, use func() error) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Go(func() {
			err := use()
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else if !errors.Is(err, lost) {
				t.Errorf("%s: %v", what, err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%s: %d of 8 won, want exactly 1", what, wins)
	}
}

// assertEqual compares two records after normalize, which forgives what
// backends may legitimately change: sub-microsecond precision, time zones and
// nil versus empty slices and maps.
func assertEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	g, w := normalize(got), normalize(want)
	for _, d := range diff("", reflect.ValueOf(g), reflect.ValueOf(w)) {
		t.Errorf("%s: %s", what, d)
	}
}

// diff describes where two normalised values differ, field by field, so a
// failure names the field a backend lost instead of dumping two records.
func diff(path string, got, want reflect.Value) []string {
	if reflect.DeepEqual(got.Interface(), want.Interface()) {
		return nil
	}
	switch {
	case got.Kind() == reflect.Struct && got.Type() != timeType:
		var out []string
		for i := range got.NumField() {
			name := got.Type().Field(i).Name
			if path != "" {
				name = path + "." + name
			}
			out = append(out, diff(name, got.Field(i), want.Field(i))...)
		}
		return out
	case got.Kind() == reflect.Slice && got.Type().Elem().Kind() == reflect.Struct:
		return diffRecords(cmp.Or(path, "list"), got, want)
	}
	format := "%s: got %v, want %v"
	if got.Kind() == reflect.String {
		format = "%s: got %q, want %q"
	}
	return []string{fmt.Sprintf(format, cmp.Or(path, "value"), got, want)}
}

// diffRecords compares two lists of records element by element, or, if
// their lengths differ, by the records' first field (their key).
func diffRecords(path string, got, want reflect.Value) []string {
	if got.Len() != want.Len() {
		return []string{fmt.Sprintf("%s: got %d records %v, want %d records %v", path, got.Len(), keys(got), want.Len(), keys(want))}
	}
	var out []string
	for i := range got.Len() {
		out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i))...)
	}
	return out
}

// keys lists the first field of every record in a slice.
func keys(records reflect.Value) []any {
	out := make([]any, records.Len())
	for i := range out {
		out[i] = records.Index(i).Field(0).Interface()
	}
	return out
}

// assertSameSet compares two string lists ignoring order and duplicates, for
// results whose order the contract leaves open.
func assertSameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Compact(slices.Sorted(slices.Values(got))), slices.Compact(slices.Sorted(slices.Values(want)))
	if !slices.Equal(g, w) {
		t.Errorf("%s: got %q, want %q", what, g, w)
	}
}

// assertFilled fails if a field of the sample record v is zero (except the
// named ones), so that round-trip tests keep covering every field when the
// model grows.
func assertFilled(t *testing.T, v any, except ...string) {
	t.Helper()
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		if rv.Field(i).IsZero() && !slices.Contains(except, f.Name) {
			t.Fatalf("suite bug: sample %s leaves field %s zero; set it so the round trip covers it", rv.Type().Name(), f.Name)
		}
	}
}

var timeType = reflect.TypeFor[time.Time]()

// normalize returns a deep copy of v with every time truncated to the
// microsecond and put in UTC, and every empty slice or map made nil.
func normalize[T any](v T) T {
	return normalizeValue(reflect.ValueOf(&v).Elem()).Interface().(T)
}

func normalizeValue(v reflect.Value) reflect.Value {
	if v.Type() == timeType {
		tm := v.Interface().(time.Time)
		return reflect.ValueOf(tm.Truncate(time.Microsecond).UTC())
	}
	switch v.Kind() {
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			out.Field(i).Set(normalizeValue(v.Field(i)))
		}
		return out
	case reflect.Slice:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(normalizeValue(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
	}
	return v
}
