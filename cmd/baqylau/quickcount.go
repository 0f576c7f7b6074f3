package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/quickcount"
)

// quickcountRedraw draws the quick-count sample of a design from a
// stations file (or an election's stations) and prints it as CSV, so that
// anyone can check a published sample with the published seed. It stores
// nothing.
func (e env) quickcountRedraw(ctx context.Context, args []string) error {
	fs, dsn := e.flags("quickcount redraw")
	id := fs.Int64("election", 0, "read the stations of this election from the database instead of a FILE")
	var d quickcount.Design
	fs.StringVar(&d.Seed, "seed", "", "the published seed (required)")
	fs.Float64Var(&d.Margin, "margin", quickcount.DefaultMargin, "margin of error wanted, percentage points")
	fs.Float64Var(&d.Confidence, "confidence", quickcount.DefaultConfidence, "confidence, such as 0.95")
	fs.Float64Var(&d.Turnout, "turnout", quickcount.DefaultTurnout, "expected turnout, a fraction")
	fs.Float64Var(&d.ICC, "icc", quickcount.DefaultICC, "intra-station correlation")
	fs.Float64Var(&d.ReserveShare, "reserve-share", quickcount.DefaultReserveShare, "reserve stations per sample station")
	fs.IntVar(&d.Stations, "stations", 0, "sample size in stations (0: the size the margin gives)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if d.Seed == "" || (*id > 0) == (fs.NArg() == 1) || fs.NArg() > 1 {
		return usagef("quickcount redraw needs --seed S and either one stations FILE or --election ID")
	}
	var stations []election.Station
	if *id > 0 {
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		if stations, err = db.AllStations(ctx, *id); err != nil {
			return err
		}
	} else {
		path := fs.Arg(0)
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if stations, err = election.ParseStations(f, filepath.Base(path)); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	s, err := quickcount.Draw(d, stations)
	if err != nil {
		return err
	}
	w := csv.NewWriter(e.stdout)
	_ = w.Write([]string{"station", "stratum", "role", "rank"})
	for _, m := range s.Members {
		_ = w.Write([]string{m.Code, m.Stratum, m.Role, strconv.Itoa(m.Rank)})
	}
	w.Flush()
	return w.Error()
}
