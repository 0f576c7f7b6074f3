package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/tally"
)

var _ tally.ResultsStore = (*DB)(nil)

// countReportsWhere picks an election's count protocols. The form is
// written out, not a parameter, so that the partial index
// reports_count_protocols serves the query.
const countReportsWhere = " WHERE election_id = $1 AND form = 'count' ORDER BY observed_at, id"

// CountReports lists an election's count reports, oldest observation
// first.
func (db *DB) CountReports(ctx context.Context, electionID int64) ([]report.Report, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (report.Report, error) { return scanReport(sc) },
		reportSelect+countReportsWhere, electionID)
	if err != nil {
		return nil, fmt.Errorf("store: count reports of election %d: %w", electionID, err)
	}
	return list, nil
}

// Kinds of an official_results row.
const (
	resultLine   = "line"
	resultOption = "option"
)

// ReplaceOfficialResults stores official protocols in one transaction,
// replacing every line of the same stations and contests.
func (db *DB) ReplaceOfficialResults(ctx context.Context, electionID int64, protocols []tally.Protocol) error {
	at := db.timeArg(now())
	err := db.inTx(ctx, func(c conn) error {
		for _, p := range protocols {
			if _, err := c.exec(ctx, "DELETE FROM official_results WHERE election_id = $1 AND station_code = $2 AND contest_id = $3",
				electionID, p.Station, p.Contest); err != nil {
				return err
			}
			var rows [][]any
			for name, n := range p.Lines {
				rows = append(rows, []any{electionID, p.Station, p.Contest, resultLine, name, n, at})
			}
			for name, n := range p.Votes {
				rows = append(rows, []any{electionID, p.Station, p.Contest, resultOption, name, n, at})
			}
			if len(rows) == 0 {
				continue
			}
			var b strings.Builder
			b.WriteString("INSERT INTO official_results (election_id, station_code, contest_id, kind, name, votes, imported_at) VALUES ")
			args := make([]any, 0, 7*len(rows))
			for i, r := range rows {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(")
				for j := range r {
					if j > 0 {
						b.WriteString(", ")
					}
					fmt.Fprintf(&b, "$%d", len(args)+j+1)
				}
				b.WriteString(")")
				args = append(args, r...)
			}
			if _, err := c.exec(ctx, b.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: import official results of election %d: %w", electionID, err)
	}
	return nil
}

// OfficialResults returns an election's official protocols.
func (db *DB) OfficialResults(ctx context.Context, electionID int64) (map[tally.ProtocolKey]tally.Protocol, error) {
	out := map[tally.ProtocolKey]tally.Protocol{}
	err := func() error {
		rows, err := db.reader().query(ctx, "SELECT station_code, contest_id, kind, name, votes FROM official_results WHERE election_id = $1", electionID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k tally.ProtocolKey
			var kind, name string
			var n int64
			if err := rows.Scan(&k.Station, &k.Contest, &kind, &name, &n); err != nil {
				return err
			}
			p, ok := out[k]
			if !ok {
				p = tally.Protocol{Station: k.Station, Contest: k.Contest, Lines: map[string]int64{}, Votes: map[string]int64{}}
				out[k] = p
			}
			if kind == resultLine {
				p.Lines[name] = n
			} else {
				p.Votes[name] = n
			}
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: official results of election %d: %w", electionID, err)
	}
	return out, nil
}
