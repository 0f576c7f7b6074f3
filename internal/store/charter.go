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

const charterCols = "id, version, text_kk, text_ru, text_en, published_at"

func scanCharter(sc rowScanner) (people.CharterVersion, error) {
	var c people.CharterVersion
	err := sc.Scan(&c.ID, &c.Version, &c.TextKK, &c.TextRU, &c.TextEN, timeScan{&c.PublishedAt})
	return c, err
}

// PublishCharter validates and stores a new version of the charter,
// numbered one after the latest, setting its ID and Version (and
// PublishedAt, when zero). ECONFLICT if another version was published at
// the same moment.
func (db *DB) PublishCharter(ctx context.Context, cv *people.CharterVersion) error {
	add := *cv
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: publish charter: %w", err)
	}
	if add.PublishedAt.IsZero() {
		add.PublishedAt = time.Now()
	}
	add.PublishedAt = normTime(add.PublishedAt)
	err := db.inTx(ctx, func(c conn) error {
		if err := c.queryRow(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM charter_versions").Scan(&add.Version); err != nil {
			return err
		}
		err := c.queryRow(ctx, `INSERT INTO charter_versions (version, text_kk, text_ru, text_en, published_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO NOTHING RETURNING id`,
			add.Version, add.TextKK, add.TextRU, add.TextEN, db.timeArg(add.PublishedAt)).Scan(&add.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ECONFLICT, "charter version %d was published meanwhile", add.Version)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: publish charter: %w", err)
	}
	*cv = add
	return nil
}

// CurrentCharter returns the latest version of the charter (ENOTFOUND if
// none was published).
func (db *DB) CurrentCharter(ctx context.Context) (people.CharterVersion, error) {
	cv, err := scanCharter(db.reader().queryRow(ctx, "SELECT "+charterCols+" FROM charter_versions ORDER BY version DESC LIMIT 1"))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "no charter has been published")
	}
	if err != nil {
		return people.CharterVersion{}, fmt.Errorf("store: current charter: %w", err)
	}
	return cv, nil
}

// Sign records a signature of the charter by an organisation or by an
// observer (exactly one of OrganizationID and ObserverID), of the version
// CharterVersionID, or Version, or else the current one. It sets ID,
// CharterVersionID, Version (and SignedAt, when zero). EINVALID unless
// exactly one signer is given; ENOTFOUND if the signer or the version does
// not exist; ECONFLICT if the signer already signed that version.
func (db *DB) Sign(ctx context.Context, s *people.Signature) error {
	add := *s
	if (add.OrganizationID == 0) == (add.ObserverID == 0) {
		return fmt.Errorf("store: sign charter: %w",
			baqylau.Errorf(baqylau.EINVALID, "a signature is by an organisation or by an observer"))
	}
	if add.SignedAt.IsZero() {
		add.SignedAt = time.Now()
	}
	add.SignedAt = normTime(add.SignedAt)
	err := db.inTx(ctx, func(c conn) error {
		var err error
		switch {
		case add.CharterVersionID != 0:
			err = c.queryRow(ctx, "SELECT id, version FROM charter_versions WHERE id = $1", add.CharterVersionID).Scan(&add.CharterVersionID, &add.Version)
		case add.Version != 0:
			err = c.queryRow(ctx, "SELECT id, version FROM charter_versions WHERE version = $1", add.Version).Scan(&add.CharterVersionID, &add.Version)
		default:
			err = c.queryRow(ctx, "SELECT id, version FROM charter_versions ORDER BY version DESC LIMIT 1").Scan(&add.CharterVersionID, &add.Version)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "charter version not found")
		}
		if err != nil {
			return err
		}
		if add.OrganizationID != 0 {
			err = requireRow(ctx, c, fmt.Sprintf("organisation %d", add.OrganizationID), "SELECT 1 FROM organizations WHERE id = $1", add.OrganizationID)
		} else {
			err = requireRow(ctx, c, fmt.Sprintf("observer %d", add.ObserverID), "SELECT 1 FROM observers WHERE id = $1", add.ObserverID)
		}
		if err != nil {
			return err
		}
		err = c.queryRow(ctx, `INSERT INTO charter_signatures (charter_version_id, organization_id, observer_id, signed_at, by_user_id)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
			add.CharterVersionID, nullRef(add.OrganizationID), nullRef(add.ObserverID), db.timeArg(add.SignedAt), nullRef(add.ByUserID)).Scan(&add.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ECONFLICT, "version %d of the charter is already signed", add.Version)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: sign charter: %w", err)
	}
	*s = add
	return nil
}

const signatureCols = "s.id, s.charter_version_id, v.version, s.organization_id, s.observer_id, s.signed_at, s.by_user_id"

func scanSignature(sc rowScanner) (people.Signature, error) {
	var s people.Signature
	err := sc.Scan(&s.ID, &s.CharterVersionID, &s.Version, nullIDScan{&s.OrganizationID}, nullIDScan{&s.ObserverID},
		timeScan{&s.SignedAt}, nullIDScan{&s.ByUserID})
	return s, err
}

// Signatories lists the organisations that signed any version of the
// charter, by name, each once with its latest signature (of the highest
// version).
func (db *DB) Signatories(ctx context.Context) ([]people.Signature, error) {
	list, err := queryAll(ctx, db.reader(), scanSignature, "SELECT "+signatureCols+` FROM charter_signatures s
		JOIN charter_versions v ON v.id = s.charter_version_id
		JOIN organizations o ON o.id = s.organization_id
		WHERE NOT EXISTS (SELECT 1 FROM charter_signatures s2 JOIN charter_versions v2 ON v2.id = s2.charter_version_id
			WHERE s2.organization_id = s.organization_id AND (v2.version > v.version OR (v2.version = v.version AND s2.id > s.id)))
		ORDER BY o.name_key, o.id`)
	if err != nil {
		return nil, fmt.Errorf("store: list charter signatories: %w", err)
	}
	return list, nil
}

// ObserverSignature returns an observer's latest signature of the charter
// (ENOTFOUND if the observer never signed).
func (db *DB) ObserverSignature(ctx context.Context, observerID int64) (people.Signature, error) {
	s, err := scanSignature(db.reader().queryRow(ctx, "SELECT "+signatureCols+` FROM charter_signatures s
		JOIN charter_versions v ON v.id = s.charter_version_id WHERE s.observer_id = $1 ORDER BY v.version DESC, s.id DESC LIMIT 1`,
		observerID))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "observer %d has not signed the charter", observerID)
	}
	if err != nil {
		return people.Signature{}, fmt.Errorf("store: charter signature of observer %d: %w", observerID, err)
	}
	return s, nil
}
