package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"parkmate"
)

// statuses maps each error kind to its one HTTP status.
var statuses = map[string]int{
	parkmate.EINVALID:         http.StatusBadRequest,
	parkmate.EUNAUTHENTICATED: http.StatusUnauthorized,
	parkmate.EFORBIDDEN:       http.StatusForbidden,
	parkmate.ENOTFOUND:        http.StatusNotFound,
	parkmate.ECONFLICT:        http.StatusConflict,
	parkmate.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	parkmate.EUNPROCESSABLE:   http.StatusUnprocessableEntity,
	parkmate.ERATELIMITED:     http.StatusTooManyRequests,
	parkmate.EINTERNAL:        http.StatusInternalServerError,
	"unsupported_media_type":  http.StatusUnsupportedMediaType,
	errTimeout:                http.StatusRequestTimeout,
}

// errTimeout is the kind and code of a body that took longer than
// Config.BodyTimeout.
const errTimeout = "request_timeout"

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError writes err as the contract's JSON error. Internal errors are
// logged here, once, and their text never reaches the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var body errorBody
	var pe *parkmate.Error
	if errors.As(err, &pe) {
		body.Error.Code, body.Error.Message = pe.ErrorCode(), pe.Message
	} else {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		body.Error.Code, body.Error.Message = parkmate.EINTERNAL, "Something went wrong on our side."
		pe = &parkmate.Error{Kind: parkmate.EINTERNAL}
	}
	status, ok := statuses[pe.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", retryAfterHeader(err))
	}
	if status == http.StatusRequestTimeout {
		w.Header().Set("Connection", "close")
	}
	s.writeJSON(w, status, body)
}

// writeJSON writes v as the JSON body of a response with status. v is
// encoded before anything is written: a value that cannot be encoded (a
// bug) is logged and answered 500 with the contract's error, not the
// status with an empty body. A body the client stopped reading is logged
// at debug level only.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode response", "status", status, "err", err)
		var e errorBody
		e.Error.Code, e.Error.Message = parkmate.EINTERNAL, "Something went wrong on our side."
		status, body = http.StatusInternalServerError, mustJSON(e)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if _, err := w.Write(append(body, '\n')); err != nil {
		s.log.Debug("write response", "err", err)
	}
}

// mustJSON encodes a value that always encodes.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
