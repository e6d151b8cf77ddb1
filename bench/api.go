package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// apiError is a non-2xx answer of the REST API.
type apiError struct {
	Method, Path string
	Status       int
	Code         string
	Message      string
}

func (e *apiError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

func isCode(err error, status int, code string) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Status == status && (code == "" || ae.Code == code)
}

// api is a small client for the server's REST API.
type api struct {
	base       string // scheme://host[:port], no trailing slash
	hc         *http.Client
	publishKey string
	pubs       *publishers // publish calls' connections (nil: through hc)
}

func newHTTPClient(maxConns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        maxConns * 2,
		MaxIdleConnsPerHost: maxConns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// do sends a JSON request. token, when set, goes in the Authorization header.
// A 2xx answer is decoded into out (when out is not nil); anything else is an
// *apiError. With retry429, a 429 answer is retried after its Retry-After (up
// to a few times): setup calls use it, measured calls do not.
func (a *api) do(ctx context.Context, method, path, token string, hdr http.Header, body, out any, retry429 bool) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
		if err != nil {
			return err
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := a.hc.Do(req)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("%s %s: reading answer: %w", method, path, err)
		}
		if resp.StatusCode == http.StatusTooManyRequests && retry429 && attempt < 8 {
			wait := time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			continue
		}
		return answer(method, path, resp.StatusCode, data, out)
	}
}

// answer decodes a 2xx answer's data into out (when out is not nil), and
// makes any other answer an *apiError.
func answer(method, path string, status int, data []byte, out any) error {
	if status >= 200 && status < 300 {
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("%s %s: decoding answer %q: %w", method, path, truncate(data, 200), err)
			}
		}
		return nil
	}
	ae := &apiError{Method: method, Path: path, Status: status}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &env) == nil && env.Error.Code != "" {
		ae.Code, ae.Message = env.Error.Code, env.Error.Message
	} else {
		ae.Message = strings.TrimSpace(string(truncate(data, 200)))
	}
	return ae
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// User is the API's user object.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Role     string `json:"role"`
}

// session is a logged-in user.
type session struct {
	User   User
	Access string
}

func (a *api) register(ctx context.Context, username, password string) error {
	var out struct {
		User User `json:"user"`
	}
	return a.do(ctx, http.MethodPost, "/api/auth/register/", "", nil,
		map[string]string{"username": username, "password": password}, &out, true)
}

func (a *api) login(ctx context.Context, username, password string) (session, error) {
	var out struct {
		Access string `json:"access"`
		User   User   `json:"user"`
	}
	err := a.do(ctx, http.MethodPost, "/api/auth/login/", "", nil,
		map[string]string{"username": username, "password": password}, &out, true)
	if err != nil {
		return session{}, err
	}
	if out.Access == "" || out.User.ID == 0 {
		return session{}, fmt.Errorf("POST /api/auth/login/: answer lacks access or user.id")
	}
	return session{User: out.User, Access: out.Access}, nil
}

// ensureDriver registers username (a driver) unless it exists, then logs in.
func (a *api) ensureDriver(ctx context.Context, username, password string) (session, error) {
	err := a.register(ctx, username, password)
	if err != nil && !isCode(err, http.StatusConflict, "") {
		return session{}, err
	}
	return a.login(ctx, username, password)
}

// createUser creates a user with a role (admin only).
func (a *api) createUser(ctx context.Context, adminToken, username, password, role string) (User, error) {
	var out struct {
		User User `json:"user"`
	}
	err := a.do(ctx, http.MethodPost, "/api/users/", adminToken, nil,
		map[string]string{"username": username, "password": password, "role": role}, &out, true)
	return out.User, err
}

// publishReq is the body of POST /api/publish/.
type publishReq struct {
	UserIDs []int64        `json:"user_ids,omitempty"`
	Groups  []string       `json:"groups,omitempty"`
	Type    string         `json:"type"`
	Message string         `json:"message"`
	Event   string         `json:"event,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
}

// publish makes a publish call and returns the ids of the notifications
// it stored: on a connection of the publishers for a plain-http server.
func (a *api) publish(ctx context.Context, req *publishReq) ([]int64, error) {
	var out struct {
		IDs []int64 `json:"ids"`
	}
	if a.pubs != nil && a.pubs.host != "" {
		err := a.publishJSON(ctx, req, &out)
		return out.IDs, err
	}
	hdr := http.Header{"X-Api-Key": {a.publishKey}}
	err := a.do(ctx, http.MethodPost, "/api/publish/", "", hdr, req, &out, false)
	return out.IDs, err
}

// Lot, Slot, Booking and Payment carry the fields the events scenario uses.
type Lot struct {
	ID    int64 `json:"id"`
	Slots int   `json:"slots"`
}

type Slot struct {
	ID     int64 `json:"id"`
	Number int   `json:"number"`
	Free   bool  `json:"free"`
}

type Booking struct {
	ID int64 `json:"id"`
}

type Payment struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

func (a *api) createLot(ctx context.Context, token, name string, slots int) (Lot, error) {
	var out Lot
	err := a.do(ctx, http.MethodPost, "/api/lots/", token, nil,
		map[string]any{"name": name, "slots": slots}, &out, true)
	return out, err
}

func (a *api) lotSlots(ctx context.Context, token string, lotID int64) ([]Slot, error) {
	var out struct {
		Items []Slot `json:"items"`
	}
	err := a.do(ctx, http.MethodGet, fmt.Sprintf("/api/lots/%d/slots/", lotID), token, nil, nil, &out, true)
	return out.Items, err
}

func (a *api) book(ctx context.Context, token string, slotID int64, minutes int) (Booking, error) {
	var out Booking
	err := a.do(ctx, http.MethodPost, "/api/bookings/", token, nil,
		map[string]any{"slot_id": slotID, "minutes": minutes}, &out, true)
	return out, err
}

func (a *api) payCash(ctx context.Context, token string, bookingID int64, amount float64) (Payment, error) {
	var out Payment
	err := a.do(ctx, http.MethodPost, fmt.Sprintf("/api/bookings/%d/payments/", bookingID), token, nil,
		map[string]any{"method": "CASH", "amount": amount}, &out, true)
	return out, err
}

func (a *api) verifyPayment(ctx context.Context, token string, paymentID int64) (Payment, error) {
	var out Payment
	err := a.do(ctx, http.MethodPost, fmt.Sprintf("/api/payments/%d/verify/", paymentID), token, nil, nil, &out, false)
	return out, err
}
