package chaos

import (
	"context"
	"os"
	"time"

	"parkmate/internal/redisproc"
)

// afterRestart is how long the burst goes on once Redis is back.
const afterRestart = time.Second

// runRedis is the scenario "Redis killed and restarted": the three nodes
// use a private redis-server, publishers go through all of them, and
// Redis is killed with SIGKILL mid-burst, stays down for the window and
// comes back empty on the same port while the burst goes on. Every live
// socket is then checked against what was committed, and a sample of
// clients resumes on C.
func (e *env) runRedis(ctx context.Context, res *Result) error {
	dir, err := os.MkdirTemp(e.logDir, "redis-")
	if err != nil {
		return err
	}
	rs, err := redisproc.Start(e.cfg.RedisServer, dir)
	if rs != nil {
		defer rs.Kill()
	}
	if err != nil {
		return err
	}
	r, err := e.prepare(ctx, res, rs.URL())
	if err != nil {
		return err
	}
	defer r.close()
	bu := e.startBurst(r.c.nodes)
	if err := sleepCtx(ctx, e.cfg.Warmup); err != nil {
		return err
	}
	fault := time.Now()
	rs.Kill()
	e.logf("redis: Redis killed after %d acknowledged calls", bu.acks())
	_ = sleepCtx(ctx, e.cfg.Window)
	if err := rs.Restart(); err != nil {
		bu.finish(res)
		return err
	}
	e.logf("redis: Redis restarted after %d acknowledged calls", bu.acks())
	_ = sleepCtx(ctx, afterRestart)
	bu.finish(res)
	e.logf("redis: burst over (%d calls, %d failed); checking %d live sockets", res.Calls, res.CallsFailed, len(r.socks))
	if res.Live, err = r.checkLive(ctx, r.c.nodes[1], r.socks, bu, fault); err != nil {
		return err
	}
	if res.Resume, err = r.checkResume(ctx, r.c.nodes[2], r.sample()); err != nil {
		return err
	}
	res.Committed, err = r.committedCount(ctx)
	return err
}
