package relay

// maxFanOutRounds bounds how many batches of other callers' messages a
// caller of Handle hands to the hub before it leaves the rest to a
// goroutine: its own request should not wait for long.
const maxFanOutRounds = 4

// fanOut hands the messages that are ready to out, in order, one batch
// at a time. A caller that finds another one handing messages over leaves
// its messages to it and returns at once: the messages of concurrent
// commits (several broadcasts, say) then go out in one batch, and a
// socket gets the frames of a batch in one write. So out.Handle calls
// never overlap, and messages reach it in id order.
func (s *Sequencer) fanOut() {
	for round := 0; ; round++ {
		if !s.outMu.TryLock() {
			return // the holder hands ours over after its batch
		}
		for ; round < maxFanOutRounds; round++ {
			s.mu.Lock()
			batch := s.outQueue
			s.outQueue = nil
			s.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			s.out.Handle(batch)
		}
		s.outMu.Unlock()
		// Messages queued after the last look, by a caller that found the
		// lock taken, are this goroutine's to hand over (or a new
		// holder's).
		s.mu.Lock()
		more := len(s.outQueue) > 0
		s.mu.Unlock()
		if !more {
			return
		}
		if round >= maxFanOutRounds {
			go s.fanOut()
			return
		}
	}
}
