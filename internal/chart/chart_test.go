package chart

import (
	"encoding/xml"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/election"
)

// element is a parsed SVG element.
type element struct {
	Name  string
	Attrs map[string]string
	Text  string
}

// parse checks that svg is well-formed XML and returns its elements.
func parse(t *testing.T, svg string) []element {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	var list []element
	var stack []int
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			e := element{Name: v.Name.Local, Attrs: map[string]string{}}
			for _, a := range v.Attr {
				e.Attrs[a.Name.Local] = a.Value
			}
			list = append(list, e)
			stack = append(stack, len(list)-1)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				list[stack[len(stack)-1]].Text += string(v)
			}
		}
	}
	if len(list) == 0 || list[0].Name != "svg" || list[0].Attrs["role"] != "img" {
		t.Fatalf("not an accessible svg: %s", svg)
	}
	if list[1].Name != "title" || list[1].Text == "" || list[2].Name != "desc" || list[2].Text == "" {
		t.Errorf("the svg lacks a <title> and a <desc> first")
	}
	return list
}

func find(list []element, name, attr, value string) []element {
	var out []element
	for _, e := range list {
		if e.Name == name && (attr == "" || e.Attrs[attr] == value) {
			out = append(out, e)
		}
	}
	return out
}

func TestBarsStartAtZero(t *testing.T) {
	c := Bars{ID: "inc", Title: "Incidents by category <&>", Desc: "Counts", Axis: "Incidents",
		Bars: []Bar{{Label: "Ballot stuffing", Value: 12}, {Label: "Pressure \"on\" voters", Value: 3}, {Label: "None", Value: 0}}}
	list := parse(t, c.SVG())
	base := find(list, "line", "class", "baseline")
	if len(base) != 1 {
		t.Fatalf("no baseline")
	}
	x0 := base[0].Attrs["x1"]
	bars := find(list, "rect", "height", "22")
	if len(bars) != 3 {
		t.Fatalf("%d bars, want 3", len(bars))
	}
	for _, b := range bars {
		if b.Attrs["x"] != x0 {
			t.Errorf("a bar starts at x=%s, not at the zero baseline %s", b.Attrs["x"], x0)
		}
	}
	if bars[2].Attrs["width"] != "0" {
		t.Errorf("a zero bar has width %s", bars[2].Attrs["width"])
	}
	ticks := find(list, "text", "class", "tick")
	if ticks[0].Text != "0" || ticks[0].Attrs["x"] != x0 || ticks[len(ticks)-1].Text != "20" {
		t.Errorf("ticks %v: the axis must run from 0 to a round 20", ticks)
	}
	if !strings.Contains(list[1].Text, "<&>") {
		t.Errorf("title lost its text: %q", list[1].Text)
	}
}

func TestLineStartsAtZero(t *testing.T) {
	c := Line{ID: "t", Title: "Turnout over the day", Desc: "Turnout at each checkpoint", XAxis: "Astana time", YAxis: "Turnout, %",
		Labels: []string{"10:00", "12:00", "14:00"}, Values: []float64{20.5, 41.8, 60}, Max: 100}
	list := parse(t, c.SVG())
	base := find(list, "line", "class", "baseline")
	ticks := find(list, "text", "class", "tick")
	if len(base) != 1 || ticks[0].Text != "0" || ticks[len(ticks)-1].Text != "100" {
		t.Fatalf("axis ticks %v", ticks)
	}
	// The zero tick sits on the baseline (its text 4 px below the line).
	if got := find(list, "circle", "", ""); len(got) != 3 {
		t.Errorf("%d points, want 3", len(got))
	}
	if parse(t, Line{ID: "e", Title: "x", Desc: "y"}.SVG()) == nil {
		t.Error("empty line chart")
	}
}

func TestTileMapCoversTheTwentyUnits(t *testing.T) {
	var codes []string
	for _, r := range election.Regions(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
		codes = append(codes, r.Code)
	}
	grid := GridCodes()
	slices.Sort(codes)
	sorted := slices.Clone(grid)
	slices.Sort(sorted)
	if !slices.Equal(codes, sorted) || len(grid) != 20 {
		t.Fatalf("the grid has %v, the regions are %v", sorted, codes)
	}
	seen := map[[2]int]bool{}
	for _, tl := range gridTiles() {
		if seen[[2]int{tl.Col, tl.Row}] {
			t.Errorf("two tiles at %d,%d", tl.Col, tl.Row)
		}
		seen[[2]int{tl.Col, tl.Row}] = true
	}
	m := TileMap{ID: "map", Title: "Turnout by region", Desc: "d", Legend: "Turnout, %", NoData: "no data",
		Tiles: map[string]TileValue{"KZ-75": {Name: "Almaty", Short: "ALA", Value: 61.2, Text: "61.2", HasValue: true},
			"KZ-11": {Name: "Akmola", Value: 0, Text: "0", HasValue: true}}}
	list := parse(t, m.SVG())
	if n := len(find(list, "g", "class", "tile")); n != 20 {
		t.Errorf("%d tiles, want 20", n)
	}
	legend := find(list, "rect", "class", "legend")
	if len(legend) != len(shades) {
		t.Errorf("legend has %d classes", len(legend))
	}
	if !strings.Contains(m.SVG(), "0–20") {
		t.Errorf("the legend does not start at zero")
	}
}

func gridTiles() []tile { return grid }

func TestWorld(t *testing.T) {
	w := World{ID: "w", Title: "Stations abroad", Desc: "d", Dots: []Dot{{Label: "San Francisco", Lat: 37.77, Lon: -122.42}, {Label: "bad", Lat: 100}}}
	list := parse(t, w.SVG())
	dots := find(list, "circle", "class", "dot")
	if len(dots) != 1 || dots[0].Attrs["cx"] != "115.2" || dots[0].Attrs["cy"] != "104.5" {
		t.Errorf("dots = %v", dots)
	}
}

func TestNiceMax(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 0.5: 1, 3: 5, 12: 20, 21: 25, 100: 100, 101: 200, 4200: 5000} {
		if got := NiceMax(in); got != want {
			t.Errorf("NiceMax(%v) = %v, want %v", in, got, want)
		}
	}
}
