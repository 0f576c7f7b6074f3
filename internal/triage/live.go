package triage

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/baqylau/baqylau/internal/report"
)

// Event says that an incident arrived or changed. It carries only the
// incident's id and region (PostgreSQL NOTIFY payloads are limited to
// 8,000 bytes and must not carry personal data): receivers read the rest
// from the database, scoped to what their user may see.
type Event struct {
	ID     int64     `json:"id"`
	Region string    `json:"region"`
	Kind   string    `json:"kind"` // EventNew or EventChanged
	At     time.Time `json:"at"`
}

// Event kinds.
const (
	EventNew     = "new"
	EventChanged = "changed"
)

// Broker carries events to every subscriber on every node: in-process on
// SQLite (Hub), through PostgreSQL LISTEN/NOTIFY across nodes.
type Broker interface {
	// Publish sends e to every subscriber, on this node and the others.
	Publish(ctx context.Context, e Event) error
	// Subscribe returns a subscription; Close it when done.
	Subscribe() *Subscription
}

// Subscription receives events. When its reader falls behind, events are
// dropped and Lagged is signalled: the reader should reload what it shows.
type Subscription struct {
	C      <-chan Event
	Lagged <-chan struct{}
	c      chan Event
	lagged chan struct{}
	hub    *Hub
}

// Close ends the subscription.
func (s *Subscription) Close() { s.hub.remove(s) }

// subscriptionBuffer is how many events a slow reader may have pending.
const subscriptionBuffer = 256

// Hub fans events out to the subscribers of one process. On its own it is
// the broker of a single node (SQLite); a PostgreSQL listener feeds it the
// events of every node.
type Hub struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[*Subscription]struct{}{}} }

// Publish delivers e to the subscribers of this process. It never blocks:
// a subscriber whose buffer is full misses e and is told it lagged.
func (h *Hub) Publish(_ context.Context, e Event) error {
	h.Deliver(e)
	return nil
}

// Deliver hands e to every subscriber of this process.
func (h *Hub) Deliver(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.c <- e:
		default:
			select {
			case s.lagged <- struct{}{}:
			default:
			}
		}
	}
}

// Subscribe returns a new subscription to this process's events.
func (h *Hub) Subscribe() *Subscription {
	s := &Subscription{c: make(chan Event, subscriptionBuffer), lagged: make(chan struct{}, 1), hub: h}
	s.C, s.Lagged = s.c, s.lagged
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Subscribers returns how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *Hub) remove(s *Subscription) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// Ingester is the ingestion path of report.Submitter.
type Ingester interface {
	SubmitReport(ctx context.Context, r report.Report) (report.Ack, error)
	SubmitIncident(ctx context.Context, i report.IncidentReport) (report.Ack, error)
}

// Notifying wraps the ingester so that every incident acknowledged as
// durable (and not a retry) is published at once: it reaches the HQ
// queues from every channel (web, API, SMS, Telegram, phoned in), since
// all of them submit through report.Submitter and so through here.
type Notifying struct {
	Ingester
	Broker Broker
	Log    *slog.Logger
}

// SubmitIncident submits i and publishes it once acknowledged. A failed
// publication is logged, never returned: the incident is stored, and HQ
// pages catch up on their next reconnect or reload.
func (n Notifying) SubmitIncident(ctx context.Context, i report.IncidentReport) (report.Ack, error) {
	ack, err := n.Ingester.SubmitIncident(ctx, i)
	if err != nil || ack.Duplicate {
		return ack, err
	}
	e := Event{ID: ack.ID, Region: i.Region, Kind: EventNew, At: time.Now().UTC()}
	// The observer's request may end right after the ack: publish anyway.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if perr := n.Broker.Publish(pctx, e); perr != nil && n.Log != nil {
		n.Log.Error("triage: publish new incident", "incident", ack.ID, "err", perr)
	}
	return ack, nil
}
