package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
)

// phoneDigits is an observer's phone without its usual separators, as the
// index observers_phone_digits of migration 0005 has it: the query must
// write the very same expression for the index to serve it.
const phoneDigits = "replace(replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', '')"

// ObserversByPhone lists the observers whose phone, normalised with
// people.NormalizePhone, is phone (normalised already). The index finds
// the ways the number is commonly written (+7…, 8…, 00…, with spaces,
// dashes, brackets or dots); each candidate is checked in Go.
func (db *DB) ObserversByPhone(ctx context.Context, phone string) ([]people.Observer, error) {
	if phone == "" {
		return []people.Observer{}, nil
	}
	forms := []any{phone, "00" + phone}
	if len(phone) == 11 && phone[0] == '7' {
		forms = append(forms, "8"+phone[1:])
	}
	cols := "id, number, kind, full_name, organization_id, country, languages, region, mission_id, mission_role, status, " +
		"valid_until, email, phone, national_id, birth_date, created_at, updated_at"
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (people.Observer, error) { return scanObserver(sc) },
		"SELECT "+cols+" FROM observers WHERE "+phoneDigits+" IN ("+placeholders(len(forms))+") ORDER BY id", forms...)
	if err != nil {
		return nil, fmt.Errorf("store: observers by phone: %w", err)
	}
	out := list[:0]
	for _, o := range list {
		if people.NormalizePhone(o.Personal.Phone) == phone {
			out = append(out, o)
		}
	}
	return out, nil
}

// placeholders returns "$1, $2, …, $n".
func placeholders(n int) string {
	s := ""
	for i := 1; i <= n; i++ {
		if i > 1 {
			s += ", "
		}
		s += fmt.Sprintf("$%d", i)
	}
	return s
}

// CreateTelegramCode stores the hash of a one-time Telegram link code of
// an observer, valid until expires; expired codes are cleared on the way.
func (db *DB) CreateTelegramCode(ctx context.Context, observerID int64, hash []byte, expires time.Time) error {
	err := db.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, "DELETE FROM telegram_codes WHERE expires_at < $1", db.timeArg(now())); err != nil {
			return err
		}
		_, err := c.exec(ctx, "INSERT INTO telegram_codes (hash, observer_id, expires_at) VALUES ($1, $2, $3)",
			hash, observerID, db.timeArg(expires))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create telegram code of observer %d: %w", observerID, err)
	}
	return nil
}

// RedeemTelegramCode links chatID to the observer of an unexpired code
// and deletes that observer's codes, in one transaction. An unknown, used
// or expired code is ENOTFOUND.
func (db *DB) RedeemTelegramCode(ctx context.Context, hash []byte, chatID int64, at time.Time) (int64, error) {
	var observerID int64
	err := db.inTx(ctx, func(c conn) error {
		var expires time.Time
		err := c.queryRow(ctx, "SELECT observer_id, expires_at FROM telegram_codes WHERE hash = $1"+db.forUpdate(), hash).
			Scan(&observerID, timeScan{&expires})
		if errors.Is(err, sql.ErrNoRows) {
			observerID = 0
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, "DELETE FROM telegram_codes WHERE hash = $1 OR observer_id = $2", hash, observerID); err != nil {
			return err
		}
		if !at.Before(expires) {
			observerID = 0 // expired: deleted, not used
			return nil
		}
		_, err = c.exec(ctx, `INSERT INTO telegram_links (chat_id, observer_id, linked_at) VALUES ($1, $2, $3)
			ON CONFLICT (chat_id) DO UPDATE SET observer_id = excluded.observer_id, linked_at = excluded.linked_at`,
			chatID, observerID, db.timeArg(at))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: redeem telegram code: %w", err)
	}
	if observerID == 0 {
		return 0, baqylau.Errorf(baqylau.ENOTFOUND, "unknown or expired link code")
	}
	return observerID, nil
}

// TelegramObserver returns the observer a chat is linked to (ENOTFOUND).
func (db *DB) TelegramObserver(ctx context.Context, chatID int64) (int64, error) {
	var id int64
	err := db.reader().queryRow(ctx, "SELECT observer_id FROM telegram_links WHERE chat_id = $1", chatID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, baqylau.Errorf(baqylau.ENOTFOUND, "chat %d is not linked", chatID)
	}
	if err != nil {
		return 0, fmt.Errorf("store: telegram observer of chat %d: %w", chatID, err)
	}
	return id, nil
}

// UnlinkTelegram removes a chat's link, if any.
func (db *DB) UnlinkTelegram(ctx context.Context, chatID int64) error {
	if _, err := db.writer().exec(ctx, "DELETE FROM telegram_links WHERE chat_id = $1", chatID); err != nil {
		return fmt.Errorf("store: unlink telegram chat %d: %w", chatID, err)
	}
	return nil
}
