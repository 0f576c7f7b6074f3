package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/triage"
)

const complaintSelect = "SELECT id, incident_id, lang, commission, complainant, facts, articles, created_by, created_at, " +
	"filed_on, answered_on, outcome, version FROM complaints"

func scanComplaint(sc interface{ Scan(...any) error }) (triage.Complaint, error) {
	var c triage.Complaint
	var articles string
	err := sc.Scan(&c.ID, &c.IncidentID, &c.Lang, &c.Commission, &c.Complainant, &c.Facts, &articles, &c.CreatedBy,
		timeScan{&c.CreatedAt}, &c.FiledOn, &c.AnsweredOn, &c.Outcome, &c.Version)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(articles), &c.Articles); err != nil {
		return c, fmt.Errorf("complaint %d: articles: %w", c.ID, err)
	}
	return c, nil
}

// CreateComplaint stores a new complaint and its audit entry, setting its
// ID, CreatedAt and Version (ENOTFOUND if the incident does not exist).
func (db *DB) CreateComplaint(ctx context.Context, c *triage.Complaint) error {
	at := now()
	add := *c
	add.CreatedAt, add.Version = at, 1
	articles, err := json.Marshal(add.Articles)
	if err != nil {
		return fmt.Errorf("store: create complaint: %w", err)
	}
	err = db.inTx(ctx, func(cn conn) error {
		var found int64
		err := cn.queryRow(ctx, "SELECT id FROM incidents WHERE id = $1", add.IncidentID).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "incident %d not found", add.IncidentID)
		}
		if err != nil {
			return err
		}
		err = cn.queryRow(ctx, `INSERT INTO complaints (incident_id, lang, commission, complainant, facts, articles, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, add.IncidentID, add.Lang, add.Commission, add.Complainant,
			add.Facts, string(articles), add.CreatedBy, db.timeArg(at)).Scan(&add.ID)
		if err != nil {
			return err
		}
		after, err := json.Marshal(add.AuditState())
		if err != nil {
			return err
		}
		return db.audit(ctx, cn, add.IncidentID, add.CreatedBy, "complaint:create", []byte("null"), after, at)
	})
	if err != nil {
		return fmt.Errorf("store: create complaint on incident %d: %w", c.IncidentID, err)
	}
	*c = add
	return nil
}

// UpdateComplaint records a complaint's filing date, answer date and
// outcome if it is still at c.Version (ECONFLICT otherwise), with its
// audit entry; c gets the new version.
func (db *DB) UpdateComplaint(ctx context.Context, c *triage.Complaint, by int64) error {
	at := now()
	var updated triage.Complaint
	err := db.inTx(ctx, func(cn conn) error {
		cur, err := scanComplaint(cn.queryRow(ctx, complaintSelect+" WHERE id = $1"+db.forUpdate(), c.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "complaint %d not found", c.ID)
		}
		if err != nil {
			return err
		}
		if cur.Version != c.Version {
			return baqylau.Errorf(baqylau.ECONFLICT, "complaint %d was changed meanwhile (now version %d: filed %q, answered %q, outcome %q)",
				c.ID, cur.Version, cur.FiledOn, cur.AnsweredOn, cur.Outcome)
		}
		updated = cur
		updated.FiledOn, updated.AnsweredOn, updated.Outcome, updated.Version = c.FiledOn, c.AnsweredOn, c.Outcome, cur.Version+1
		if _, err := cn.exec(ctx, "UPDATE complaints SET filed_on = $1, answered_on = $2, outcome = $3, version = $4 WHERE id = $5",
			updated.FiledOn, updated.AnsweredOn, updated.Outcome, updated.Version, c.ID); err != nil {
			return err
		}
		before, err := json.Marshal(cur.AuditState())
		if err != nil {
			return err
		}
		after, err := json.Marshal(updated.AuditState())
		if err != nil {
			return err
		}
		return db.audit(ctx, cn, cur.IncidentID, by, "complaint:update", before, after, at)
	})
	if err != nil {
		return fmt.Errorf("store: update complaint %d: %w", c.ID, err)
	}
	*c = updated
	return nil
}

// Complaint returns one complaint (ENOTFOUND if none).
func (db *DB) Complaint(ctx context.Context, id int64) (triage.Complaint, error) {
	c, err := scanComplaint(db.reader().queryRow(ctx, complaintSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "complaint %d not found", id)
	}
	if err != nil {
		return triage.Complaint{}, fmt.Errorf("store: find complaint %d: %w", id, err)
	}
	return c, nil
}

// Complaints lists an incident's complaints, oldest first.
func (db *DB) Complaints(ctx context.Context, incidentID int64) ([]triage.Complaint, error) {
	list, err := func() ([]triage.Complaint, error) {
		rows, err := db.reader().query(ctx, complaintSelect+" WHERE incident_id = $1 ORDER BY id", incidentID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []triage.Complaint{}
		for rows.Next() {
			c, err := scanComplaint(rows)
			if err != nil {
				return nil, err
			}
			list = append(list, c)
		}
		return list, rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: complaints on incident %d: %w", incidentID, err)
	}
	return list, nil
}
