package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// arrival is a notification frame's id and when the client read it.
type arrival struct {
	id int64
	at time.Time
}

// socket is a client's notification WebSocket. A goroutine reads it,
// timestamps every frame and answers pings.
type socket struct {
	name string // e.g. "cut-B/chaos-r1-u12", for messages
	u    *user
	node *node
	conn net.Conn

	// The checker's place: every frame before index from has been
	// checked, the last of them the marker with id after.
	from  int
	after int64

	mu      sync.Mutex
	frames  []arrival
	bad     []string  // frames that are not notification frames
	end     closeInfo // valid once ended
	ended   bool
	endedAt time.Time
}

// closeInfo is how a socket ended: the close code the server sent, or
// 1006 and the read error when it sent none.
type closeInfo struct {
	code   int
	reason string
	err    error
}

func (c closeInfo) String() string {
	if c.err != nil {
		return fmt.Sprintf("%d (%v)", c.code, c.err)
	}
	return fmt.Sprintf("%d %q", c.code, c.reason)
}

// dial opens u's socket on n with token and query (such as "?since=5").
func dial(ctx context.Context, n *node, u *user, token, query string) (*socket, error) {
	status := 0
	d := ws.Dialer{
		Header:        ws.HandshakeHeaderHTTP(bearer(token)),
		OnStatusError: func(s int, _ []byte, _ io.Reader) { status = s },
		Timeout:       requestTimeout,
	}
	url := fmt.Sprintf("ws://%s/ws/notifications/%d/%s", strings.TrimPrefix(n.URL, "http://"), u.id, query)
	conn, br, _, err := d.Dial(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("socket of %s on node %s (%s): status %d: %w", u.name, n.Name, query, status, err)
	}
	s := &socket{name: n.Name + "/" + u.name + query, u: u, node: n, conn: conn}
	var rd io.Reader = conn
	if br != nil {
		rd = io.MultiReader(br, conn)
	}
	go s.read(rd)
	return s, nil
}

func (s *socket) read(rd io.Reader) {
	for {
		h, err := ws.ReadHeader(rd)
		if err != nil {
			s.finish(closeInfo{code: 1006, err: err})
			return
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(rd, payload); err != nil {
			s.finish(closeInfo{code: 1006, err: err})
			return
		}
		switch h.OpCode {
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(payload)
			s.finish(closeInfo{code: int(code), reason: reason})
			_ = wsutil.WriteClientMessage(s.conn, ws.OpClose, ws.NewCloseFrameBody(code, ""))
			s.conn.Close()
			return
		case ws.OpPing:
			_ = wsutil.WriteClientMessage(s.conn, ws.OpPong, payload)
		case ws.OpText:
			s.frame(payload)
		}
	}
}

// frame records a text frame: a notification, or a bad frame.
func (s *socket) frame(payload []byte) {
	now := time.Now()
	var f struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		Message   string `json:"message"`
		CreatedAt string `json:"created_at"`
	}
	err := json.Unmarshal(payload, &f)
	level := f.Type == "success" || f.Type == "error" || f.Type == "warning" || f.Type == "info"
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || f.ID <= 0 || !level || f.Message == "" || f.CreatedAt == "" {
		s.bad = append(s.bad, string(payload))
		return
	}
	s.frames = append(s.frames, arrival{id: f.ID, at: now})
}

func (s *socket) finish(ci closeInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.ended, s.end, s.endedAt = true, ci, time.Now()
	}
}

// since returns a copy of the frames from index i on, and whether the
// socket has ended.
func (s *socket) since(i int) ([]arrival, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i > len(s.frames) {
		i = len(s.frames)
	}
	return append([]arrival(nil), s.frames[i:]...), s.ended
}

// state returns how the socket ended, if it has.
func (s *socket) state() (closeInfo, time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.end, s.endedAt, s.ended
}

// badFrames returns the frames that were not notification frames.
func (s *socket) badFrames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bad...)
}

// close closes the connection from the client's side.
func (s *socket) close() { s.conn.Close() }

// openSockets opens a socket for each user on each of nodes, with the
// users' own tokens.
func openSockets(ctx context.Context, nodes []*node, users []*user) ([]*socket, error) {
	socks := make([]*socket, len(nodes)*len(users))
	err := forEach(ctx, len(socks), 64, func(ctx context.Context, i int) error {
		n, u := nodes[i%len(nodes)], users[i/len(nodes)]
		s, err := dial(ctx, n, u, u.token, "")
		socks[i] = s
		return err
	})
	if err != nil {
		closeAll(socks)
		return nil, err
	}
	return socks, nil
}

// closeAll closes every socket of socks (nil ones are skipped).
func closeAll(socks []*socket) {
	for _, s := range socks {
		if s != nil {
			s.close()
		}
	}
}

// on returns the sockets of socks on node n, or, with keep false, those
// on any other node.
func on(socks []*socket, n *node, keep bool) []*socket {
	var out []*socket
	for _, s := range socks {
		if (s.node == n) == keep {
			out = append(out, s)
		}
	}
	return out
}
