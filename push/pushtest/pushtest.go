// Package pushtest is a push service for tests: a real HTTP server that
// implements the receiving side of RFC 8030 for the subscriptions it
// hands out. For each message it verifies the VAPID Authorization
// (RFC 8292: an ES256 JWT whose aud is the endpoint's origin, whose exp is
// at most 24 hours ahead and whose sub is a contact, signed with the key
// in k=), decrypts the aes128gcm body with the subscription's private key
// (RFC 8291), and records what it got. It can be told to answer a
// subscription's next messages otherwise: 410, 429 with Retry-After, a
// redirect. It can be made slow: every request then waits a while before
// it is answered.
package pushtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Message is one request the service received.
type Message struct {
	// Token names the subscription (the last segment of its endpoint).
	Token string
	// Status is what the service answered.
	Status int
	// Payload is the decrypted message (nil when it was not decrypted).
	Payload []byte
	// TTL, Urgency and Topic are the request's RFC 8030 headers.
	TTL     int
	Urgency string
	Topic   string
	// Key is the VAPID public key (k=) the request carried.
	Key string
	// Err says what was wrong with the request (nil: nothing).
	Err error
	// At is when it arrived (wall clock).
	At time.Time
}

// Answer is a scripted answer to a subscription's next message.
type Answer struct {
	Status     int
	RetryAfter string // the Retry-After header, when not empty
	Location   string // the Location header, when not empty
}

// Server is a running push service.
type Server struct {
	srv *httptest.Server
	// HostPort is the address to list in --push-hosts.
	HostPort string
	// Messages receives every request, in the order they arrived.
	Messages chan Message

	mu      sync.Mutex
	subs    map[string]*Subscriber
	answers map[string][]Answer
	wantKey string
	wantSub string
	delay   time.Duration
	n       int
}

// Start starts a push service on a loopback port; Close stops it.
func Start() *Server {
	s := &Server{Messages: make(chan Message, 1000), subs: map[string]*Subscriber{}, answers: map[string][]Answer{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.HostPort = strings.TrimPrefix(s.srv.URL, "http://")
	return s
}

// Close stops the service.
func (s *Server) Close() { s.srv.Close() }

// URL is the service's base URL.
func (s *Server) URL() string { return s.srv.URL }

// ExpectKey makes the service refuse messages not signed with key (the
// server's VAPID public key, base64url) with 403.
func (s *Server) ExpectKey(key string) { s.mu.Lock(); s.wantKey = key; s.mu.Unlock() }

// ExpectSubject makes the service refuse a JWT whose sub is not sub.
func (s *Server) ExpectSubject(sub string) { s.mu.Lock(); s.wantSub = sub; s.mu.Unlock() }

// SetDelay makes the service answer each request d after it arrived (it
// is recorded on arrival), as a slow push service would.
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// Subscribe makes a new subscription, as a browser's pushManager.subscribe
// would, with a fresh key pair and auth secret.
func (s *Server) Subscribe() *Subscriber {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	token := "sub" + strconv.Itoa(s.n)
	sub, err := newSubscriber(token, s.srv.URL+"/push/"+token)
	if err != nil {
		panic(err)
	}
	s.subs[token] = sub
	return sub
}

// Script makes the subscription's next messages get answers, in order;
// then messages get 201 again.
func (s *Server) Script(sub *Subscriber, answers ...Answer) {
	s.mu.Lock()
	s.answers[sub.Token] = append(s.answers[sub.Token], answers...)
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := Message{At: time.Now(), Token: strings.TrimPrefix(r.URL.Path, "/push/")}
	s.mu.Lock()
	sub, wantKey, wantSub, delay := s.subs[m.Token], s.wantKey, s.wantSub, s.delay
	var scripted *Answer
	if a := s.answers[m.Token]; len(a) > 0 && sub != nil {
		scripted, s.answers[m.Token] = &a[0], a[1:]
	}
	s.mu.Unlock()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8192))
	m.Status, m.Err = s.check(r, &m, sub, body, wantKey, wantSub)
	if m.Err == nil && scripted != nil {
		m.Status = scripted.Status
		if scripted.RetryAfter != "" {
			w.Header().Set("Retry-After", scripted.RetryAfter)
		}
		if scripted.Location != "" {
			w.Header().Set("Location", scripted.Location)
		}
	}
	if m.Status == http.StatusCreated {
		w.Header().Set("Location", s.srv.URL+"/message/"+strconv.FormatInt(time.Now().UnixNano(), 36))
	}
	// Recorded before the sender has its answer: once the sender is done,
	// the message is on the channel.
	s.Messages <- m
	time.Sleep(delay)
	w.WriteHeader(m.Status)
	if m.Err != nil {
		fmt.Fprintln(w, m.Err)
	}
}

// check verifies a request as a push service must and decrypts it.
func (s *Server) check(r *http.Request, m *Message, sub *Subscriber, body []byte, wantKey, wantSub string) (int, error) {
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, fmt.Errorf("method %s, want POST", r.Method)
	}
	if sub == nil {
		return http.StatusNotFound, fmt.Errorf("no subscription %q", m.Token)
	}
	var err error
	if m.Key, err = verifyVAPID(r.Header.Get("Authorization"), s.srv.URL, wantKey, wantSub, time.Now()); err != nil {
		return http.StatusForbidden, err
	}
	if m.TTL, err = strconv.Atoi(r.Header.Get("TTL")); err != nil || m.TTL < 0 {
		return http.StatusBadRequest, fmt.Errorf("TTL header %q is not a number of seconds", r.Header.Get("TTL"))
	}
	m.Urgency, m.Topic = r.Header.Get("Urgency"), r.Header.Get("Topic")
	switch m.Urgency {
	case "", "very-low", "low", "normal", "high":
	default:
		return http.StatusBadRequest, fmt.Errorf("urgency %q", m.Urgency)
	}
	if len(m.Topic) > 32 || strings.Trim(m.Topic, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return http.StatusBadRequest, fmt.Errorf("topic %q is not up to 32 base64url characters", m.Topic)
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return http.StatusBadRequest, fmt.Errorf("content-encoding %q, want aes128gcm", ce)
	}
	if len(body) > 4096 {
		return http.StatusRequestEntityTooLarge, fmt.Errorf("body of %d bytes, more than 4096", len(body))
	}
	if m.Payload, err = sub.decrypt(body); err != nil {
		return http.StatusBadRequest, err
	}
	return http.StatusCreated, nil
}

// Origin is scheme://host:port of the service.
func (s *Server) Origin() string { return s.srv.URL }
