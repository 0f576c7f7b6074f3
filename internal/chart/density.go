package chart

import (
	"fmt"
	"math"
	"strings"
)

// Histogram is a histogram of counts over evenly spaced bins of a
// percentage (such as stations by turnout), drawn as a filled step line so
// that thousands of narrow bins stay legible and spikes show.
type Histogram struct {
	ID, Title, Desc string
	XAxis, YAxis    string
	// Counts are the bins, from From to To (inclusive bin centres).
	Counts   []int
	From, To float64
	// Marks draws a faint vertical line at each of these x values.
	Marks []float64
}

// Layout of a histogram or density plot.
const (
	histW      = 640
	histH      = 300
	histLeft   = 56
	histRight  = 16
	histTop    = 14
	histBottom = 48
)

// SVG draws the histogram; the count axis starts at zero.
func (c Histogram) SVG() string {
	maxV := 0
	for _, v := range c.Counts {
		maxV = max(maxV, v)
	}
	top := NiceMax(float64(maxV))
	var b strings.Builder
	open(&b, c.ID, c.Title, c.Desc, histW, histH)
	plotW, plotH := float64(histW-histLeft-histRight), float64(histH-histTop-histBottom)
	y0 := float64(histTop) + plotH
	span := c.To - c.From
	if span <= 0 {
		span = 1
	}
	sx := func(x float64) float64 { return histLeft + (x-c.From)/span*plotW }
	sy := func(v float64) float64 { return y0 - v/top*plotH }
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="0.5"/>`, histLeft, num(sy(v)), num(histLeft+plotW), num(sy(v)), faint)
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" font-size="11" fill="%s" %s class="tick">%s</text>`, histLeft-6, num(sy(v)+4), ink, font, esc(tick(v)))
	}
	for x := c.From; x <= c.To+1e-9; x += span / 10 {
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="11" fill="%s" %s>%s</text>`, num(sx(x)), num(y0+16), ink, font, esc(tick(math.Round(x))))
	}
	for _, m := range c.Marks {
		fmt.Fprintf(&b, `<line x1="%s" y1="%d" x2="%s" y2="%s" stroke="%s" stroke-width="0.5" stroke-dasharray="2 3"/>`, num(sx(m)), histTop, num(sx(m)), num(y0), faint)
	}
	if n := len(c.Counts); n > 0 {
		step := span / float64(max(n-1, 1))
		var pts []string
		pts = append(pts, num(sx(c.From-step/2))+","+num(y0))
		for i, v := range c.Counts {
			x := c.From + float64(i)*step
			pts = append(pts, num(sx(x-step/2))+","+num(sy(float64(v))), num(sx(x+step/2))+","+num(sy(float64(v))))
		}
		pts = append(pts, num(sx(c.To+step/2))+","+num(y0))
		fmt.Fprintf(&b, `<polygon points="%s" fill="%s" stroke="%s" stroke-width="0.6"/>`, strings.Join(pts, " "), barFill, barFill)
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" class="baseline"/>`, histLeft, num(y0), num(histLeft+plotW), num(y0), ink)
	fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="12" fill="%s" %s>%s</text>`, num(histLeft+plotW/2), num(y0+36), ink, font, esc(c.XAxis))
	fmt.Fprintf(&b, `<text x="12" y="%s" text-anchor="middle" font-size="12" fill="%s" %s transform="rotate(-90 12 %s)">%s</text>`, num(histTop+plotH/2), ink, font, num(histTop+plotH/2), esc(c.YAxis))
	b.WriteString("</svg>")
	return b.String()
}

// Density is a two-dimensional histogram: Cells[i][j] counts the items in
// the i-th bin of x and the j-th bin of y, both axes 0 to 100 (percent).
// Darker is more, on a logarithmic scale, so that a small second cluster
// (such as stations at high turnout and high leader's share) shows.
type Density struct {
	ID, Title, Desc string
	XAxis, YAxis    string
	Cells           [][]int
}

// densityShades go from paper to ink.
var densityShades = []string{"#eef4f8", "#cfe0ec", "#a9c8dd", "#7eabc9", "#5590b6", "#2f6690", "#1d4663", "#0f2638"}

// SVG draws the density plot.
func (c Density) SVG() string {
	maxV := 0
	for _, row := range c.Cells {
		for _, v := range row {
			maxV = max(maxV, v)
		}
	}
	var b strings.Builder
	size := float64(histH - histTop - histBottom)
	w := histLeft + int(size) + 120
	open(&b, c.ID, c.Title, c.Desc, w, histH)
	nx := len(c.Cells)
	y0 := float64(histTop) + size
	for i, row := range c.Cells {
		ny := len(row)
		for j, v := range row {
			if v == 0 {
				continue
			}
			k := 0
			if maxV > 1 {
				k = int(math.Log(float64(v)) / math.Log(float64(maxV)) * float64(len(densityShades)-1))
			}
			cw, ch := size/float64(nx), size/float64(ny)
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%d</title></rect>`,
				num(histLeft+float64(i)*cw), num(y0-float64(j+1)*ch), num(cw+0.3), num(ch+0.3), densityShades[k], v)
		}
	}
	for i := 0; i <= 4; i++ {
		v := 25 * float64(i)
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="11" fill="%s" %s>%s</text>`, num(histLeft+v/100*size), num(y0+16), ink, font, tick(v))
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" font-size="11" fill="%s" %s>%s</text>`, histLeft-6, num(y0-v/100*size+4), ink, font, tick(v))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%s" height="%s" fill="none" stroke="%s" stroke-width="1"/>`, histLeft, histTop, num(size), num(size), ink)
	fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="12" fill="%s" %s>%s</text>`, num(histLeft+size/2), num(y0+36), ink, font, esc(c.XAxis))
	fmt.Fprintf(&b, `<text x="12" y="%s" text-anchor="middle" font-size="12" fill="%s" %s transform="rotate(-90 12 %s)">%s</text>`, num(histTop+size/2), ink, font, num(histTop+size/2), esc(c.YAxis))
	// The legend: one swatch per shade, fewest at the top.
	lx := histLeft + int(size) + 20
	for k, shade := range densityShades {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/>`, lx, histTop+k*18, shade)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="%s" %s>1</text>`, lx+20, histTop+11, ink, font)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="%s" %s>%d</text>`, lx+20, histTop+(len(densityShades)-1)*18+11, ink, font, max(maxV, 1))
	b.WriteString("</svg>")
	return b.String()
}
