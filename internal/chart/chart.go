// Package chart draws small charts as SVG on the server: bar charts, a
// line over time, a schematic tile map of Kazakhstan's 20 first-level
// units and a world dot plot. Every chart is labelled, has a <title> and a
// <desc> for screen readers, needs no script or style sheet (so it reads
// the same in print) and starts its value axis at zero, since a cut axis
// makes small differences in turnout look large.
package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Ink and paper colours: dark grey on white passes WCAG AA contrast.
const (
	ink     = "#1f2933"
	faint   = "#9aa5b1"
	barFill = "#2f6690"
	font    = "font-family=\"system-ui, sans-serif\""
)

// esc escapes text for XML content and attribute values.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
				continue // not allowed in XML 1.0
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// num writes a coordinate with at most one decimal.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// open starts an SVG document with its accessible name and description.
func open(b *strings.Builder, id, title, desc string, w, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="%s-title %s-desc" class="chart">`,
		w, h, esc(id), esc(id))
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
	fmt.Fprintf(b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, w, h)
}

// NiceMax returns a round upper bound for an axis that shows v: 1, 2, 2.5
// or 5 times a power of ten (at least 1).
func NiceMax(v float64) float64 {
	if v <= 1 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// Bar is one bar: a label, its value and how the value is written.
type Bar struct {
	Label string
	Value float64
	// Text is the value as shown next to the bar (default: the number).
	Text string
}

// Bars is a horizontal bar chart.
type Bars struct {
	ID, Title, Desc string
	// Axis names the value axis, e.g. "Incidents" or "Turnout, %".
	Axis string
	Bars []Bar
	// Max is the end of the value axis (0: a round number above the
	// largest value). The axis always starts at zero.
	Max float64
}

// Layout of a bar chart.
const (
	barsWidth  = 640
	barsLabelW = 210
	barsRight  = 70
	barHeight  = 22
	barGap     = 8
	barsTop    = 10
	barsAxisH  = 44
)

// SVG draws the chart.
func (c Bars) SVG() string {
	maxV := c.Max
	for _, b := range c.Bars {
		if b.Value > maxV && c.Max == 0 {
			maxV = b.Value
		}
	}
	if c.Max == 0 {
		maxV = NiceMax(maxV)
	}
	plotW := float64(barsWidth - barsLabelW - barsRight)
	h := barsTop + len(c.Bars)*(barHeight+barGap) + barsAxisH
	var b strings.Builder
	open(&b, c.ID, c.Title, c.Desc, barsWidth, h)
	x0 := float64(barsLabelW)
	scale := func(v float64) float64 { return x0 + math.Max(0, math.Min(v, maxV))/maxV*plotW }
	axisY := float64(barsTop + len(c.Bars)*(barHeight+barGap))
	// Grid and ticks: five steps from zero.
	for i := 0; i <= 4; i++ {
		v := maxV * float64(i) / 4
		x := scale(v)
		fmt.Fprintf(&b, `<line x1="%s" y1="%d" x2="%s" y2="%s" stroke="%s" stroke-width="0.5"/>`, num(x), barsTop, num(x), num(axisY), faint)
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="11" fill="%s" %s class="tick">%s</text>`,
			num(x), num(axisY+14), ink, font, esc(tick(v)))
	}
	for i, bar := range c.Bars {
		y := float64(barsTop + i*(barHeight+barGap))
		text := bar.Text
		if text == "" {
			text = tick(bar.Value)
		}
		w := scale(bar.Value) - x0
		fmt.Fprintf(&b, `<g class="bar"><title>%s: %s</title>`, esc(bar.Label), esc(text))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" font-size="12" fill="%s" %s>%s</text>`,
			num(x0-6), num(y+barHeight/2+4), ink, font, esc(shorten(bar.Label, 32)))
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%d" fill="%s"/>`, num(x0), num(y), num(w), barHeight, barFill)
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="12" fill="%s" %s>%s</text></g>`, num(x0+w+4), num(y+barHeight/2+4), ink, font, esc(text))
	}
	// The zero baseline, drawn last so that it is on top.
	fmt.Fprintf(&b, `<line x1="%s" y1="%d" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" class="baseline"/>`, num(x0), barsTop, num(x0), num(axisY), ink)
	fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="12" fill="%s" %s>%s</text>`,
		num(x0+plotW/2), num(axisY+34), ink, font, esc(c.Axis))
	b.WriteString("</svg>")
	return b.String()
}

// tick writes an axis value: whole numbers without decimals.
func tick(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Line is a line chart of values at labelled, evenly spaced moments (such
// as turnout at each checkpoint of the day).
type Line struct {
	ID, Title, Desc string
	// XAxis and YAxis name the axes.
	XAxis, YAxis string
	// Labels name the points (e.g. "10:00"); Values are their values.
	Labels []string
	Values []float64
	// Max is the end of the value axis (0: a round number above the
	// largest value; 100 suits percentages). The axis starts at zero.
	Max float64
}

// Layout of a line chart.
const (
	lineW      = 640
	lineH      = 300
	lineLeft   = 56
	lineRight  = 16
	lineTop    = 14
	lineBottom = 56
)

// SVG draws the chart.
func (c Line) SVG() string {
	maxV := c.Max
	if maxV == 0 {
		for _, v := range c.Values {
			maxV = math.Max(maxV, v)
		}
		maxV = NiceMax(maxV)
	}
	var b strings.Builder
	open(&b, c.ID, c.Title, c.Desc, lineW, lineH)
	plotW, plotH := float64(lineW-lineLeft-lineRight), float64(lineH-lineTop-lineBottom)
	y0 := float64(lineTop) + plotH
	sy := func(v float64) float64 { return y0 - math.Max(0, math.Min(v, maxV))/maxV*plotH }
	n := len(c.Values)
	sx := func(i int) float64 {
		if n <= 1 {
			return lineLeft + plotW/2
		}
		return lineLeft + float64(i)/float64(n-1)*plotW
	}
	for i := 0; i <= 4; i++ {
		v := maxV * float64(i) / 4
		y := sy(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="0.5"/>`, lineLeft, num(y), num(lineLeft+plotW), num(y), faint)
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" font-size="11" fill="%s" %s class="tick">%s</text>`, lineLeft-6, num(y+4), ink, font, esc(tick(v)))
	}
	step := max(1, (n+7)/8) // at most about eight labels
	for i, l := range c.Labels {
		if i >= n || i%step != 0 && i != n-1 {
			continue
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="11" fill="%s" %s>%s</text>`, num(sx(i)), num(y0+16), ink, font, esc(l))
	}
	if n > 0 {
		var pts []string
		for i, v := range c.Values {
			pts = append(pts, num(sx(i))+","+num(sy(v)))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"/>`, strings.Join(pts, " "), barFill)
		for i, v := range c.Values {
			label := ""
			if i < len(c.Labels) {
				label = c.Labels[i]
			}
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3.5" fill="%s"><title>%s: %s</title></circle>`, num(sx(i)), num(sy(v)), barFill, esc(label), esc(tick(v)))
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" class="baseline"/>`, lineLeft, num(y0), num(lineLeft+plotW), num(y0), ink)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%s" stroke="%s" stroke-width="1"/>`, lineLeft, lineTop, lineLeft, num(y0), ink)
	fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle" font-size="12" fill="%s" %s>%s</text>`, num(lineLeft+plotW/2), lineH-12, ink, font, esc(c.XAxis))
	fmt.Fprintf(&b, `<text x="14" y="%s" text-anchor="middle" font-size="12" fill="%s" %s transform="rotate(-90 14 %s)">%s</text>`,
		num(lineTop+plotH/2), ink, font, num(lineTop+plotH/2), esc(c.YAxis))
	b.WriteString("</svg>")
	return b.String()
}
