// Package apiclient is a small client of a node's REST API for the
// project's own tools and tests (the chaos run, the fault tests): JSON
// calls, sign-in and publish, over real HTTP. It is not a public SDK.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Call sends a JSON request to base+path and decodes a JSON answer with a
// status below 300 into out. It returns the status, or an error when no
// answer came or the answer was not JSON. The request carries ctx and
// hdr; c has no timeout of its own.
func Call(ctx context.Context, c *http.Client, base, method, path string, hdr http.Header, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: answer %q: %w", method, path, raw, err)
		}
	}
	return resp.StatusCode, nil
}

// Bearer is the header that authenticates with an access token.
func Bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// Publish asks the node at base to notify userIDs with an info message
// and returns the ids it answered (one per user, in order) and the status.
func Publish(ctx context.Context, c *http.Client, base, key string, userIDs []int64, message, event string) ([]int64, int, error) {
	var out struct {
		IDs []int64 `json:"ids"`
	}
	body := map[string]any{"user_ids": userIDs, "type": "info", "message": message, "event": event}
	status, err := Call(ctx, c, base, "POST", "/api/publish/", http.Header{"X-API-Key": {key}}, body, &out)
	if err == nil && status == http.StatusAccepted && len(out.IDs) != len(userIDs) {
		err = fmt.Errorf("publish to %d users answered %d ids", len(userIDs), len(out.IDs))
	}
	return out.IDs, status, err
}
