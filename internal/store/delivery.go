package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/triage"
)

// The delivery of the observers' outbox (observer_messages, columns of
// migration 0009): workers on any number of nodes claim waiting messages
// for a lease, send them and mark them delivered or failed. A claim is
// one UPDATE; on PostgreSQL its rows are picked with FOR UPDATE SKIP
// LOCKED, so that two nodes claiming at once take different messages and
// neither waits for the other; on SQLite the single writer connection
// runs claims one after the other.

// maxDeliveryError bounds the error text kept of a failed attempt.
const maxDeliveryError = 500

// observerMessageColumns are the columns of triage.ObserverMessage, in the order
// scanObserverMessage reads them.
const observerMessageColumns = "id, incident_id, observer_id, channel, body, created_by, created_at, delivered_at"

func scanObserverMessage(sc rowScanner) (triage.ObserverMessage, error) {
	var m triage.ObserverMessage
	var ch string
	err := sc.Scan(&m.ID, &m.IncidentID, &m.ObserverID, &ch, &m.Body, &m.CreatedBy, timeScan{&m.CreatedAt}, nullTimeScan{&m.DeliveredAt})
	m.Channel = report.Channel(ch)
	return m, err
}

// ClaimObserverMessages claims up to limit messages that wait for
// delivery at time at, oldest first: not delivered, not given up, due
// (next_attempt_at not after at) and not claimed by another worker (or
// that worker's lease has run out). Each is claimed until at + lease:
// meanwhile no other claim returns it. channels keeps to messages of
// those channels (none: every channel).
func (db *DB) ClaimObserverMessages(ctx context.Context, at time.Time, lease time.Duration, limit int, channels ...report.Channel) ([]triage.ObserverMessage, error) {
	if limit <= 0 {
		return []triage.ObserverMessage{}, nil
	}
	var args params
	until, now := args.add(db.timeArg(at.Add(lease))), args.add(db.timeArg(at))
	waiting := "delivered_at IS NULL AND given_up_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= " + now +
		") AND (claimed_until IS NULL OR claimed_until <= " + now + ")"
	if len(channels) > 0 {
		list := ""
		for i, ch := range channels {
			if i > 0 {
				list += ", "
			}
			list += args.add(string(ch))
		}
		waiting += " AND channel IN (" + list + ")"
	}
	pick := "SELECT id FROM observer_messages WHERE " + waiting + " ORDER BY id LIMIT " + args.add(limit)
	if db.dialect == Postgres {
		// A row another claim has locked is skipped, not waited for; one
		// it has claimed and committed meanwhile is read again and no
		// longer matches "waiting". ARRAY(…) runs the pick once: as
		// "id IN (…)" the planner may rescan it for each row updated, and
		// each rescan skips the rows this UPDATE has just changed and
		// picks the next ones, beyond the limit.
		pick = "= ANY(ARRAY(" + pick + " FOR UPDATE SKIP LOCKED))"
	} else {
		pick = "IN (" + pick + ")"
	}
	// The condition is repeated outside: cheap, and it states what the
	// UPDATE may touch whatever the pick saw.
	query := "UPDATE observer_messages SET claimed_until = " + until + " WHERE " + waiting + " AND id " + pick +
		" RETURNING " + observerMessageColumns
	list, err := queryAll(ctx, db.writer(), scanObserverMessage, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: claim observer messages: %w", err)
	}
	slices.SortFunc(list, func(a, b triage.ObserverMessage) int { return cmp.Compare(a.ID, b.ID) })
	return list, nil
}

// MarkDelivered records that message id reached its observer at time at,
// via "telegram", "sms" or "web" (left for the observer's pages), and
// ends its claim. Marking a delivered message again changes nothing; an
// unknown message is ENOTFOUND.
func (db *DB) MarkDelivered(ctx context.Context, id int64, via string, at time.Time) error {
	res, err := db.writer().exec(ctx, `UPDATE observer_messages SET delivered_at = $1, delivered_via = $2, claimed_until = NULL,
		next_attempt_at = NULL WHERE id = $3 AND delivered_at IS NULL`, db.timeArg(at), via, id)
	if err == nil {
		err = db.messageMustExist(ctx, res, id)
	}
	if err != nil {
		return fmt.Errorf("store: mark observer message %d delivered: %w", id, err)
	}
	return nil
}

// MarkFailed records a failed attempt to deliver message id at time at:
// it counts the attempt, keeps reason (shortened) and ends the claim.
// retry is asked when to try again given the attempts made so far, this
// one included; its zero time gives up: the message stays undelivered
// (still shown on the observer's pages) and is never claimed again. It
// returns the attempts made; a message not waiting (unknown, delivered
// or given up) is ENOTFOUND.
func (db *DB) MarkFailed(ctx context.Context, id int64, at time.Time, reason string, retry func(attempts int) time.Time) (int, error) {
	reason = shortenError(reason, maxDeliveryError)
	var attempts int
	err := db.inTx(ctx, func(c conn) error {
		err := c.queryRow(ctx, `UPDATE observer_messages SET attempts = attempts + 1, last_error = $1, claimed_until = NULL
			WHERE id = $2 AND delivered_at IS NULL AND given_up_at IS NULL RETURNING attempts`, reason, id).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "observer message %d is not waiting for delivery", id)
		}
		if err != nil {
			return err
		}
		if next := retry(attempts); !next.IsZero() {
			_, err = c.exec(ctx, "UPDATE observer_messages SET next_attempt_at = $1 WHERE id = $2", db.timeArg(next), id)
		} else {
			_, err = c.exec(ctx, "UPDATE observer_messages SET given_up_at = $1, next_attempt_at = NULL WHERE id = $2", db.timeArg(at), id)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: mark observer message %d failed: %w", id, err)
	}
	return attempts, nil
}

// ReleaseObserverMessage ends the claim on message id without counting
// an attempt: a worker that stops before sending a message it claimed
// hands it back at once rather than when the lease runs out.
func (db *DB) ReleaseObserverMessage(ctx context.Context, id int64) error {
	if _, err := db.writer().exec(ctx, "UPDATE observer_messages SET claimed_until = NULL WHERE id = $1 AND delivered_at IS NULL", id); err != nil {
		return fmt.Errorf("store: release observer message %d: %w", id, err)
	}
	return nil
}

// TelegramChat returns the chat most recently linked to an observer
// (ENOTFOUND if none).
func (db *DB) TelegramChat(ctx context.Context, observerID int64) (int64, error) {
	var chat int64
	err := db.reader().queryRow(ctx, "SELECT chat_id FROM telegram_links WHERE observer_id = $1 ORDER BY linked_at DESC, chat_id DESC LIMIT 1",
		observerID).Scan(&chat)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, baqylau.Errorf(baqylau.ENOTFOUND, "observer %d has no Telegram chat linked", observerID)
	}
	if err != nil {
		return 0, fmt.Errorf("store: telegram chat of observer %d: %w", observerID, err)
	}
	return chat, nil
}

// Delivery is the state of the delivery of one observer message.
type Delivery struct {
	// Via is how it was delivered: "telegram", "sms", "web" ("" while
	// not delivered).
	Via         string
	DeliveredAt time.Time
	// Attempts counts the failed attempts; LastError is the last one's.
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
	ClaimedUntil  time.Time
	// GivenUpAt is set when no further attempt will be made.
	GivenUpAt time.Time
}

// ObserverMessageDelivery returns the delivery state of message id
// (ENOTFOUND).
func (db *DB) ObserverMessageDelivery(ctx context.Context, id int64) (Delivery, error) {
	var d Delivery
	err := db.reader().queryRow(ctx, `SELECT delivered_via, delivered_at, attempts, last_error, next_attempt_at, claimed_until, given_up_at
		FROM observer_messages WHERE id = $1`, id).Scan(&d.Via, nullTimeScan{&d.DeliveredAt}, &d.Attempts, &d.LastError,
		nullTimeScan{&d.NextAttemptAt}, nullTimeScan{&d.ClaimedUntil}, nullTimeScan{&d.GivenUpAt})
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "observer message %d not found", id)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery of observer message %d: %w", id, err)
	}
	return d, nil
}

// messageMustExist turns an UPDATE of no row into ENOTFOUND when message id does
// not exist (and into success when it does: nothing was left to change).
func (db *DB) messageMustExist(ctx context.Context, res sql.Result, id int64) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	var one int
	err = db.writer().queryRow(ctx, "SELECT 1 FROM observer_messages WHERE id = $1", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return baqylau.Errorf(baqylau.ENOTFOUND, "observer message %d not found", id)
	}
	return err
}

// shortenError cuts s to at most n bytes on a character boundary, marking the
// cut with "…".
func shortenError(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
