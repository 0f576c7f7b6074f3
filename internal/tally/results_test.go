package tally

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
)

var resultsElection = election.Election{ID: 1, Contests: []election.Contest{
	{ID: 7, Name: "Party lists", Options: []string{"Amanat", "Respublica"}},
	{ID: 8, Name: "Akim of Kishi", Region: "KZ-75", Options: []string{"Ivanov"}},
}}

func stationOK(code string, c election.Contest) bool {
	switch code {
	case "001":
		return true
	case "SF-1":
		return c.Region == ""
	}
	return false
}

const goodResults = "station,contest,option,votes\n" +
	"001,Party lists,registered,1500\n001,7,cast,1000\n001,7,valid,990\n001,7,invalid,10\n" +
	"001,7,Amanat,600\n001,party lists,respublica,390\n" +
	"SF-1,7,registered,310\nSF-1,7,cast,100\nSF-1,7,valid,100\nSF-1,7,invalid,0\nSF-1,7,Amanat,50\nSF-1,7,Respublica,50\n"

func TestParseOfficialResults(t *testing.T) {
	got, err := ParseOfficialResults(strings.NewReader(goodResults), "results.csv", resultsElection, stationOK)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Station != "001" || got[0].Votes["Respublica"] != 390 || got[0].Lines[LineCast] != 1000 || got[1].Contest != 7 {
		t.Errorf("protocols = %+v", got)
	}
}

func TestParseOfficialResultsRefuses(t *testing.T) {
	for _, c := range []struct {
		name, file string
		row        int
		column     string
		want       string
	}{
		{"empty", "", 0, "", "empty"},
		{"no rows", "station,contest,option,votes\n", 0, "", "no results"},
		{"missing column", "station,contest,votes\n001,7,1\n", 1, "option", "missing"},
		{"unknown column", "station,contest,option,votes,note\n001,7,cast,1,x\n", 1, "note", "not a column"},
		{"unknown contest", "station,contest,option,votes\n001,Senate,cast,1\n", 2, "contest", "not a contest"},
		{"unknown station", "station,contest,option,votes\n999,7,cast,1\n", 2, "station", "not a station"},
		{"contest not served", "station,contest,option,votes\nSF-1,8,cast,1\n", 2, "station", "serves"},
		{"unknown option", "station,contest,option,votes\n001,7,Nobody,1\n", 2, "option", "neither"},
		{"negative", "station,contest,option,votes\n001,7,cast,-1\n", 2, "votes", "whole number"},
		{"text", "station,contest,option,votes\n001,7,cast,many\n", 2, "votes", "whole number"},
		{"twice", "station,contest,option,votes\n001,7,cast,1\n001,7,CAST,2\n", 3, "option", "twice"},
		{"incomplete", "station,contest,option,votes\n001,7,cast,1\n", 2, "option", "lacks"},
	} {
		_, err := ParseOfficialResults(strings.NewReader(c.file), "r.csv", resultsElection, stationOK)
		var ie *election.ImportError
		if !errors.As(err, &ie) || baqylau.ErrorCode(err) != baqylau.EINVALID {
			t.Errorf("%s: error %v, want an EINVALID ImportError", c.name, err)
			continue
		}
		p := ie.Problems[0]
		if p.Row != c.row || p.Column != c.column || !strings.Contains(p.Message, c.want) {
			t.Errorf("%s: first problem %+v, want row %d column %q mentioning %q", c.name, p, c.row, c.column, c.want)
		}
	}
}

func countReport(id int64, station string, at time.Time, contest, cast int, votes string) report.Report {
	return report.Report{ID: id, StationCode: station, Form: report.Count, ObservedAt: at, Answers: map[string]json.RawMessage{
		"contest": json.RawMessage(itoa(contest)), "cast": json.RawMessage(itoa(cast)), "votes": json.RawMessage(votes)}}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestLatestProtocolsAndCompare(t *testing.T) {
	at := time.Date(2023, 3, 19, 16, 0, 0, 0, time.UTC)
	reports := []report.Report{
		countReport(3, "001", at.Add(time.Hour), 7, 1000, `{"Amanat":600,"Respublica":390}`),
		countReport(4, "001", at, 7, 900, `{"Amanat":500,"Respublica":390}`), // older observation, later arrival
		countReport(5, "SF-1", at, 7, 100, `{"Amanat":40,"Respublica":60}`),
		countReport(6, "002", at, 7, 10, `{"Amanat":5,"Respublica":5}`),
		{ID: 9, StationCode: "001", Form: report.Turnout},
	}
	observed := LatestProtocols(reports)
	if len(observed) != 3 || observed[ProtocolKey{"001", 7}].ReportID != 3 {
		t.Fatalf("latest = %+v", observed)
	}
	official, err := ParseOfficialResults(strings.NewReader(goodResults), "r.csv", resultsElection, stationOK)
	if err != nil {
		t.Fatal(err)
	}
	offMap := map[ProtocolKey]Protocol{}
	for _, p := range official {
		offMap[ProtocolKey{p.Station, p.Contest}] = p
	}
	list, offOnly, obsOnly := Compare(observed, offMap)
	if len(list) != 1 || list[0].Key.Station != "SF-1" || list[0].Largest != 10 || offOnly != 0 || obsOnly != 1 {
		t.Errorf("compare = %+v, %d, %d", list, offOnly, obsOnly)
	}
	sums := SumResults(resultsElection, observed)
	if sums[0].Stations != 3 || sums[0].Votes["Amanat"] != 645 || sums[1].Stations != 0 {
		t.Errorf("sums = %+v", sums)
	}
	if p, ok := sums[0].Share("Amanat"); !ok || p != 58.6 {
		t.Errorf("share = %v %v", p, ok)
	}
}
