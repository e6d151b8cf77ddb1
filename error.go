package parkmate

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to exactly one HTTP status in package httpapi.
const (
	ECONFLICT        = "conflict"
	EFORBIDDEN       = "forbidden"
	EINTERNAL        = "internal"
	EINVALID         = "invalid_request"
	ENOTFOUND        = "not_found"
	EUNAUTHENTICATED = "unauthenticated"
	EUNPROCESSABLE   = "validation_failed"
	ERATELIMITED     = "rate_limited"
	ETOOLARGE        = "body_too_large"
)

// Error is an application error: a machine-readable Kind that decides the
// status, a more specific Code for clients (defaults to Kind), and a
// sentence for humans.
type Error struct {
	Kind    string
	Code    string
	Message string
}

// Error implements the error interface: the sentence for humans, which is
// what a command line or a log shows. The kind and code are in the fields.
func (e *Error) Error() string {
	if e.Message == "" {
		return strings.ReplaceAll(e.ErrorCode(), "_", " ")
	}
	return e.Message
}

// ErrorCode returns the specific code, or the kind when none was set.
func (e *Error) ErrorCode() string {
	if e.Code != "" {
		return e.Code
	}
	return e.Kind
}

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// CodedErrorf returns an *Error of the given kind with a specific code.
func CodedErrorf(kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorKind returns the kind of an application error, or EINTERNAL for
// any other error.
func ErrorKind(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return EINTERNAL
}

// OneOf writes choices the way a sentence lists them: "a", "a or b",
// "a, b or c". Messages use it instead of printing a Go slice.
func OneOf[S ~string](choices []S) string {
	words := make([]string, len(choices))
	for i, c := range choices {
		words[i] = string(c)
	}
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
