package pushtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	webpush "github.com/SherClockHolmes/webpush-go"

	"parkmate/push/pushtest"
)

// rewrite is an HTTP client that changes each request before sending it.
type rewrite func(*http.Request)

func (f rewrite) Do(r *http.Request) (*http.Response, error) {
	f(r)
	return http.DefaultClient.Do(r)
}

// TestServiceRefusesWhatAPushServiceMust: the test push service is only
// worth its checks if they fail: another key than the server's, another
// subject, a JWT for another origin, a body changed on the way, and a
// missing TTL are each refused and recorded with their error.
func TestServiceRefusesWhatAPushServiceMust(t *testing.T) {
	ps := pushtest.Start()
	defer ps.Close()
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	_, otherPub, _ := webpush.GenerateVAPIDKeys()
	sub := ps.Subscribe()
	keys := sub.JSON()["keys"].(map[string]string)
	send := func(subject, vapidPub string, client webpush.HTTPClient, endpoint string) pushtest.Message {
		t.Helper()
		resp, err := webpush.SendNotificationWithContext(context.Background(), []byte(`{"id":1}`),
			&webpush.Subscription{Endpoint: endpoint, Keys: webpush.Keys{P256dh: keys["p256dh"], Auth: keys["auth"]}},
			&webpush.Options{HTTPClient: client, Subscriber: subject, TTL: 60, VAPIDPublicKey: vapidPub, VAPIDPrivateKey: priv})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-ps.Messages
	}
	ps.ExpectKey(pub)
	ps.ExpectSubject("mailto:ops@example.com")
	if m := send("ops@example.com", pub, nil, sub.Endpoint); m.Err != nil || m.Status != 201 || string(m.Payload) != `{"id":1}` {
		t.Fatalf("a good message: %+v", m)
	}
	u, _ := url.Parse(sub.Endpoint)
	for name, m := range map[string]pushtest.Message{
		"another key":     send("ops@example.com", otherPub, nil, sub.Endpoint),
		"another subject": send("someone@example.com", pub, nil, sub.Endpoint),
		"another origin": send("ops@example.com", pub, rewrite(func(r *http.Request) { r.URL.Host, r.Host = u.Host, u.Host }),
			"http://127.0.0.1:1"+u.Path),
		"a changed body": send("ops@example.com", pub, rewrite(func(r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			b[len(b)-1] ^= 1
			r.Body = io.NopCloser(bytes.NewReader(b))
		}), sub.Endpoint),
		"no TTL": send("ops@example.com", pub, rewrite(func(r *http.Request) { r.Header.Del("TTL") }), sub.Endpoint),
	} {
		if m.Err == nil || m.Status < 400 {
			t.Errorf("%s: accepted (%d)", name, m.Status)
		}
	}
}
