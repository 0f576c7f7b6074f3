package demo

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/baqylau/baqylau/internal/election"
)

// header is the header row of the stations file (DESIGN.md, fixed
// contract), in the order StationsCSV writes the columns.
var header = []string{
	"code", "name", "region", "district", "country", "city", "address", "timezone",
	"registered_voters", "opens_local", "closes_local", "latitude", "longitude",
}

// StationsCSV writes the demo's stations (the same as Load stores) as a
// stations file that `baqylau import stations` reads: a sample for users
// preparing their own. Home stations carry their derived time zone.
func StationsCSV(w io.Writer, opts Options) error {
	stations, err := Stations(opts)
	if err != nil {
		return err
	}
	return writeCSV(w, stations)
}

func writeCSV(w io.Writer, stations []election.Station) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("demo: write stations file: %w", err)
	}
	for _, s := range stations {
		row := []string{
			s.Code, s.Name, s.Region, s.District, s.Country, s.City, s.Address, s.TimeZone,
			strconv.Itoa(s.RegisteredVoters), s.Opens.String(), s.Closes.String(),
			coordinate(s.Latitude), coordinate(s.Longitude),
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("demo: write station %s: %w", s.Code, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("demo: write stations file: %w", err)
	}
	return nil
}

func coordinate(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}
