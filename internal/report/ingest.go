package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/baqylau/baqylau"
)

// Group commit. On election day thousands of observers send at once, and
// every report must be durable before it is acknowledged. A commit costs
// an fsync (SQLite, synchronous=FULL) or a WAL flush (PostgreSQL) whatever
// it carries, so the Ingester's one writer goroutine gathers the reports
// and incidents that arrive together and commits them in one transaction
// each: the senders share the fsync instead of queueing for one apiece.

// Defaults of IngestOptions.
const (
	DefaultMaxBatch = 256
	DefaultMaxWait  = 2 * time.Millisecond
)

// ErrIngesterClosed is returned by SubmitReport and SubmitIncident once
// Shutdown has begun (or Start's context has ended): the item was not
// taken and may be sent again elsewhere.
var ErrIngesterClosed = errors.New("report: the ingester is shut down")

// IngestOptions tune an Ingester; zero fields take the defaults.
type IngestOptions struct {
	// MaxBatch is the most items one commit carries (default 256).
	MaxBatch int
	// MaxWait is how long a batch waits for more items after its first
	// before it is committed (default 2 ms); negative means not at all:
	// a batch then holds what queued up during the previous commit.
	MaxWait time.Duration
	// Queue is how many items may wait for the writer before submitters
	// block (default 4 × MaxBatch).
	Queue int
	// OnBatch, if set, is told the size of every batch once committed
	// (and how many of its items failed), for metrics. It runs on the
	// writer goroutine: it must be quick.
	OnBatch func(items, failed int)
}

// IngestStats describe an Ingester's work so far, for metrics.
type IngestStats struct {
	Queued       int    // items waiting for the writer now
	Batches      uint64 // batches handed to the store
	Items        uint64 // items in those batches
	Failed       uint64 // items whose batch failed
	LastBatch    int    // size of the latest batch
	LargestBatch int    // size of the largest batch
}

// Ingester commits reports and incidents in batches (group commit) and
// acknowledges each only once the transaction holding it has committed.
// Create one with NewIngester, call Start, and Shutdown at the end.
type Ingester struct {
	store Store
	opts  IngestOptions
	queue chan *ingestJob

	// mu makes closing the queue wait for submitters that are sending on
	// it, so that nothing is sent on a closed channel and every item
	// taken before Shutdown is committed.
	mu     sync.RWMutex
	closed bool

	startOnce sync.Once
	finished  chan struct{} // closed when the writer has drained the queue

	statsMu sync.Mutex
	stats   IngestStats
}

// ingestJob is one item on its way to the store; exactly one of report and
// incident is set. done is buffered so that the writer never waits for a
// submitter that stopped waiting.
// ingestJob is an item waiting for the writer: an incident when incident
// is set, else a report (held in the job, one allocation fewer per report).
type ingestJob struct {
	report   Report
	incident *IncidentReport
	done     chan ingestResult
}

type ingestResult struct {
	ack Ack
	err error
}

// NewIngester returns an Ingester that commits to s. Items submitted
// before Start wait in the queue.
func NewIngester(s Store, opts IngestOptions) *Ingester {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.MaxWait == 0 {
		opts.MaxWait = DefaultMaxWait
	}
	if opts.Queue <= 0 {
		opts.Queue = 4 * opts.MaxBatch
	}
	return &Ingester{store: s, opts: opts, queue: make(chan *ingestJob, opts.Queue), finished: make(chan struct{})}
}

// Start starts the writer; calling it again does nothing. When ctx ends,
// the Ingester takes no more items and commits those it holds, as after
// Shutdown: ctx does not abort a commit, and an item taken is always
// committed or answered with an error.
func (in *Ingester) Start(ctx context.Context) {
	in.startOnce.Do(func() {
		go in.run(context.WithoutCancel(ctx))
		go func() {
			select {
			case <-ctx.Done():
				in.close()
			case <-in.finished:
			}
		}()
	})
}

// Shutdown stops taking items and waits until every item taken has been
// committed or answered with an error, or until ctx ends (the writer then
// goes on draining in the background).
func (in *Ingester) Shutdown(ctx context.Context) error {
	in.Start(context.Background()) // items queued before a Start must drain too
	in.close()
	select {
	case <-in.finished:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("report: ingester shutdown: %w", ctx.Err())
	}
}

// close stops the intake. It waits for submitters in the middle of
// sending, which the writer lets through by draining the queue.
func (in *Ingester) close() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.closed {
		in.closed = true
		close(in.queue)
	}
}

// SubmitReport hands r to the writer and waits until the batch holding it
// has committed: the Ack then says the report is durable (Duplicate if its
// client id was stored before). If the batch fails, every item of it gets
// the error and none is acknowledged. If ctx ends while the report waits,
// SubmitReport returns ctx's error at once, but the report, once taken, is
// still committed exactly once: a retry with the same client id finds it.
// An empty or overlong client id or an answer that is not JSON is refused
// with EINVALID before it can fail a batch.
func (in *Ingester) SubmitReport(ctx context.Context, r Report) (Ack, error) {
	if err := checkIngestClientID(r.ClientID); err != nil {
		return Ack{}, err
	}
	for k, v := range r.Answers {
		if !json.Valid(v) {
			return Ack{}, baqylau.Errorf(baqylau.EINVALID, "answer %q is not valid JSON", k)
		}
	}
	return in.submit(ctx, &ingestJob{report: r, done: make(chan ingestResult, 1)})
}

// SubmitIncident hands i to the writer and waits as SubmitReport does.
func (in *Ingester) SubmitIncident(ctx context.Context, i IncidentReport) (Ack, error) {
	if err := checkIngestClientID(i.ClientID); err != nil {
		return Ack{}, err
	}
	return in.submit(ctx, &ingestJob{incident: &i, done: make(chan ingestResult, 1)})
}

func checkIngestClientID(id string) error {
	if id == "" || len(id) > MaxClientID {
		return baqylau.Errorf(baqylau.EINVALID, "client id must be 1 to %d bytes", MaxClientID)
	}
	return nil
}

func (in *Ingester) submit(ctx context.Context, j *ingestJob) (Ack, error) {
	if err := ctx.Err(); err != nil {
		return Ack{}, err
	}
	in.mu.RLock()
	if in.closed {
		in.mu.RUnlock()
		return Ack{}, ErrIngesterClosed
	}
	select {
	case in.queue <- j: // the usual case, without a select over two channels
		in.mu.RUnlock()
	default:
		select {
		case in.queue <- j:
			in.mu.RUnlock()
		case <-ctx.Done():
			// Never taken: neither lost nor committed.
			in.mu.RUnlock()
			return Ack{}, ctx.Err()
		}
	}
	select {
	case res := <-j.done:
		return res.ack, res.err
	case <-ctx.Done():
		return Ack{}, ctx.Err()
	}
}

// Stats returns the queue depth and batch figures so far.
func (in *Ingester) Stats() IngestStats {
	in.statsMu.Lock()
	s := in.stats
	in.statsMu.Unlock()
	s.Queued = len(in.queue)
	return s
}

// run is the writer: it gathers a batch, commits it, and again, until the
// queue is closed and empty.
func (in *Ingester) run(ctx context.Context) {
	defer close(in.finished)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	batch := make([]*ingestJob, 0, in.opts.MaxBatch)
	for {
		j, ok := <-in.queue
		if !ok {
			return
		}
		batch = append(batch[:0], j)
		open := in.gather(&batch, timer)
		in.commit(ctx, batch)
		clear(batch) // let the jobs go
		if !open {
			return
		}
	}
}

// gather adds items to batch until it is full or MaxWait has passed since
// its first; it reports false when the queue is closed and empty.
func (in *Ingester) gather(batch *[]*ingestJob, timer *time.Timer) bool {
	if in.opts.MaxWait > 0 {
		timer.Reset(in.opts.MaxWait)
		defer timer.Stop()
	}
	for len(*batch) < in.opts.MaxBatch {
		select {
		case j, ok := <-in.queue:
			if !ok {
				return false
			}
			*batch = append(*batch, j)
			continue
		default:
		}
		if in.opts.MaxWait < 0 {
			return true
		}
		select {
		case j, ok := <-in.queue:
			if !ok {
				return false
			}
			*batch = append(*batch, j)
		case <-timer.C:
			return true
		}
	}
	return true
}

// commit stores a batch, reports in one transaction and incidents in
// another, and answers every item. The two transactions stand alone: if
// one fails, its items get the error and the other's are acknowledged.
func (in *Ingester) commit(ctx context.Context, batch []*ingestJob) {
	var incidents []IncidentReport
	var incidentJobs []*ingestJob
	reports := make([]Report, 0, len(batch)) // nearly every job of a batch is a report
	reportJobs := make([]*ingestJob, 0, len(batch))
	for _, j := range batch {
		if j.incident == nil {
			reports = append(reports, j.report)
			reportJobs = append(reportJobs, j)
		} else {
			incidents = append(incidents, *j.incident)
			incidentJobs = append(incidentJobs, j)
		}
	}
	var replies []reply
	if len(reports) > 0 {
		acks, err := in.store.SaveReports(ctx, reports)
		replies = append(replies, settle(reportJobs, acks, err, "reports"))
	}
	if len(incidents) > 0 {
		acks, err := in.store.SaveIncidents(ctx, incidents)
		replies = append(replies, settle(incidentJobs, acks, err, "incidents"))
	}
	failed := 0
	for _, r := range replies {
		if r.err != nil {
			failed += len(r.jobs)
		}
	}
	// The stats count the batch before its senders hear of it, so that a
	// sender holding an ack finds it counted.
	in.statsMu.Lock()
	in.stats.Batches++
	in.stats.Items += uint64(len(batch))
	in.stats.Failed += uint64(failed)
	in.stats.LastBatch = len(batch)
	in.stats.LargestBatch = max(in.stats.LargestBatch, len(batch))
	in.statsMu.Unlock()
	if in.opts.OnBatch != nil {
		in.opts.OnBatch(len(batch), failed)
	}
	for _, r := range replies {
		r.send()
	}
}

// reply is what a transaction's items are told: their acks, in order, or
// the error for all.
type reply struct {
	jobs []*ingestJob
	acks []Ack
	err  error
}

// settle makes the reply to jobs of what the store returned.
func settle(jobs []*ingestJob, acks []Ack, err error, what string) reply {
	if err == nil && len(acks) != len(jobs) {
		err = fmt.Errorf("the store returned %d acks for %d %s", len(acks), len(jobs), what)
	}
	if err != nil {
		err = fmt.Errorf("report: ingest %d %s: %w", len(jobs), what, err)
	}
	return reply{jobs: jobs, acks: acks, err: err}
}

// send answers each job.
func (r reply) send() {
	for i, j := range r.jobs {
		if r.err != nil {
			j.done <- ingestResult{err: r.err}
		} else {
			j.done <- ingestResult{ack: r.acks[i]}
		}
	}
}
