package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/triage"
)

// sseHeartbeat keeps idle streams open through proxies and lets the
// server notice clients that went away.
const sseHeartbeat = 20 * time.Second

// hqEvents streams the queue's changes as server-sent events, scoped as
// the queue page is: each event carries the row of one incident, rendered
// in the user's language ("row"), or says to drop it from the page
// ("remove") or to reload the page after the stream fell behind
// ("reload"). Event ids are change times: a reconnecting EventSource sends
// the last one as Last-Event-ID and first gets what changed since.
func (s *Server) hqEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := currentUser(ctx)
	f, err := parseHQFilter(u, r.URL.Query())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ts, err := s.triageStore()
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if s.cfg.Live == nil {
		http.Error(w, "live updates are off on this server: reload the page", http.StatusServiceUnavailable)
		return
	}
	var since time.Time
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		if us, err := strconv.ParseInt(id, 10, 64); err == nil && us > 0 {
			since = time.UnixMicro(us)
		}
	}
	rc := http.NewResponseController(w)
	// A stream outlives the server's read timeout.
	if err := rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.log.Warn("hq events: read deadline", "err", err)
	}
	sub := s.cfg.Live.Subscribe()
	defer sub.Close()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	st := &sseStream{s: s, w: w, rc: rc, f: f, v: &view{Printer: s.printer(r), User: u}, names: s.newUserNames(ctx)}
	if err := st.comment("retry: 3000\n"); err != nil {
		return
	}
	if !since.IsZero() {
		list, err := ts.ChangedSince(ctx, since, f.Region, 500)
		if err != nil {
			s.log.Error("hq events: catch up", "err", err)
			st.reload()
			return
		}
		for _, c := range list {
			if err := st.send(c); err != nil {
				return
			}
		}
	}
	tick := time.NewTicker(sseHeartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.cfg.StreamsDone:
			return
		case <-tick.C:
			if err := st.comment(": ping\n"); err != nil {
				return
			}
		case <-sub.Lagged:
			st.reload()
			return
		case e := <-sub.C:
			// Scope first, from the event alone: another region's events
			// are never even read from the database.
			if f.Region != "" && e.Region != f.Region {
				continue
			}
			c, err := ts.Case(ctx, e.ID)
			if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
				continue
			}
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("hq events: load incident", "incident", e.ID, "err", err)
				}
				continue
			}
			if !inScope(u, c.Region) || (f.Region != "" && c.Region != f.Region) {
				continue
			}
			if err := st.send(c); err != nil {
				return
			}
		}
	}
}

// sseStream writes the events of one client.
type sseStream struct {
	s     *Server
	w     http.ResponseWriter
	rc    *http.ResponseController
	f     hqFilter
	v     *view
	names *userNames
}

// sseRow is the data of a "row" event.
type sseRow struct {
	ID      int64  `json:"id"`
	Region  string `json:"region"`
	Status  string `json:"status"`
	Version int    `json:"version"`
	HTML    string `json:"html"`
}

func (st *sseStream) send(c triage.Case) error {
	at := c.ChangedAt
	if at.IsZero() {
		at = c.ReceivedAt
	}
	if !st.f.matches(c) {
		return st.event("remove", at, map[string]int64{"id": c.ID})
	}
	var buf bytes.Buffer
	if err := st.s.pages.set["hq"].ExecuteTemplate(&buf, "hqrow", st.s.row(st.v, st.names, c, time.Now())); err != nil {
		return fmt.Errorf("web: render queue row: %w", err)
	}
	return st.event("row", at, sseRow{ID: c.ID, Region: c.Region, Status: string(c.Status), Version: c.Version, HTML: buf.String()})
}

func (st *sseStream) event(name string, at time.Time, data any) error {
	b, err := json.Marshal(data) // one line: JSON escapes newlines
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(st.w, "id: %d\nevent: %s\ndata: %s\n\n", at.UnixMicro(), name, b); err != nil {
		return err
	}
	return st.rc.Flush()
}

func (st *sseStream) comment(text string) error {
	if _, err := fmt.Fprint(st.w, text+"\n"); err != nil {
		return err
	}
	return st.rc.Flush()
}

// reload tells the page to reload: the stream fell behind or failed.
func (st *sseStream) reload() {
	if _, err := fmt.Fprint(st.w, "event: reload\ndata: {}\n\n"); err == nil {
		if err := st.rc.Flush(); err != nil {
			st.s.log.Debug("hq events: flush", "err", err)
		}
	}
}
