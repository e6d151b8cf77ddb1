package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"parkmate/httpapi"
)

// TestListsRefuseAnUnknownStatus checks that a status filter no object can
// have answers 400 with the statuses to use, instead of an empty list that
// looks like "nothing matched"; a known status still lists.
func TestListsRefuseAnUnknownStatus(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	a.run([]call{
		{"bookings of a known status", "dana", "GET", "/api/bookings/?status=ACTIVE", nil, 200, "", listKeys, nil},
		{"bookings of no status", "dana", "GET", "/api/bookings/?status=NOPE", nil, 400, "invalid_request", nil, nil},
		{"bookings of a lower-case status", "dana", "GET", "/api/bookings/?status=active", nil, 400, "invalid_request", nil, nil},
		{"payments of a known status", "dana", "GET", "/api/payments/?status=PENDING", nil, 200, "", listKeys, nil},
		{"payments of no status", "dana", "GET", "/api/payments/?status=NOPE", nil, 400, "invalid_request", nil, nil},
		{"payments of no status, as an employee", "erin", "GET", "/api/payments/?status=NOPE", nil, 400, "invalid_request", nil, nil},
		{"car washes of a known status", "dana", "GET", "/api/carwashes/?status=IN_PROGRESS", nil, 200, "", listKeys, nil},
		{"car washes of no status", "dana", "GET", "/api/carwashes/?status=NOPE", nil, 400, "invalid_request", nil, nil},
	})
	for path, want := range map[string]string{
		"/api/bookings/?status=NOPE":  `Unknown status \"NOPE\": use ACTIVE, EXPIRED, COMPLETED, CANCELLED_BY_USER or CANCELLED_BY_ADMIN.`,
		"/api/payments/?status=NOPE":  `Unknown status \"NOPE\": use PENDING, VERIFIED or FAILED.`,
		"/api/carwashes/?status=NOPE": `Unknown status \"NOPE\": use REQUESTED, IN_PROGRESS or COMPLETED.`,
	} {
		rec := a.send(call{as: "dana", method: http.MethodGet, path: path})
		if body := rec.Body.String(); !strings.Contains(body, want) {
			t.Errorf("GET %s: %s, want the message %s", path, body, want)
		}
	}
}
