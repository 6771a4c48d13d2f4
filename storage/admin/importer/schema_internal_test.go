package importer

import (
	"bytes"
	"errors"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSchemaCompiles: the embedded schema compiles (it is compiled on the
// first record read, not at start, so a defect would otherwise surface only
// in an import), accepts a minimal record and refuses one that breaks it.
func TestSchemaCompiles(t *testing.T) {
	sch := compiled()
	if sch == nil {
		t.Fatal("no schema")
	}
	if compiled() != sch {
		t.Fatal("schema compiled twice")
	}
	ok, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"id":"u1","email":"a@example.com","created_at":"2024-01-01T00:00:00Z"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(ok); err != nil {
		t.Fatalf("minimal record refused: %v", err)
	}
	if _, err := NewJSONL(bytes.NewReader([]byte(`{"id":"u1","created_at":"yesterday"}`))).Next(); !errors.Is(err, ErrBadRecord) {
		t.Fatalf("record with a bad created_at: %v, want ErrBadRecord", err)
	}
}
