package tally

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/election"
)

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		ballots, registered int64
		want                float64
		ok                  bool
	}{
		{1, 3, 33.3, true},
		{2, 3, 66.7, true},
		{1, 8, 12.5, true},
		{1, 16, 6.3, true},    // 6.25: half up
		{49, 400, 12.3, true}, // 12.25, which float64 holds as 12.2499…
		{1, 2000, 0.1, true},  // 0.05
		{1, 2001, 0, true},
		{1150, 1900, 60.5, true},
		{0, 100, 0, true},
		{150, 100, 150, true}, // more ballots than voters: shown, flagged elsewhere
		{0, 0, 0, false},
		{10, 0, 0, false},
	} {
		got, ok := Percent(c.ballots, c.registered)
		if got != c.want || ok != c.ok {
			t.Errorf("Percent(%d, %d) = %v, %v; want %v, %v", c.ballots, c.registered, got, ok, c.want, c.ok)
		}
	}
}

func TestDeltaStation(t *testing.T) {
	at := func(h, m, s int) time.Time { return time.Date(2023, 3, 19, h, m, s, 0, time.UTC) }
	p := Place{Region: "KZ-75", Country: "KZ", RegisteredVoters: 1000}
	counts := []Count{
		{ID: 3, ObservedAt: at(6, 0, 10), BallotsCast: 250, HasCount: true}, // arrived late
		{ID: 1, ObservedAt: at(4, 0, 0), BallotsCast: 100, HasCount: true},
		{ID: 2, ObservedAt: at(7, 0, 0), BallotsCast: 300, HasCount: true},
		{ID: 4, ObservedAt: at(15, 5, 0), BallotsCast: 700, HasCount: true, Closing: true},
	}
	SortCounts(counts)
	d := NewDelta()
	d.Station(p, counts, 1)
	g := GroupKey{"KZ-75", "KZ"}
	if got, want := d.Groups[g], (Sums{StationsReporting: 1, ReportingRegistered: 1000, BallotsCast: 700, StationsClosed: 1}); got != want {
		t.Errorf("live = %+v, want %+v", got, want)
	}
	steps := map[int64]int64{}
	var total int64
	for k, s := range d.Steps {
		steps[k.Minute] = s.BallotsCast
		total += s.BallotsCast
	}
	if steps[Minute(at(6, 0, 0))] != 150 || steps[Minute(at(7, 0, 0))] != 50 || total != 700 {
		t.Errorf("steps = %v", steps)
	}
	// Subtracting the same contribution leaves nothing.
	d.Station(p, counts, -1)
	d.Prune()
	if len(d.Groups) != 0 || len(d.Steps) != 0 {
		t.Errorf("after subtracting: %+v", d)
	}
}

// fakeStore counts loads and can hold them until released.
type fakeStore struct {
	loads   atomic.Int64
	release chan struct{}
	groups  []Group
	minutes []MinuteSums
}

func (f *fakeStore) TallyGroups(ctx context.Context, electionID int64) ([]Group, error) {
	f.loads.Add(1)
	if f.release != nil {
		<-f.release
	}
	return f.groups, nil
}

func (f *fakeStore) TallyGroupsAt(ctx context.Context, electionID int64, at time.Time) ([]Group, error) {
	return f.TallyGroups(ctx, electionID)
}

func (f *fakeStore) TallyMinutes(ctx context.Context, electionID int64) ([]MinuteSums, error) {
	return f.minutes, nil
}

func (f *fakeStore) ClosingSlots(ctx context.Context, electionID int64) ([]Slot, error) {
	return []Slot{{TimeZone: "Asia/Almaty", Closes: election.DefaultCloses, Stations: 2},
		{TimeZone: "America/Los_Angeles", Closes: election.DefaultCloses, Stations: 1}}, nil
}

func (f *fakeStore) ClosingStations(ctx context.Context, electionID int64, slot Slot, limit int) ([]Closing, error) {
	var list []Closing
	if slot.TimeZone == "America/Los_Angeles" {
		list = []Closing{{Station: election.Station{Code: "SF-1", TimeZone: slot.TimeZone}}}
	} else {
		list = []Closing{{Station: election.Station{Code: "001"}}, {Station: election.Station{Code: "002"}}}
	}
	return list[:min(limit, len(list))], nil
}

func TestServiceComputesOnceForABurst(t *testing.T) {
	now := time.Date(2023, 3, 19, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st := &fakeStore{release: make(chan struct{}), groups: []Group{{Region: "KZ-75", Country: "KZ", Sums: Sums{StationsTotal: 1}}}}
	s := NewService(st, Options{Now: clock})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := s.Turnout(context.Background(), 1, time.Time{}); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(st.release)
	wg.Wait()
	if n := st.loads.Load(); n != 1 {
		t.Errorf("a burst of 50 loaded %d times, want 1", n)
	}
	if _, err := s.Turnout(context.Background(), 1, time.Time{}); err != nil || st.loads.Load() != 1 {
		t.Errorf("cached answer: %v, %d loads", err, st.loads.Load())
	}
	mu.Lock()
	now = now.Add(DefaultTTL)
	mu.Unlock()
	got, err := s.Turnout(context.Background(), 1, time.Time{})
	if err != nil || st.loads.Load() != 2 || !got.AsOf.Equal(now) {
		t.Errorf("after the TTL: %v, %d loads, as of %v", err, st.loads.Load(), got.AsOf)
	}
	// A waiter that gives up does not wait for ever.
	st.release = make(chan struct{})
	mu.Lock()
	now = now.Add(DefaultTTL)
	mu.Unlock()
	go func() { _, _ = s.Turnout(context.Background(), 1, time.Time{}) }()
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Turnout(ctx, 1, time.Time{}); err == nil {
		t.Errorf("a cancelled waiter got an answer")
	}
	close(st.release)
}

func TestSeries(t *testing.T) {
	e := election.Election{ID: 1, Date: time.Date(2023, 3, 19, 0, 0, 0, 0, time.UTC), TimeZone: "Asia/Almaty"}
	m := func(h, mm int) int64 { return Minute(time.Date(2023, 3, 19, h, mm, 0, 0, time.UTC)) } // Almaty is UTC+6
	st := &fakeStore{
		groups: []Group{{Region: "KZ-75", Country: "KZ", Sums: Sums{StationsTotal: 2, RegisteredVoters: 2000}},
			{Country: "US", Sums: Sums{StationsTotal: 1, RegisteredVoters: 100}}},
		minutes: []MinuteSums{
			{Minute: m(1, 30), Sums: Sums{StationsReporting: 1, ReportingRegistered: 1000, BallotsCast: 100}},
			{Minute: m(3, 0), Sums: Sums{BallotsCast: 100}},
			{Minute: m(3, 1), Sums: Sums{StationsReporting: 1, ReportingRegistered: 1000, BallotsCast: 50}},
			{Minute: m(16, 0), Abroad: true, Sums: Sums{StationsReporting: 1, ReportingRegistered: 100, BallotsCast: 20}},
		},
	}
	s := NewService(st, Options{})
	ser, err := s.Series(context.Background(), e, 3*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// 07:30 Almaty is the first report: points at 09:00, 12:00, ... 00:00.
	if len(ser.Points) != 6 {
		t.Fatalf("%d points: %+v", len(ser.Points), ser.Points)
	}
	p := ser.Points[0]
	if !p.At.Equal(time.Date(2023, 3, 19, 3, 0, 0, 0, time.UTC)) || p.BallotsCast != 200 || p.StationsReporting != 1 ||
		p.RegisteredVoters != 2100 || p.Home.StationsTotal != 2 {
		t.Errorf("first point = %+v", p)
	}
	last := ser.Points[len(ser.Points)-1]
	if last.BallotsCast != 270 || last.StationsReporting != 3 || last.Abroad.BallotsCast != 20 {
		t.Errorf("last point = %+v", last)
	}
	if _, err := s.Series(context.Background(), e, 30*time.Second); err == nil {
		t.Errorf("an interval under a minute was accepted")
	}
}

func TestClosing(t *testing.T) {
	e := election.Election{ID: 1, Date: time.Date(2023, 3, 19, 0, 0, 0, 0, time.UTC), TimeZone: "Asia/Almaty"}
	s := NewService(&fakeStore{}, Options{})
	list, err := s.Closing(context.Background(), e, time.Date(2023, 3, 19, 15, 0, 0, 0, time.UTC), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Next) != 1 || list.Next[0].Station.Code != "SF-1" {
		t.Fatalf("next = %+v", list.Next)
	}
	// The San Francisco check of DESIGN.md.
	if got := list.Next[0].ClosesRef.Format("2006-01-02 15:04 -07:00"); got != "2023-03-20 09:00 +06:00" {
		t.Errorf("San Francisco closes %s Astana time", got)
	}
	if len(list.Last) != 1 || list.Last[0].Station.Code != "SF-1" {
		t.Errorf("last = %+v", list.Last)
	}
	list, err = s.Closing(context.Background(), e, time.Date(2023, 3, 19, 0, 0, 0, 0, time.UTC), 2)
	if err != nil || len(list.Next) != 2 || list.Next[0].Station.Code != "001" {
		t.Errorf("next from midnight = %+v, %v", list.Next, err)
	}
}
