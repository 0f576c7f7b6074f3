package chart

import (
	"strings"
	"testing"
)

func TestHistogramStartsAtZero(t *testing.T) {
	svg := Histogram{ID: "h", Title: "Turnout", Desc: "Stations by turnout", XAxis: "Turnout, %", YAxis: "Stations",
		Counts: []int{0, 5, 17, 3}, From: 0, To: 3, Marks: []float64{1}}.SVG()
	els := parse(t, svg)
	if len(find(els, "polygon", "", "")) != 1 || len(find(els, "line", "stroke-dasharray", "2 3")) != 1 {
		t.Error("no histogram polygon or no mark")
	}
	ticks := find(els, "text", "class", "tick")
	if len(ticks) == 0 || ticks[0].Text != "0" {
		t.Errorf("the count axis does not start at 0: %+v", ticks)
	}
}

func TestDensityShadesEveryNonEmptyCell(t *testing.T) {
	cells := [][]int{{0, 1}, {10, 100}}
	svg := Density{ID: "d", Title: "Turnout and leader", Desc: "density", XAxis: "Turnout, %", YAxis: "Leader, %", Cells: cells}.SVG()
	els := parse(t, svg)
	var shaded int
	for _, e := range find(els, "rect", "", "") {
		if e.Attrs["fill"] != "#ffffff" && e.Attrs["fill"] != "none" && e.Attrs["width"] != "14" {
			shaded++
		}
	}
	if shaded != 3 {
		t.Errorf("%d shaded cells, want 3 (the three non-empty ones)", shaded)
	}
	if !strings.Contains(svg, densityShades[len(densityShades)-1]) {
		t.Error("the fullest cell is not drawn in the darkest shade")
	}
}
