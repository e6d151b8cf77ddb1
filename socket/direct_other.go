//go:build !linux

package socket

import "errors"

// directWrites is false: elsewhere than on Linux every write goes through
// the writer goroutine.
const directWrites = false

// maxIovecs bounds the frames of one direct write.
const maxIovecs = 64

// writeNow is Linux-only (directWrites).
func writeNow(int, [][]byte) (int, error) {
	return 0, errors.New("socket: direct writes are Linux-only")
}
