package chart

import (
	"fmt"
	"math"
	"strings"
)

// tile places a unit of Kazakhstan on the schematic grid: column from
// west to east, row from north to south, roughly where it lies.
type tile struct {
	Code     string
	Col, Row int
	City     bool
}

// Grid is the fixed layout of the 20 units: 17 regions and the cities of
// Astana, Almaty and Shymkent as tiles of their own (no openly licensed
// boundaries show the 2022 regions, so the map is schematic).
var grid = []tile{
	{"KZ-39", 3, 0, false}, {"KZ-59", 4, 0, false}, {"KZ-55", 5, 0, false},
	{"KZ-27", 0, 1, false}, {"KZ-15", 1, 1, false}, {"KZ-11", 3, 1, false}, {"KZ-71", 4, 1, true}, {"KZ-10", 5, 1, false}, {"KZ-63", 6, 1, false},
	{"KZ-23", 0, 2, false}, {"KZ-62", 2, 2, false}, {"KZ-35", 3, 2, false}, {"KZ-33", 5, 2, false},
	{"KZ-47", 0, 3, false}, {"KZ-43", 1, 3, false}, {"KZ-31", 3, 3, false}, {"KZ-19", 4, 3, false}, {"KZ-75", 5, 3, true},
	{"KZ-61", 2, 4, false}, {"KZ-79", 3, 4, true},
}

// GridCodes returns the region codes the tile map draws, in grid order.
func GridCodes() []string {
	out := make([]string, len(grid))
	for i, t := range grid {
		out[i] = t.Code
	}
	return out
}

// TileValue is what a tile shows.
type TileValue struct {
	// Name is the unit's name in the page's language; Short its label on
	// the tile (a few letters).
	Name, Short string
	Value       float64
	// Text is the value as written (e.g. "61,2 %"); HasValue false shows
	// the tile as "no data".
	Text     string
	HasValue bool
}

// TileMap is the schematic map of Kazakhstan shaded by a value (turnout,
// incident rate) on a sequential scale from zero.
type TileMap struct {
	ID, Title, Desc string
	Tiles           map[string]TileValue // by region code
	// Max is the top of the scale (0: a round number above the largest
	// value). The scale starts at zero.
	Max float64
	// Legend names the value; NoData labels tiles without a value.
	Legend, NoData string
}

// shades is a sequential scale, light to dark (ColorBrewer Blues).
var shades = []string{"#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"}

const (
	tileSize = 84
	tileGap  = 4
	mapLeft  = 8
	mapTop   = 8
	noData   = "#eeeeee"
)

// SVG draws the map with its legend.
func (m TileMap) SVG() string {
	maxV := m.Max
	if maxV == 0 {
		for _, t := range m.Tiles {
			if t.HasValue {
				maxV = math.Max(maxV, t.Value)
			}
		}
		maxV = NiceMax(maxV)
	}
	w := mapLeft*2 + 7*(tileSize+tileGap)
	legendY := mapTop + 5*(tileSize+tileGap) + 10
	h := legendY + 56
	var b strings.Builder
	open(&b, m.ID, m.Title, m.Desc, w, h)
	for _, t := range grid {
		v := m.Tiles[t.Code]
		x, y := mapLeft+t.Col*(tileSize+tileGap), mapTop+t.Row*(tileSize+tileGap)
		fill, text := noData, ink
		if v.HasValue {
			i := shadeIndex(v.Value, maxV)
			fill = shades[i]
			if i >= 3 {
				text = "#ffffff"
			}
		}
		shown := v.Text
		if !v.HasValue {
			shown = m.NoData
		}
		name := v.Name
		if name == "" {
			name = t.Code
		}
		short := v.Short
		if short == "" {
			short = t.Code
		}
		stroke, sw, rx := "#ffffff", "1", "2"
		if t.City {
			stroke, sw, rx = ink, "2", "14"
		}
		fmt.Fprintf(&b, `<g class="tile" data-code="%s"><title>%s: %s</title>`, esc(t.Code), esc(name), esc(shown))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="%s" fill="%s" stroke="%s" stroke-width="%s"/>`, x, y, tileSize, tileSize, rx, fill, stroke, sw)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="13" font-weight="bold" fill="%s" %s>%s</text>`,
			x+tileSize/2, y+tileSize/2-4, text, font, esc(shorten(short, 9)))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="12" fill="%s" %s>%s</text></g>`,
			x+tileSize/2, y+tileSize/2+14, text, font, esc(shorten(shown, 10)))
	}
	// Legend: the five classes from zero, then "no data".
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="%s" %s>%s</text>`, mapLeft, legendY+10, ink, font, esc(m.Legend))
	for i, s := range shades {
		x := mapLeft + i*70
		lo, hi := maxV*float64(i)/float64(len(shades)), maxV*float64(i+1)/float64(len(shades))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="66" height="14" fill="%s" stroke="%s" stroke-width="0.5" class="legend"/>`, x, legendY+18, s, faint)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="%s" %s>%s–%s</text>`, x, legendY+46, ink, font, tick(lo), tick(hi))
	}
	x := mapLeft + len(shades)*70 + 10
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="30" height="14" fill="%s" stroke="%s" stroke-width="0.5"/>`, x, legendY+18, noData, faint)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="%s" %s>%s</text>`, x+36, legendY+30, ink, font, esc(m.NoData))
	b.WriteString("</svg>")
	return b.String()
}

// shadeIndex puts v into one of the classes of [0, max].
func shadeIndex(v, maxV float64) int {
	if maxV <= 0 || v <= 0 {
		return 0
	}
	i := int(v / maxV * float64(len(shades)))
	return min(max(i, 0), len(shades)-1)
}

// Dot is a place on the world view.
type Dot struct {
	Label    string
	Lat, Lon float64
}

// World is a simple equirectangular dot plot of places (stations abroad),
// with a graticule every 30° and no coastlines.
type World struct {
	ID, Title, Desc string
	Dots            []Dot
}

const (
	worldW = 720
	worldH = 360
)

// SVG draws the view.
func (wv World) SVG() string {
	var b strings.Builder
	open(&b, wv.ID, wv.Title, wv.Desc, worldW, worldH)
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#f4f8fb" stroke="%s"/>`, worldW, worldH, faint)
	for lon := -150; lon <= 150; lon += 30 {
		x := float64(lon+180) * worldW / 360
		fmt.Fprintf(&b, `<line x1="%s" y1="0" x2="%s" y2="%d" stroke="%s" stroke-width="0.5"/>`, num(x), num(x), worldH, faint)
	}
	for lat := -60; lat <= 60; lat += 30 {
		y := float64(90-lat) * worldH / 180
		wdt := "0.5"
		if lat == 0 {
			wdt = "1"
		}
		fmt.Fprintf(&b, `<line x1="0" y1="%s" x2="%d" y2="%s" stroke="%s" stroke-width="%s"/>`, num(y), worldW, num(y), faint, wdt)
	}
	for _, d := range wv.Dots {
		if d.Lat < -90 || d.Lat > 90 || d.Lon < -180 || d.Lon > 180 {
			continue
		}
		x, y := (d.Lon+180)*worldW/360, (90-d.Lat)*worldH/180
		fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="4" fill="%s" stroke="#ffffff" stroke-width="1" class="dot"><title>%s</title></circle>`,
			num(x), num(y), barFill, esc(d.Label))
	}
	b.WriteString("</svg>")
	return b.String()
}
