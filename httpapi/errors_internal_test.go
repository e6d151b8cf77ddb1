package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestWriteJSONThatCannotBeEncoded: a value that cannot be encoded (a time
// past year 9999, a NaN) is answered 500 with the contract's JSON error
// and logged, not the status it was meant for with an empty body; one
// that can is written as it was.
func TestWriteJSONThatCannotBeEncoded(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	far := time.UnixMilli(math.MaxInt64).UTC()
	for _, v := range []any{map[string]any{"expiration_time": &far}, []float64{math.NaN()}} {
		rec := httptest.NewRecorder()
		s.writeJSON(rec, 201, v)
		var e errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != 500 || e.Error.Code != "internal" ||
			rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%v: %d %q (%v)", v, rec.Code, rec.Body, err)
		}
	}
	if !strings.Contains(logs.String(), "encode response") {
		t.Errorf("not logged: %s", logs.String())
	}
	rec := httptest.NewRecorder()
	s.writeJSON(rec, 201, map[string]int{"id": 3})
	if rec.Code != 201 || rec.Body.String() != "{\"id\":3}\n" {
		t.Errorf("good value: %d %q", rec.Code, rec.Body)
	}
}
