package bench

import "math"

// jscan walks a JSON text without allocating: enough of a parser to pick
// the few fields the bench reads out of a notification frame and to skip
// the rest, checking its structure as it goes. It gives up (ok false) on
// what it does not handle itself, such as an escape inside a string it
// reads, or a number with a fraction, and the caller then falls back to
// encoding/json.
type jscan struct {
	b []byte
	i int
}

func (s *jscan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// eat consumes c (after white space) if it comes next.
func (s *jscan) eat(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *jscan) peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// end reports whether only white space is left.
func (s *jscan) end() bool {
	s.space()
	return s.i == len(s.b)
}

// str reads a string without escapes and returns its bytes, in place.
func (s *jscan) str() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// skipStr skips a string, escapes included.
func (s *jscan) skipStr() bool {
	if !s.eat('"') {
		return false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		switch {
		case c == '"':
			return true
		case c == '\\':
			s.i++
		case c < 0x20:
			return false
		}
	}
	return false
}

// int reads an integer that fits an int64 (no fraction, no exponent).
func (s *jscan) int() (int64, bool) {
	s.space()
	neg := s.i < len(s.b) && s.b[s.i] == '-'
	if neg {
		s.i++
	}
	start := s.i
	var v int64
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		d := int64(s.b[s.i] - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, false
		}
		v = v*10 + d
		s.i++
	}
	if n := s.i - start; n == 0 || (n > 1 && s.b[start] == '0') {
		return 0, false
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// skipNumber skips a JSON number.
func (s *jscan) skipNumber() bool {
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			s.i++
			continue
		}
		break
	}
	return s.i > start
}

// skip skips one value of any kind.
func (s *jscan) skip() bool {
	switch c := s.peek(); c {
	case '"':
		return s.skipStr()
	case '{', '[':
		return s.skipComposite(c)
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.skipNumber()
	}
}

func (s *jscan) literal(w string) bool {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return false
	}
	s.i += len(w)
	return true
}

// skipComposite skips an object or an array.
func (s *jscan) skipComposite(open byte) bool {
	s.i++
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	if s.eat(closing) {
		return true
	}
	for {
		if open == '{' && (!s.skipStr() || !s.eat(':')) {
			return false
		}
		if !s.skip() {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat(closing)
	}
}

// members calls field for each member of an object, positioned at its
// value; field must consume the value.
func (s *jscan) members(field func(key []byte) bool) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.eat(':') || !field(key) {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}

// scanFrame reads what the bench needs of a notification frame into f,
// without allocating; f's byte fields point into b. It reports false when
// the frame needs encoding/json (see parseFrame) or is not JSON.
func scanFrame(b []byte, f *frame) bool {
	*f = frame{}
	s := jscan{b: b}
	ok := s.members(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "id":
			f.ID, ok = s.int()
		case "event":
			f.Event, ok = s.str()
		case "data":
			if s.peek() != '{' {
				return s.skip()
			}
			return s.members(func(key []byte) bool {
				var ok bool
				switch string(key) {
				case "bench":
					f.Data.Bench, ok = s.str()
				case "seq":
					f.Data.Seq, ok = s.int()
				case "ts":
					f.Data.TS, ok = s.int()
				case "payment_id":
					f.Data.PaymentID, ok = s.int()
				default:
					ok = s.skip()
				}
				return ok
			})
		default:
			ok = s.skip()
		}
		return ok
	})
	return ok && s.end()
}
