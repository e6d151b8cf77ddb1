package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"parkmate"
)

// decode reads a JSON object body of at most limit bytes into v,
// refusing unknown fields, wrong types, trailing data, and text that is
// not UTF-8 or holds NUL (checkText).
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return parkmate.CodedErrorf("unsupported_media_type", "unsupported_media_type", "Send the body as application/json.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return decodeError(err, limit)
	}
	// The body is in: lift bodyDeadline's deadline, which would otherwise
	// end the request's context if the work took longer.
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	if err := checkText(body); err != nil {
		return err
	}
	if err := checkKeys(body, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err, limit)
		}
		return parkmate.CodedErrorf(parkmate.EINVALID, "invalid_json", "The body must hold one JSON object.")
	}
	return nil
}

// checkKeys requires body to be a JSON object whose keys are exactly (in
// case too) the json names of v's fields, each at most once: encoding/json
// alone would take "NAME" for "name" and let a repeated key win.
func checkKeys(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return decodeError(err, 0)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return parkmate.CodedErrorf(parkmate.EINVALID, "invalid_json", "The body must be a JSON object.")
	}
	known := fieldNames(reflect.TypeOf(v))
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return decodeError(err, 0)
		}
		key, _ := tok.(string)
		if !known[key] {
			return parkmate.Errorf(parkmate.EINVALID, "Unknown field %q.", key)
		}
		if seen[key] {
			return parkmate.Errorf(parkmate.EINVALID, "Field %q is given twice.", key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return decodeError(err, 0)
		}
	}
	return nil
}

var fieldCache sync.Map // reflect.Type -> map[string]bool

// fieldNames returns the json names of a struct's fields, embedded ones
// included.
func fieldNames(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v, ok := fieldCache.Load(t); ok {
		return v.(map[string]bool)
	}
	names := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			for n := range fieldNames(f.Type) {
				names[n] = true
			}
		case name != "":
			names[name] = true
		case f.IsExported():
			names[f.Name] = true
		}
	}
	fieldCache.Store(t, names)
	return names
}

func decodeError(err error, limit int64) error {
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return parkmate.CodedErrorf(errTimeout, errTimeout, "The body did not arrive in time; send it at once.")
	case errors.As(err, &tooLarge):
		return parkmate.Errorf(parkmate.ETOOLARGE, "The body is larger than %d bytes.", limit)
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return parkmate.CodedErrorf(parkmate.EINVALID, "invalid_json", "The body must be a JSON object.")
	case errors.As(err, &typeErr):
		return parkmate.Errorf(parkmate.EINVALID, "Field %q must be %s.", typeErr.Field, typeName(typeErr.Type))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return parkmate.CodedErrorf(parkmate.EINVALID, "invalid_json", "The body is not valid JSON.")
	case errors.Is(err, io.EOF):
		return parkmate.CodedErrorf(parkmate.EINVALID, "invalid_json", "The body is empty; send a JSON object.")
	}
	// Unknown fields and other decoder complaints.
	return parkmate.Errorf(parkmate.EINVALID, "%s", fmt.Sprintf("The body was refused: %v.", err))
}

// typeName says a Go type the way a JSON client knows it.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// pathID reads a positive integer path wildcard.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, parkmate.Errorf(parkmate.ENOTFOUND, "No such %s.", name)
	}
	return id, nil
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string, max int64) (v int64, ok bool, err error) {
	text := r.URL.Query().Get(name)
	if text == "" {
		return 0, false, nil
	}
	v, err = strconv.ParseInt(text, 10, 64)
	if err != nil || v < 0 || v > max {
		return 0, false, parkmate.Errorf(parkmate.EINVALID, "Query parameter %s must be an integer from 0 to %d.", name, max)
	}
	return v, true, nil
}

// maxPage is the largest page a list returns.
const maxPage = 200

// page reads ?before= and ?limit=.
func page(r *http.Request) (parkmate.Page, error) {
	before, _, err := queryInt(r, "before", 1<<62)
	if err != nil {
		return parkmate.Page{}, err
	}
	limit, ok, err := queryInt(r, "limit", maxPage)
	if err != nil {
		return parkmate.Page{}, err
	}
	if ok && limit == 0 {
		return parkmate.Page{}, parkmate.Errorf(parkmate.EINVALID, "Query parameter limit must be from 1 to %d.", maxPage)
	}
	return parkmate.Page{Before: before, Limit: int(limit)}, nil
}

// list is the contract's list envelope.
type list[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

// newList wraps items; when the page is full, next is the last item's id.
func newList[T any](items []T, p parkmate.Page, id func(T) int64) list[T] {
	l := list[T]{Items: items}
	if len(items) == p.Size() && len(items) > 0 {
		next := strconv.FormatInt(id(items[len(items)-1]), 10)
		l.Next = &next
	}
	return l
}
