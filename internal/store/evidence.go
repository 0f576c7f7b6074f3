package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/report"
)

// AddEvidence stores data as evidence of incident e.IncidentID, setting
// e's ID, Size and SHA256 (and CreatedAt when zero, OriginalHash when
// empty: the bytes were kept as received). EINVALID if data is empty, if
// e.SHA256 is set and does not match data or if the content type is
// missing; ENOTFOUND if the incident does not exist.
func (db *DB) AddEvidence(ctx context.Context, e *report.Evidence, data []byte) error {
	sum := sha256.Sum256(data)
	add := *e
	add.Size = int64(len(data))
	if h := hex.EncodeToString(sum[:]); add.SHA256 == "" {
		add.SHA256 = h
	} else if add.SHA256 != h {
		return fmt.Errorf("store: add evidence: %w",
			baqylau.Errorf(baqylau.EINVALID, "the evidence's SHA-256 is %s, not %s", h, add.SHA256))
	}
	if add.OriginalHash == "" {
		add.OriginalHash = add.SHA256
	}
	if len(data) == 0 {
		return fmt.Errorf("store: add evidence: %w", baqylau.Errorf(baqylau.EINVALID, "the evidence is empty"))
	}
	if add.ContentType == "" {
		return fmt.Errorf("store: add evidence: %w", baqylau.Errorf(baqylau.EINVALID, "the evidence's content type is required"))
	}
	if add.CreatedAt.IsZero() {
		add.CreatedAt = now()
	}
	add.CreatedAt = normTime(add.CreatedAt)
	err := db.inTx(ctx, func(c conn) error {
		var found int64
		err := c.queryRow(ctx, "SELECT id FROM incidents WHERE id = $1", add.IncidentID).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "incident %d not found", add.IncidentID)
		}
		if err != nil {
			return err
		}
		return c.queryRow(ctx, `INSERT INTO evidence (incident_id, content_type, size, sha256, original_hash, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			add.IncidentID, add.ContentType, add.Size, add.SHA256, add.OriginalHash, data, db.timeArg(add.CreatedAt)).Scan(&add.ID)
	})
	if err != nil {
		return fmt.Errorf("store: add evidence to incident %d: %w", e.IncidentID, err)
	}
	*e = add
	return nil
}

const evidenceCols = "id, incident_id, content_type, size, sha256, original_hash, created_at"

func scanEvidence(sc interface{ Scan(...any) error }, extra ...any) (report.Evidence, error) {
	var e report.Evidence
	dest := append([]any{&e.ID, &e.IncidentID, &e.ContentType, &e.Size, &e.SHA256, &e.OriginalHash,
		timeScan{&e.CreatedAt}}, extra...)
	return e, sc.Scan(dest...)
}

// EvidenceList lists the evidence of an incident (without the bytes), in
// the order it was added; empty when the incident has none or does not
// exist.
func (db *DB) EvidenceList(ctx context.Context, incidentID int64) ([]report.Evidence, error) {
	list, err := func() ([]report.Evidence, error) {
		rows, err := db.reader().query(ctx, "SELECT "+evidenceCols+" FROM evidence WHERE incident_id = $1 ORDER BY id", incidentID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []report.Evidence{}
		for rows.Next() {
			e, err := scanEvidence(rows)
			if err != nil {
				return nil, err
			}
			list = append(list, e)
		}
		return list, rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: list evidence of incident %d: %w", incidentID, err)
	}
	return list, nil
}

// EvidenceData returns one piece of evidence with its bytes (ENOTFOUND if
// none).
func (db *DB) EvidenceData(ctx context.Context, id int64) (report.Evidence, []byte, error) {
	var data []byte
	e, err := scanEvidence(db.reader().queryRow(ctx, "SELECT "+evidenceCols+", data FROM evidence WHERE id = $1", id), &data)
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "evidence %d not found", id)
	}
	if err != nil {
		return report.Evidence{}, nil, fmt.Errorf("store: find evidence %d: %w", id, err)
	}
	return e, data, nil
}
