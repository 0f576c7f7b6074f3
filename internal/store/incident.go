package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
)

// incidentCols are the columns SaveIncidents writes, in order; client_id
// comes first (see insertIdempotent).
var incidentCols = []string{"client_id", "election_id", "station_code", "region", "category", "severity",
	"description", "status", "observer_id", "entered_by", "channel", "observed_at", "received_at", "flags", "receipt"}

// SaveIncidents stores a batch of incidents in one transaction and returns
// their acks in the order of the batch, skipping client ids already stored
// or seen earlier in the batch as SaveReports does. An incident without a
// Region goes to its station's region (report.RegionAbroad for a station
// abroad; ENOTFOUND if the station does not exist); one without a Status
// is new. A zero ReceivedAt means now.
func (db *DB) SaveIncidents(ctx context.Context, batch []report.IncidentReport) ([]report.Ack, error) {
	if len(batch) == 0 {
		return []report.Ack{}, nil
	}
	received := now()
	ids := make([]string, len(batch))
	first := make([]int, len(batch))
	seen := make(map[string]int, len(batch))
	for i, in := range batch {
		ids[i] = in.ClientID
		if err := checkClientID(in.ClientID); err != nil {
			return nil, fmt.Errorf("store: save incidents: incident %d: %w", i+1, err)
		}
		if j, dup := seen[in.ClientID]; dup {
			first[i] = j
			continue
		}
		seen[in.ClientID], first[i] = i, i
	}
	acks := make([]report.Ack, len(batch))
	err := db.inTx(ctx, func(c conn) error {
		regions := map[stationKey]string{}
		rows := make([][]any, 0, len(seen))
		for i, in := range batch {
			if first[i] != i {
				continue
			}
			if in.Region == "" {
				k := stationKey{in.ElectionID, in.StationCode}
				region, ok := regions[k]
				if !ok {
					var err error
					if region, err = stationRegion(ctx, c, k); err != nil {
						return fmt.Errorf("incident %d (%s): %w", i+1, in.ClientID, err)
					}
					regions[k] = region
				}
				in.Region = region
			}
			if in.Status == "" {
				in.Status = report.StatusNew
			}
			flags, err := flagsJSON(in.Flags)
			if err != nil {
				return fmt.Errorf("incident %d (%s): %w", i+1, in.ClientID, err)
			}
			rec := received
			if !in.ReceivedAt.IsZero() {
				rec = in.ReceivedAt
			}
			receipt := report.IncidentReceipt(in)
			acks[i] = report.Ack{Receipt: receipt, Flags: in.Flags}
			rows = append(rows, []any{in.ClientID, in.ElectionID, in.StationCode, in.Region, in.Category,
				string(in.Severity), in.Description, string(in.Status), nullID(in.ObserverID), nullID(in.EnteredBy),
				string(in.Channel), db.timeArg(in.ObservedAt), db.timeArg(rec), flags, receipt})
		}
		if err := insertIdempotent(ctx, c, "incidents", incidentCols, rows, ids, first, acks); err != nil {
			return err
		}
		return db.logIncidents(ctx, c, acks) // tamper-evident log (ledger.go)
	})
	if err != nil {
		return nil, fmt.Errorf("store: save %d incidents: %w", len(batch), err)
	}
	return acks, nil
}

// stationKey names a station.
type stationKey struct {
	election int64
	code     string
}

// stationRegion returns the queue of a station's incidents: its region,
// or report.RegionAbroad.
func stationRegion(ctx context.Context, c conn, k stationKey) (string, error) {
	var region, country string
	err := c.queryRow(ctx, "SELECT region, country FROM stations WHERE election_id = $1 AND code = $2",
		k.election, k.code).Scan(&region, &country)
	if errors.Is(err, sql.ErrNoRows) {
		return "", baqylau.Errorf(baqylau.ENOTFOUND, "station %q not found in election %d", k.code, k.election)
	}
	if err != nil {
		return "", err
	}
	if country != election.HomeCountry {
		return report.RegionAbroad, nil
	}
	return region, nil
}

const incidentSelect = "SELECT id, client_id, election_id, station_code, region, category, severity, description, " +
	"status, observer_id, entered_by, channel, observed_at, received_at, flags, receipt FROM incidents"

func scanIncident(sc interface{ Scan(...any) error }) (report.IncidentReport, error) {
	var in report.IncidentReport
	var severity, status, channel, flags string
	var observer, enteredBy sql.NullInt64
	err := sc.Scan(&in.ID, &in.ClientID, &in.ElectionID, &in.StationCode, &in.Region, &in.Category, &severity,
		&in.Description, &status, &observer, &enteredBy, &channel, timeScan{&in.ObservedAt}, timeScan{&in.ReceivedAt},
		&flags, &in.Receipt)
	if err != nil {
		return in, err
	}
	in.Severity, in.Status, in.Channel = report.Severity(severity), report.IncidentStatus(status), report.Channel(channel)
	in.ObserverID, in.EnteredBy = observer.Int64, enteredBy.Int64
	if in.Flags, err = parseFlags(flags); err != nil {
		return in, fmt.Errorf("incident %d: %w", in.ID, err)
	}
	return in, nil
}

// Incident returns one incident (ENOTFOUND if none).
func (db *DB) Incident(ctx context.Context, id int64) (report.IncidentReport, error) {
	in, err := scanIncident(db.reader().queryRow(ctx, incidentSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "incident %d not found", id)
	}
	if err != nil {
		return report.IncidentReport{}, fmt.Errorf("store: find incident %d: %w", id, err)
	}
	return in, nil
}

// Incidents returns one page of the incidents matching q, newest received
// first, and how many match in all. The page holds 50 incidents unless
// q.Limit says otherwise, and at most 500.
func (db *DB) Incidents(ctx context.Context, q report.IncidentQuery) ([]report.IncidentReport, int, error) {
	var args params
	where := " WHERE 1 = 1"
	if q.ElectionID != 0 {
		where += " AND election_id = " + args.add(q.ElectionID)
	}
	if q.Region != "" {
		where += " AND region = " + args.add(q.Region)
	}
	if q.Status != "" {
		where += " AND status = " + args.add(string(q.Status))
	}
	if q.Station != "" {
		where += " AND station_code = " + args.add(q.Station)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	offset := max(q.Offset, 0)
	c := db.reader()
	var total int
	list, err := func() ([]report.IncidentReport, error) {
		if err := c.queryRow(ctx, "SELECT COUNT(*) FROM incidents"+where, args...).Scan(&total); err != nil {
			return nil, err
		}
		page := append(params{}, args...)
		rows, err := c.query(ctx, incidentSelect+where+" ORDER BY received_at DESC, id DESC LIMIT "+
			page.add(limit)+" OFFSET "+page.add(offset), page...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []report.IncidentReport{}
		for rows.Next() {
			in, err := scanIncident(rows)
			if err != nil {
				return nil, err
			}
			list = append(list, in)
		}
		return list, rows.Err()
	}()
	if err != nil {
		return nil, 0, fmt.Errorf("store: list incidents: %w", err)
	}
	return list, total, nil
}
