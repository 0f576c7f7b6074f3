package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/baqylau/baqylau/internal/people"
)

// The duplicate keys kept in observer_dup_keys are derived from
// people.DuplicateKeys, whose folding rules may change from one release to
// the next. The rules cannot be compared directly, so the store keeps a
// fingerprint of their output on probe records that exercise each rule
// (scripts, transliterations, apostrophes, doubled letters, phone
// prefixes, and every personal field, in case keys come to use more of
// them). When the fingerprint of the running binary differs from the one
// stored, every observer's keys are computed again before the next
// duplicate check. A change that no probe notices would go unnoticed:
// extend the probes along with the rules.
var dupKeyProbes = []struct {
	name string
	p    people.Personal
}{
	{"Ivanov Ivan", people.Personal{Email: " Ivan@Example.KZ ", Phone: "8 (701) 123-45-67"}},
	{"IVAN  IVANOV", people.Personal{Email: "ivan@example.kz", Phone: "+7 701 1234567"}},
	{"Иванов Иван Иванович", people.Personal{Phone: "00 49 30 1234567"}},
	{"Қайрат Шыңғыс Әлиұлы", people.Personal{Email: "q@example.kz", Phone: "12345"}},
	{"Qairat Şyñğys Kayrat", people.Personal{Email: "q@example.kz"}},
	{"Ol'ga Наталья Мария Евгений", people.Personal{Email: "o@example.org"}},
	{"Zhanna Dzhaksybekova Khadija Ghani", people.Personal{Email: "z@example.org"}},
	{"Щукин Юрий Ёлкин Эльдар Ъ Ы Ь", people.Personal{Email: "s@example.org"}},
	{"Yevgeniy Xavier Wilhelm Maria Mariya", people.Personal{Email: "y@example.org"}},
	{"Müller-Lüdenscheidt Straße Æsir Œuvre Øre Đorđe Łukasz Þór", people.Personal{Email: "m@example.de"}},
	{"Ğ ı ç ș ş Іван Ґудзь Єва Їжак Ўладзімір Һ", people.Personal{Email: "g@example.org"}},
	{"Anna  Annа  Aanna", people.Personal{Email: "a@example.org", Phone: "+44 20 7946 0958",
		NationalID: "880101300123", BirthDate: time.Date(1988, 1, 1, 0, 0, 0, 0, time.UTC)}},
	{"", people.Personal{Email: "nobody@example.org", Phone: "87011234567"}},
	{"Nur Sultan", people.Personal{NationalID: "900202400321"}},
}

// dupKeysFingerprint identifies the rules of people.DuplicateKeys.
var dupKeysFingerprint = sync.OnceValue(func() string {
	h := sha256.New()
	for _, pr := range dupKeyProbes {
		h.Write([]byte(strings.Join(people.DuplicateKeys(pr.name, pr.p), "\x1f") + "\x1e"))
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
})

// dupKeysCurrent reports whether the stored keys follow the running rules.
func dupKeysCurrent(ctx context.Context, c conn) (bool, error) {
	var fp string
	err := c.queryRow(ctx, "SELECT fingerprint FROM observer_dup_keys_version WHERE id = 1").Scan(&fp)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return fp == dupKeysFingerprint(), err
}

// ensureDupKeys computes every observer's duplicate keys again, in the
// caller's write transaction, if they were computed with other rules.
func (db *DB) ensureDupKeys(ctx context.Context, c conn) error {
	if ok, err := dupKeysCurrent(ctx, c); ok || err != nil {
		return err
	}
	// Another node may be rebuilding too: take turns and look again.
	if err := db.lockObservers(ctx, c); err != nil {
		return err
	}
	if ok, err := dupKeysCurrent(ctx, c); ok || err != nil {
		return err
	}
	type person struct {
		id   int64
		name string
		p    people.Personal
	}
	list, err := queryAll(ctx, c, func(sc rowScanner) (person, error) {
		var p person
		return p, sc.Scan(&p.id, &p.name, &p.p.Email, &p.p.Phone, &p.p.NationalID, dateScan{&p.p.BirthDate})
	}, "SELECT id, full_name, email, phone, national_id, birth_date FROM observers")
	if err != nil {
		return err
	}
	if _, err := c.exec(ctx, "DELETE FROM observer_dup_keys"); err != nil {
		return err
	}
	var args []any
	for _, p := range list {
		for _, k := range people.DuplicateKeys(p.name, p.p) {
			args = append(args, k, p.id)
		}
	}
	if err := insertDupKeys(ctx, c, args); err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO observer_dup_keys_version (id, fingerprint) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint`, dupKeysFingerprint())
	return err
}

// insertDupKeys inserts (key, observer ID) pairs, flattened, in batches.
func insertDupKeys(ctx context.Context, c conn, pairs []any) error {
	for start := 0; start < len(pairs); start += maxParams {
		batch := pairs[start:min(start+maxParams, len(pairs))]
		if _, err := c.exec(ctx, "INSERT INTO observer_dup_keys (key, observer_id) VALUES "+
			valueRows(len(batch)/2, 2, "")+" ON CONFLICT DO NOTHING", batch...); err != nil {
			return err
		}
	}
	return nil
}
