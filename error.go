package parkmate

import (
	"errors"
	"fmt"
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

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("parkmate error: kind=%s code=%s message=%s", e.Kind, e.ErrorCode(), e.Message)
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
