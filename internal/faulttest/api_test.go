package faulttest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
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
var httpClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call sends a JSON request to n and decodes a JSON answer into out.
func call(ctx context.Context, n *node, method, path string, hdr http.Header, body, out any) (int, error) {
	return apiclient.Call(ctx, httpClient, n.URL, method, path, hdr, body, out)
}

// mustCall is call that fails the test unless the answer has status want.
func mustCall(t *testing.T, n *node, method, path string, hdr http.Header, body, out any, want int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	status, err := call(ctx, n, method, path, hdr, body, out)
	if err != nil || status != want {
		t.Fatalf("%s %s on node %s: status %d, err %v; want %d", method, path, n.Name, status, err, want)
	}
}

func bearer(token string) http.Header { return apiclient.Bearer(token) }

// newUser registers a driver through n and signs it in.
func newUser(t *testing.T, n *node, name string) *user {
	t.Helper()
	var reg struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	creds := map[string]string{"username": name, "password": password}
	mustCall(t, n, "POST", "/api/auth/register/", nil, creds, &reg, http.StatusCreated)
	u := &user{id: reg.User.ID, name: name}
	u.token = login(t, n, u)
	return u
}

// newUsers registers count drivers named prefix1, prefix2...
func newUsers(t *testing.T, n *node, prefix string, count int) []*user {
	t.Helper()
	users := make([]*user, count)
	for i := range users {
		users[i] = newUser(t, n, fmt.Sprintf("%s%d", prefix, i+1))
	}
	return users
}

// login opens a new session for u through n and returns its access token.
func login(t *testing.T, n *node, u *user) string {
	t.Helper()
	var out struct {
		Access string `json:"access"`
	}
	creds := map[string]string{"username": u.name, "password": password}
	mustCall(t, n, "POST", "/api/auth/login/", nil, creds, &out, http.StatusOK)
	if out.Access == "" {
		t.Fatalf("login of %s on node %s: no access token", u.name, n.Name)
	}
	return out.Access
}

// publish asks n to notify userIDs and returns the ids it answered (one
// per user, in order) and the status.
func publish(ctx context.Context, n *node, userIDs []int64, message, event string) ([]int64, int, error) {
	return apiclient.Publish(ctx, httpClient, n.URL, publishKey, userIDs, message, event)
}

// marker publishes one notification to each of users through n in one
// call and returns their ids (in the order of users) and when the call
// was acknowledged. A marker proves absence: what a socket was not sent
// before its marker, it is not sent at all.
func marker(t *testing.T, n *node, users []*user, label string) ([]int64, time.Time) {
	t.Helper()
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.id
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	start := time.Now()
	ids, status, err := publish(ctx, n, ids, "marker "+label, "faulttest.marker")
	if err != nil || status != http.StatusAccepted {
		t.Fatalf("marker %q through node %s: status %d after %v, err %v", label, n.Name, status, time.Since(start).Round(time.Millisecond), err)
	}
	return ids, time.Now()
}
