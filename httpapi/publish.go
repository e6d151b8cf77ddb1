package httpapi

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"parkmate"
	"parkmate/parking"
)

// publish is the service API: another backend notifies users directly.
func (s *Server) publish(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.PublishKey == "" {
		return parkmate.Errorf(parkmate.ENOTFOUND, "Publishing is off: start the server with --publish-key.")
	}
	key := r.Header.Get("X-API-Key")
	if key == "" || subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.PublishKey)) != 1 {
		return parkmate.Errorf(parkmate.EUNAUTHENTICATED, "Send the service key in X-API-Key.")
	}
	var in struct {
		UserIDs []int64         `json:"user_ids"`
		Groups  []string        `json:"groups"`
		Type    parkmate.Level  `json:"type"`
		Message string          `json:"message"`
		Event   string          `json:"event"`
		Data    json.RawMessage `json:"data"`
	}
	idemKey, err := idempotencyKey(r.Header)
	if err != nil {
		return err
	}
	if err := decode(w, r, s.cfg.MaxPublishBody, &in); err != nil {
		return err
	}
	res, err := s.parking.Publish(r.Context(), parking.PublishRequest{UserIDs: in.UserIDs, Groups: in.Groups,
		Type: in.Type, Message: in.Message, Event: in.Event, Data: in.Data, IdempotencyKey: idemKey})
	if err != nil {
		return err
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	s.writeJSON(w, res.Status, map[string]any{"ids": res.IDs})
	return nil
}

// idempotencyKey reads the Idempotency-Key header: "" when there is none.
// The IETF draft sends the key as a Structured Field string ("abc"); a
// bare token (abc) is taken too, as the same key. A key given twice,
// empty, longer than parking.MaxIdempotencyKeyLen or with characters
// outside printable ASCII is refused.
func idempotencyKey(h http.Header) (string, error) {
	values := h.Values("Idempotency-Key")
	if len(values) == 0 {
		return "", nil
	}
	refuse := func(why string, args ...any) error {
		return parkmate.CodedErrorf(parkmate.EINVALID, "invalid_idempotency_key", "Idempotency-Key "+why+".", args...)
	}
	if len(values) > 1 {
		return "", refuse("must be given once")
	}
	key := values[0]
	if strings.HasPrefix(key, `"`) {
		var ok bool
		if key, ok = unquoteSFString(key); !ok {
			return "", refuse(`must be a quoted string ("...") or a bare token`)
		}
	}
	if key == "" || len(key) > parking.MaxIdempotencyKeyLen {
		return "", refuse("must have 1 to %d characters", parking.MaxIdempotencyKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return "", refuse("must hold printable ASCII characters only")
		}
	}
	return key, nil
}

// unquoteSFString decodes an RFC 8941 sf-string: "..." in which only \"
// and \\ are escaped.
func unquoteSFString(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		if c == '"' {
			return "", false
		}
		if c == '\\' {
			i++
			if i == len(s)-1 || (s[i] != '"' && s[i] != '\\') {
				return "", false
			}
			c = s[i]
		}
		b.WriteByte(c)
	}
	return b.String(), true
}
