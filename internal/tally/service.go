package tally

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

// DefaultTTL is how long a computed answer is served from memory: the
// "no older than 1 s" of the target.
const DefaultTTL = time.Second

// slotTTL is how long the closing times of an election's stations are
// kept: they change only when stations are imported.
const slotTTL = 30 * time.Second

// Options tune a Service.
type Options struct {
	// TTL bounds the age of an answer (default DefaultTTL).
	TTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service answers turnout questions from a Store, keeping each answer in
// memory for at most TTL and computing it once for a burst of requests
// (single flight): a thousand staff pages refreshing at once cost one read.
// It is safe for concurrent use.
type Service struct {
	store Store
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	entries map[cacheKey]*flight
}

type cacheKey struct {
	kind     string
	election int64
	n        int64
}

// flight is a cached answer or one being computed.
type flight struct {
	done    chan struct{}
	v       any
	err     error
	expires time.Time
}

// maxEntries bounds the cache (answers as of past moments have many keys).
const maxEntries = 4096

// NewService returns a service over st.
func NewService(st Store, o Options) *Service {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: st, ttl: o.TTL, now: o.Now, entries: map[cacheKey]*flight{}}
}

// get returns the cached answer for k or computes it with load, once for
// all the callers that ask meanwhile. A failed computation is not kept.
func (s *Service) get(ctx context.Context, k cacheKey, ttl time.Duration, load func(ctx context.Context) (any, error)) (any, error) {
	s.mu.Lock()
	f, ok := s.entries[k]
	if ok {
		select {
		case <-f.done:
			if f.err != nil || !s.now().Before(f.expires) {
				ok = false
			}
		default: // being computed: wait for it
		}
	}
	if !ok {
		f = &flight{done: make(chan struct{})}
		s.evictLocked()
		s.entries[k] = f
		s.mu.Unlock()
		// The computation serves every waiter, so the first caller's
		// cancellation must not fail the others; it is bounded instead.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		v, err := load(cctx)
		cancel()
		s.mu.Lock()
		f.v, f.err, f.expires = v, err, s.now().Add(ttl)
		if err != nil && s.entries[k] == f {
			delete(s.entries, k)
		}
		close(f.done)
		s.mu.Unlock()
		return v, err
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.v, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// evictLocked drops expired answers when the cache is full.
func (s *Service) evictLocked() {
	if len(s.entries) < maxEntries {
		return
	}
	now := s.now()
	for k, f := range s.entries {
		select {
		case <-f.done:
			if !now.Before(f.expires) || len(s.entries) >= maxEntries {
				delete(s.entries, k)
			}
		default:
		}
	}
}

// Turnout returns an election's turnout: live when at is zero, else as of
// the end of at's minute. The answer is at most TTL old.
func (s *Service) Turnout(ctx context.Context, electionID int64, at time.Time) (Turnout, error) {
	k := cacheKey{kind: "turnout", election: electionID}
	if !at.IsZero() {
		k.n = Minute(at) + 1 // 0 stays the live figures
	}
	v, err := s.get(ctx, k, s.ttl, func(ctx context.Context) (any, error) {
		asOf := s.now()
		var groups []Group
		var err error
		if at.IsZero() {
			groups, err = s.store.TallyGroups(ctx, electionID)
		} else {
			groups, err = s.store.TallyGroupsAt(ctx, electionID, at)
		}
		if err != nil {
			return Turnout{}, fmt.Errorf("tally: turnout of election %d: %w", electionID, err)
		}
		t := Summarise(groups)
		t.ElectionID, t.AsOf = electionID, asOf
		if !at.IsZero() {
			t.At = time.Unix(Minute(at)*60, 0).UTC()
		}
		return t, nil
	})
	if err != nil {
		return Turnout{}, err
	}
	return v.(Turnout), nil
}

// Checkpoint returns the moment HH:MM on the election's day in its
// reference zone.
func Checkpoint(e election.Election, hhmm string) (time.Time, error) {
	c, err := election.ParseClock(hhmm)
	if err != nil {
		return time.Time{}, baqylau.Errorf(baqylau.EINVALID, "checkpoint %q is not HH:MM", hhmm)
	}
	y, m, d := e.Date.Date()
	return time.Date(y, m, d, int(c)/60, int(c)%60, 0, 0, e.Location()), nil
}

// MaxPoints bounds a series.
const MaxPoints = 2000

// Series returns an election's turnout over the day: a point every
// `every` (aligned on the reference zone's clock, from the first
// checkpoint at or after the first report to the first one at or after the
// last), each with the figures as of that moment (counting the reports
// observed until the end of its minute). Stations total and registered
// voters are today's.
func (s *Service) Series(ctx context.Context, e election.Election, every time.Duration) (Series, error) {
	if every < time.Minute || every > 24*time.Hour || every%time.Minute != 0 {
		return Series{}, baqylau.Errorf(baqylau.EINVALID, "the interval must be a whole number of minutes from 1 to 1440")
	}
	k := cacheKey{kind: "series", election: e.ID, n: int64(every / time.Minute)}
	v, err := s.get(ctx, k, s.ttl, func(ctx context.Context) (any, error) {
		asOf := s.now()
		groups, err := s.store.TallyGroups(ctx, e.ID)
		if err != nil {
			return Series{}, fmt.Errorf("tally: series of election %d: %w", e.ID, err)
		}
		minutes, err := s.store.TallyMinutes(ctx, e.ID)
		if err != nil {
			return Series{}, fmt.Errorf("tally: series of election %d: %w", e.ID, err)
		}
		return buildSeries(e, every, Summarise(groups), minutes, asOf), nil
	})
	if err != nil {
		return Series{}, err
	}
	return v.(Series), nil
}

// buildSeries adds up the per-minute changes at each checkpoint.
func buildSeries(e election.Election, every time.Duration, live Turnout, minutes []MinuteSums, asOf time.Time) Series {
	ser := Series{ElectionID: e.ID, AsOf: asOf, Every: every, Points: []Point{}}
	if len(minutes) == 0 {
		return ser
	}
	loc := e.Location()
	first := time.Unix(minutes[0].Minute*60, 0).In(loc)
	last := time.Unix(minutes[len(minutes)-1].Minute*60, 0).In(loc)
	// Checkpoints are aligned on the reference clock from midnight.
	y, m, d := first.Date()
	at := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for at.Before(first) {
		at = at.Add(every)
	}
	var home, abroad Sums
	home.StationsTotal, home.RegisteredVoters = live.Home.StationsTotal, live.Home.RegisteredVoters
	abroad.StationsTotal, abroad.RegisteredVoters = live.Abroad.StationsTotal, live.Abroad.RegisteredVoters
	i := 0
	for len(ser.Points) < MaxPoints {
		upTo := Minute(at)
		for ; i < len(minutes) && minutes[i].Minute <= upTo; i++ {
			if minutes[i].Abroad {
				abroad.Add(minutes[i].Sums)
			} else {
				home.Add(minutes[i].Sums)
			}
		}
		p := Point{At: at.UTC(), Home: home, Abroad: abroad}
		p.Sums.Add(home)
		p.Sums.Add(abroad)
		ser.Points = append(ser.Points, p)
		if !at.Before(last) {
			break
		}
		at = at.Add(every)
	}
	return ser
}

// ClosingList is which stations close next and which close last.
type ClosingList struct {
	After time.Time
	// Next are the first stations to close after After, soonest first.
	Next []Closing
	// Last are the stations that close last (the whole election is over
	// then), by code.
	Last []Closing
}

// Closing returns up to n stations that close next after `after`, and up to
// n of those that close last.
func (s *Service) Closing(ctx context.Context, e election.Election, after time.Time, n int) (ClosingList, error) {
	if n < 1 || n > 1000 {
		return ClosingList{}, baqylau.Errorf(baqylau.EINVALID, "the number of stations must be from 1 to 1000")
	}
	v, err := s.get(ctx, cacheKey{kind: "slots", election: e.ID}, slotTTL, func(ctx context.Context) (any, error) {
		slots, err := s.store.ClosingSlots(ctx, e.ID)
		if err != nil {
			return nil, fmt.Errorf("tally: closing times of election %d: %w", e.ID, err)
		}
		return sortSlots(e.Date, slots), nil
	})
	if err != nil {
		return ClosingList{}, err
	}
	slots := v.([]timedSlot)
	list := ClosingList{After: after, Next: []Closing{}, Last: []Closing{}}
	for _, sl := range slots {
		if len(list.Next) >= n {
			break
		}
		if !sl.At.After(after) {
			continue
		}
		got, err := s.closingStations(ctx, e, sl, n-len(list.Next))
		if err != nil {
			return ClosingList{}, err
		}
		list.Next = append(list.Next, got...)
	}
	if len(slots) > 0 {
		lastAt := slots[len(slots)-1].At
		for i := len(slots) - 1; i >= 0 && slots[i].At.Equal(lastAt) && len(list.Last) < n; i-- {
			got, err := s.closingStations(ctx, e, slots[i], n-len(list.Last))
			if err != nil {
				return ClosingList{}, err
			}
			list.Last = append(list.Last, got...)
		}
	}
	return list, nil
}

func (s *Service) closingStations(ctx context.Context, e election.Election, sl timedSlot, limit int) ([]Closing, error) {
	got, err := s.store.ClosingStations(ctx, e.ID, sl.Slot, limit)
	if err != nil {
		return nil, fmt.Errorf("tally: stations closing at %s %s: %w", sl.TimeZone, sl.Closes, err)
	}
	ref := e.Location()
	for i := range got {
		got[i].ClosesLocal = sl.At
		got[i].ClosesRef = sl.At.In(ref)
	}
	return got, nil
}
