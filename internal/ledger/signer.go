package ledger

import (
	"context"
	"log/slog"
	"time"
)

// HeadSigner signs the log's head unless the latest signed head has the
// same size and is younger than maxAge; the store implements it.
type HeadSigner interface {
	SignTreeHead(ctx context.Context, s *Signer, maxAge time.Duration) (TreeHead, bool, error)
}

// Defaults of KeepSigning, which `serve` uses: a head within ten seconds
// of the log growing, and one at least every minute in any case (so that
// a head's age shows the log is alive).
const (
	DefaultSignEvery = 10 * time.Second
	DefaultMaxAge    = 50 * time.Second
)

// KeepSigning signs tree heads in the background until ctx ends: at once,
// then every tick when the log grew or the latest head is maxAge old. The
// channel it returns is closed when it has stopped. A failure is logged
// and tried again at the next tick.
func KeepSigning(ctx context.Context, st HeadSigner, s *Signer, every, maxAge time.Duration, log *slog.Logger) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if h, signed, err := st.SignTreeHead(ctx, s, maxAge); err != nil {
				if ctx.Err() == nil {
					log.Error("ledger: sign tree head", "err", err)
				}
			} else if signed {
				log.Debug("ledger: signed tree head", "size", h.Size)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return done
}
