package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/triage"
)

// adviseN records n pieces of advice to the observer of an SMS incident
// and returns the incident, the observer and the messages' ids, oldest
// first.
func adviseN(t *testing.T, db *store.DB, n int) (incident, observer int64, msgs []int64) {
	t.Helper()
	ctx := context.Background()
	ids, staff, observer := triageFixture(t, db)
	for i := range n {
		c, err := db.Case(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		if c.Status != triage.StatusNew && c.Status != triage.StatusClaimed {
			seen = c.Version
		}
		ch, err := triage.Decide(c, triage.Decision{Action: triage.AdviseObserver, Note: "advice",
			Message: fmt.Sprintf("Совет %d", i), By: staff}, seen, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Apply(ctx, &ch); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, ch.Message.ID)
	}
	return ids[0], observer, msgs
}

func claimedIDs(list []triage.ObserverMessage) []int64 {
	out := []int64{}
	for _, m := range list {
		out = append(out, m.ID)
	}
	return out
}

func TestDeliveryClaims(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		incident, observer, msgs := adviseN(t, db, 3)
		at := time.Now().UTC().Truncate(time.Second)
		claim := func(at time.Time, limit int, channels ...report.Channel) []int64 {
			t.Helper()
			list, err := db.ClaimObserverMessages(ctx, at, time.Minute, limit, channels...)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range list {
				if m.ObserverID != observer || m.Channel != report.SMS || m.Body == "" || m.CreatedAt.IsZero() || !m.DeliveredAt.IsZero() {
					t.Errorf("claimed %+v", m)
				}
			}
			return claimedIDs(list)
		}
		if got := claim(at, 2, report.Telegram, report.Web); len(got) != 0 {
			t.Errorf("claimed SMS messages for Telegram and web: %v", got)
		}
		if got := claim(at, 2, report.SMS); fmt.Sprint(got) != fmt.Sprint(msgs[:2]) {
			t.Errorf("first claim = %v, want the oldest two of %v", got, msgs)
		}
		if got := claim(at, 5); fmt.Sprint(got) != fmt.Sprint(msgs[2:]) {
			t.Errorf("second claim = %v, want only the third of %v", got, msgs)
		}
		if got := claim(at.Add(59*time.Second), 5); len(got) != 0 {
			t.Errorf("claimed again within the lease: %v", got)
		}
		d, err := db.ObserverMessageDelivery(ctx, msgs[0])
		if err != nil || !d.ClaimedUntil.Equal(at.Add(time.Minute)) || d.Attempts != 0 {
			t.Errorf("claimed delivery = %+v, %v", d, err)
		}
		// Released: claimable at once. Lease run out: claimable again.
		if err := db.ReleaseObserverMessage(ctx, msgs[1]); err != nil {
			t.Fatal(err)
		}
		if got := claim(at.Add(time.Second), 5); fmt.Sprint(got) != fmt.Sprint(msgs[1:2]) {
			t.Errorf("after release = %v, want %v", got, msgs[1])
		}
		if got := claim(at.Add(time.Minute), 5); fmt.Sprint(got) != fmt.Sprint([]int64{msgs[0], msgs[2]}) {
			t.Errorf("after the lease = %v", got)
		}

		// Delivered: never claimed again, and the observer's pages see it.
		if err := db.MarkDelivered(ctx, msgs[0], "sms", at); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkDelivered(ctx, msgs[0], "telegram", at.Add(time.Hour)); err != nil {
			t.Errorf("delivered twice: %v", err)
		}
		d, err = db.ObserverMessageDelivery(ctx, msgs[0])
		if err != nil || d.Via != "sms" || !d.DeliveredAt.Equal(at) || !d.ClaimedUntil.IsZero() {
			t.Errorf("delivered = %+v, %v", d, err)
		}
		all, err := db.ObserverMessages(ctx, incident)
		if err != nil || len(all) != 3 || !all[0].DeliveredAt.Equal(at) || !all[1].DeliveredAt.IsZero() {
			t.Errorf("messages of the incident = %+v, %v", all, err)
		}
		if got := claim(at.Add(time.Hour), 5); fmt.Sprint(got) != fmt.Sprint(msgs[1:]) {
			t.Errorf("claim after delivery = %v", got)
		}
		wantCode(t, db.MarkDelivered(ctx, 999999, "sms", at), baqylau.ENOTFOUND)
	})
}

func TestDeliveryFailures(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		_, _, msgs := adviseN(t, db, 1)
		id := msgs[0]
		at := time.Now().UTC().Truncate(time.Second)
		backoff := func(attempts int) time.Time {
			if attempts >= 3 {
				return time.Time{}
			}
			return at.Add(time.Duration(attempts) * 30 * time.Second)
		}
		long := ""
		for len(long) < 2000 {
			long += "ошибка "
		}
		for attempt := 1; attempt <= 3; attempt++ {
			now := at.Add(time.Duration(attempt-1) * 30 * time.Second)
			list, err := db.ClaimObserverMessages(ctx, now, time.Minute, 5)
			if err != nil || len(list) != 1 {
				t.Fatalf("attempt %d: claim = %v, %v", attempt, list, err)
			}
			n, err := db.MarkFailed(ctx, id, now, fmt.Sprintf("status 500 (%d) %s", attempt, long), backoff)
			if err != nil || n != attempt {
				t.Fatalf("attempt %d: MarkFailed = %d, %v", attempt, n, err)
			}
			d, err := db.ObserverMessageDelivery(ctx, id)
			if err != nil || d.Attempts != attempt || len(d.LastError) > 500 || !strings.HasPrefix(d.LastError, fmt.Sprintf("status 500 (%d) ", attempt)) || !d.ClaimedUntil.IsZero() {
				t.Fatalf("attempt %d: delivery = %+v, %v", attempt, d, err)
			}
			if attempt < 3 {
				if !d.NextAttemptAt.Equal(backoff(attempt)) || !d.GivenUpAt.IsZero() {
					t.Fatalf("attempt %d: next %v, given up %v", attempt, d.NextAttemptAt, d.GivenUpAt)
				}
				// Not due before the next attempt.
				if list, err := db.ClaimObserverMessages(ctx, d.NextAttemptAt.Add(-time.Second), time.Minute, 5); err != nil || len(list) != 0 {
					t.Fatalf("attempt %d: claimed before due: %v, %v", attempt, list, err)
				}
			} else if !d.GivenUpAt.Equal(now) || !d.NextAttemptAt.IsZero() || !d.DeliveredAt.IsZero() {
				t.Fatalf("given up: %+v", d)
			}
		}
		// Given up: stays undelivered, never claimed again.
		if list, err := db.ClaimObserverMessages(ctx, at.Add(24*time.Hour), time.Minute, 5); err != nil || len(list) != 0 {
			t.Errorf("claimed after giving up: %v, %v", list, err)
		}
		_, err := db.MarkFailed(ctx, id, at, "again", backoff)
		wantCode(t, err, baqylau.ENOTFOUND)
	})
}

// TestDeliveryClaimRace has two nodes (two handles on one database) claim
// the same outbox at once: every message is claimed exactly once.
func TestDeliveryClaimRace(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			var nodes []*store.DB
			for range 2 {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					if err := db.Close(); err != nil {
						t.Error(err)
					}
				})
				nodes = append(nodes, db)
			}
			_, _, msgs := adviseN(t, nodes[0], 60)
			at := time.Now()
			var mu sync.Mutex
			seen := map[int64]int{}
			var wg sync.WaitGroup
			for i := range 4 {
				db := nodes[i%2]
				wg.Go(func() {
					for {
						list, err := db.ClaimObserverMessages(ctx, at, time.Minute, 3)
						if err != nil {
							t.Error(err)
							return
						}
						if len(list) == 0 {
							return
						}
						mu.Lock()
						for _, m := range list {
							seen[m.ID]++
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(seen) != len(msgs) {
				t.Errorf("claimed %d of %d messages", len(seen), len(msgs))
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("message %d claimed %d times", id, n)
				}
			}
		})
	}
}

func TestTelegramChat(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		_, observer, _ := adviseN(t, db, 0)
		_, err := db.TelegramChat(ctx, observer)
		wantCode(t, err, baqylau.ENOTFOUND)
		for i, chat := range []int64{1001, 1002} {
			hash := []byte(fmt.Sprintf("code-%d-0123456789012345678901", i))
			if err := db.CreateTelegramCode(ctx, observer, hash, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RedeemTelegramCode(ctx, hash, chat, time.Now().Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		if chat, err := db.TelegramChat(ctx, observer); err != nil || chat != 1002 {
			t.Errorf("TelegramChat = %d, %v; want the latest, 1002", chat, err)
		}
	})
}
