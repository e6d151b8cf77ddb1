package httpapi

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"parkmate"
)

// checkText refuses, with 422, a JSON body whose strings hold what no
// field may hold: bytes that are not UTF-8, NUL (raw or escaped as
// \u0000), or an escaped UTF-16 surrogate without its other half. The
// JSON decoder would take the first and last silently (as U+FFFD),
// PostgreSQL refuses NUL (an error 500 before this check) and SQLite
// stores it. Raw data (a publish's "data") is checked the same way.
func checkText(body []byte) error {
	if !utf8.Valid(body) {
		return parkmate.Errorf(parkmate.EUNPROCESSABLE, "The body must be UTF-8 text.")
	}
	if bytes.IndexByte(body, 0) >= 0 {
		return errNUL
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if i+1 < len(body) && body[i+1] == 'u' {
			r, ok := hex4(body, i+2)
			switch {
			case !ok:
				// Malformed: the JSON decoder says so.
			case r == 0:
				return errNUL
			case utf16.IsSurrogate(r) && r < 0xdc00:
				low, ok := rune(0), false
				if i+7 < len(body) && body[i+6] == '\\' && body[i+7] == 'u' {
					low, ok = hex4(body, i+8)
				}
				if !ok || utf16.DecodeRune(r, low) == utf8.RuneError {
					return errSurrogate
				}
				i += 6 // and the low half's \u below
			case utf16.IsSurrogate(r):
				return errSurrogate
			}
		}
		i++ // the escaped character
	}
	return nil
}

var (
	errNUL       = parkmate.Errorf(parkmate.EUNPROCESSABLE, "Text must not hold NUL characters (\\u0000).")
	errSurrogate = parkmate.Errorf(parkmate.EUNPROCESSABLE, "Text must not hold half a character (an unpaired UTF-16 surrogate escape).")
)

// hex4 reads the 4 hex digits of a \u escape at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}
