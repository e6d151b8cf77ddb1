package chaos

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"parkmate/internal/apiclient"
)

// user is an account with one signed-in session.
type user struct {
	id    int64
	name  string
	token string // the session's access token
}

// httpClient has no timeout of its own: every call carries a context.
var httpClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}

// call sends a JSON request to n and decodes a JSON answer into out.
func call(ctx context.Context, n *node, method, path string, hdr http.Header, body, out any) (int, error) {
	return apiclient.Call(ctx, httpClient, n.URL, method, path, hdr, body, out)
}

// mustCall is call that fails unless the answer has status want.
func mustCall(ctx context.Context, n *node, method, path string, hdr http.Header, body, out any, want int) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	status, err := call(ctx, n, method, path, hdr, body, out)
	if err != nil || status != want {
		return fmt.Errorf("%s %s on node %s: status %d, err %v; want %d", method, path, n.Name, status, err, want)
	}
	return nil
}

func bearer(token string) http.Header { return apiclient.Bearer(token) }

// newUsers registers count drivers through n, named prefix1..., and
// signs each in.
func newUsers(ctx context.Context, n *node, prefix string, count int) ([]*user, error) {
	users := make([]*user, count)
	err := forEach(ctx, count, 32, func(ctx context.Context, i int) error {
		var reg struct {
			User struct {
				ID int64 `json:"id"`
			} `json:"user"`
		}
		name := fmt.Sprintf("%s%d", prefix, i+1)
		creds := map[string]string{"username": name, "password": password}
		if err := mustCall(ctx, n, "POST", "/api/auth/register/", nil, creds, &reg, http.StatusCreated); err != nil {
			return err
		}
		u := &user{id: reg.User.ID, name: name}
		token, err := login(ctx, n, u)
		u.token = token
		users[i] = u
		return err
	})
	return users, err
}

// login opens a new session for u through n and returns its access token.
func login(ctx context.Context, n *node, u *user) (string, error) {
	var out struct {
		Access string `json:"access"`
	}
	creds := map[string]string{"username": u.name, "password": password}
	if err := mustCall(ctx, n, "POST", "/api/auth/login/", nil, creds, &out, http.StatusOK); err != nil {
		return "", err
	}
	if out.Access == "" {
		return "", fmt.Errorf("login of %s on node %s: no access token", u.name, n.Name)
	}
	return out.Access, nil
}

// publish asks n to notify userIDs and returns the ids it answered (one
// per user, in order) and the status.
func publish(ctx context.Context, n *node, userIDs []int64, message, event string) ([]int64, int, error) {
	return apiclient.Publish(ctx, httpClient, n.URL, publishKey, userIDs, message, event)
}

// marker publishes one notification to each of users through n in one
// call and returns their ids by user and when the call was answered. A
// marker proves absence: ids are delivered in order, so what a socket was
// not sent before its marker it is not sent at all.
func marker(ctx context.Context, n *node, users []*user, label string) (map[int64]int64, time.Time, error) {
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.id
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	start := time.Now()
	got, status, err := publish(ctx, n, ids, "marker "+label, "chaos.marker")
	if err != nil || status != http.StatusAccepted {
		return nil, time.Time{}, fmt.Errorf("marker %q through node %s: status %d after %v, err %v",
			label, n.Name, status, time.Since(start).Round(time.Millisecond), err)
	}
	out := make(map[int64]int64, len(users))
	for i, u := range users {
		out[u.id] = got[i]
	}
	return out, time.Now(), nil
}

// forEach calls fn for 0..n-1 with at most conc calls at a time, and
// returns the first error (the others still run).
func forEach(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sem   = make(chan struct{}, conc)
	)
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
