// Package badge prints accreditation badges for observers and journalists
// as an A4 PDF: eight 90×60 mm cards a page, with cut lines, ready to be
// cut out and laminated.
//
// A card shows only what a polling-station official needs to check an
// accreditation: name, organisation, mission, number, validity, photo and
// a QR code leading to the public verification page. Personal data (phone,
// e-mail, ID numbers) has no field here and so can never be printed.
package badge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
)

// Card is one badge. Texts are printed as given: the caller formats dates
// and chooses the language of names.
type Card struct {
	Name         string
	Organization string
	Mission      string
	// Number is the accreditation number; it also names the card in errors.
	Number string
	// Kind is "observer" or "journalist".
	Kind string
	// ValidUntil is printed as is, already formatted by the caller.
	ValidUntil string
	// Photo is a JPEG or PNG image, optional. It is checked, cropped to
	// 3:4 and re-encoded; the original bytes never reach the PDF.
	Photo []byte
	// VerifyURL is encoded in the QR code; empty for no code.
	VerifyURL string
	// Lang is the language of the fixed labels: kk, ru or en ("" is kk).
	Lang string
}

// Kinds of accredited person.
const (
	KindObserver   = "observer"
	KindJournalist = "journalist"
)

// ErrNoCards is returned by Render for an empty list.
var ErrNoCards = errors.New("badge: no cards to print")

// labels are the fixed texts of a card in each language.
type labels struct {
	title, observer, journalist, organization, mission, number, validUntil string
}

var labelsByLang = map[string]labels{
	"kk": {"АККРЕДИТТЕУ", "Байқаушы", "Журналист", "Ұйым", "Миссия", "Аккредиттеу нөмірі", "Жарамдылық мерзімі"},
	"ru": {"АККРЕДИТАЦИЯ", "Наблюдатель", "Журналист", "Организация", "Миссия", "Номер аккредитации", "Действительна до"},
	"en": {"ACCREDITATION", "Observer", "Journalist", "Organisation", "Mission", "Accreditation number", "Valid until"},
}

// Page and card geometry in millimetres.
const (
	pageW, pageH = 210.0, 297.0
	cardW, cardH = 90.0, 60.0
	cols, rows   = 2, 4
	perPage      = cols * rows
	gridX        = (pageW - cols*cardW) / 2
	gridY        = (pageH - rows*cardH) / 2
	pad          = 4.0 // inner margin of a card

	bandH = 10.0 // header band

	nameY, nameH = 11.0, 12.0 // name box, below the band

	lowerY             = 24.5 // top of the photo / fields / QR area
	photoWmm, photoHmm = 20.0, 20.0 * 4 / 3
	qrMM               = 26.0 // QR image with its quiet zone; the code itself is ~20–22 mm

	fontFamily = "dejavu"
	ptToMM     = 25.4 / 72
	lineFactor = 1.15
)

// Render writes a PDF with one badge per card, eight to an A4 page, in the
// order given. It fails on the first card that cannot be printed (unknown
// kind or language, no name, a bad photo, a URL too long for a QR code)
// and then writes nothing.
func Render(w io.Writer, cards []Card) error {
	if len(cards) == 0 {
		return ErrNoCards
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCellMargin(0)
	pdf.SetTitle("Accreditation badges", true)
	pdf.SetCreator("Baqylau", true)
	pdf.AddUTF8FontFromBytes(fontFamily, "", dejavusans.TTF)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", dejavusansbold.TTF)
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("badge: load fonts: %w", err)
	}
	for i, c := range cards {
		if i%perPage == 0 {
			pdf.AddPage()
			drawCutMarks(pdf, min(perPage, len(cards)-i))
		}
		slot := i % perPage
		x := gridX + float64(slot%cols)*cardW
		y := gridY + float64(slot/cols)*cardH
		if err := drawCard(pdf, i, c, x, y); err != nil {
			return fmt.Errorf("badge: card %s: %w", cardID(i, c), err)
		}
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("badge: card %s: pdf: %w", cardID(i, c), err)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("badge: write pdf: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("badge: write pdf: %w", err)
	}
	return nil
}

// cardID names a card in errors: its number, or its position if it has none.
func cardID(i int, c Card) string {
	if n := strings.TrimSpace(c.Number); n != "" {
		return fmt.Sprintf("%q", clean(n))
	}
	return fmt.Sprintf("#%d (no number)", i+1)
}

// drawCutMarks draws short marks outside the grid where the cards of a
// page with n cards are to be cut.
func drawCutMarks(pdf *fpdf.Fpdf, n int) {
	usedRows := (n + cols - 1) / cols
	usedCols := min(n, cols)
	const gap, mark = 1.5, 6.0
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.15)
	bottom := gridY + float64(usedRows)*cardH
	right := gridX + float64(usedCols)*cardW
	for c := 0; c <= usedCols; c++ {
		x := gridX + float64(c)*cardW
		pdf.Line(x, gridY-gap-mark, x, gridY-gap)
		pdf.Line(x, bottom+gap, x, bottom+gap+mark)
	}
	for r := 0; r <= usedRows; r++ {
		y := gridY + float64(r)*cardH
		pdf.Line(gridX-gap-mark, y, gridX-gap, y)
		pdf.Line(right+gap, y, right+gap+mark, y)
	}
}

// drawCard draws card number i with its top-left corner at x, y.
func drawCard(pdf *fpdf.Fpdf, i int, c Card, x, y float64) error {
	lang := c.Lang
	if lang == "" {
		lang = "kk"
	}
	lb, ok := labelsByLang[lang]
	if !ok {
		return fmt.Errorf("language %q is not one of kk, ru, en", c.Lang)
	}
	var kindLabel string
	var br, bg, bb int // header band colour, different per kind so they tell apart at a glance
	switch c.Kind {
	case KindObserver:
		kindLabel, br, bg, bb = lb.observer, 0x1F, 0x3A, 0x68
	case KindJournalist:
		kindLabel, br, bg, bb = lb.journalist, 0x9A, 0x34, 0x12
	default:
		return fmt.Errorf("kind %q is not %s or %s", c.Kind, KindObserver, KindJournalist)
	}
	name := clean(c.Name)
	if name == "" {
		return errors.New("name is empty")
	}
	var photo, qrData []byte
	var err error
	if len(c.Photo) > 0 {
		if photo, err = preparePhoto(c.Photo); err != nil {
			return err
		}
	}
	if u := strings.TrimSpace(c.VerifyURL); u != "" {
		if qrData, err = qrPNG(u); err != nil {
			return err
		}
	}

	// Header band: title on the left, kind on the right.
	pdf.SetFillColor(br, bg, bb)
	pdf.Rect(x, y, cardW, bandH, "F")
	pdf.SetTextColor(0xFF, 0xFF, 0xFF)
	inner := cardW - 2*pad
	kind := strings.ToUpper(kindLabel)
	kindPt := fitLine(pdf, "B", kind, inner*0.45, 9.5, 6)
	kindW := pdf.GetStringWidth(kind)
	drawText(pdf, "B", kindPt, x+cardW-pad-kindW, y, kindW, bandH, kind, "R")
	titlePt := fitLine(pdf, "B", lb.title, inner-kindW-3, 9.5, 6)
	drawText(pdf, "B", titlePt, x+pad, y, inner-kindW-3, bandH, lb.title, "L")

	// Name, as large as fits in at most two lines.
	pdf.SetTextColor(0, 0, 0)
	lines, pt := fitText(pdf, "B", name, inner, nameH, 2, 14, 6.5)
	drawLines(pdf, "B", pt, x+pad, y+nameY, inner, nameH, lines, "L")

	// Photo on the left, QR code on the right, labelled fields between.
	fx := x + pad
	if photo != nil {
		px, py := x+pad, y+lowerY+0.5
		opt := fpdf.ImageOptions{ImageType: "JPEG"}
		imgName := fmt.Sprintf("photo-%d", i)
		pdf.RegisterImageOptionsReader(imgName, opt, bytes.NewReader(photo))
		pdf.ImageOptions(imgName, px, py, photoWmm, photoHmm, false, opt, 0, "")
		pdf.SetDrawColor(0x99, 0x99, 0x99)
		pdf.SetLineWidth(0.1)
		pdf.Rect(px, py, photoWmm, photoHmm, "D")
		fx = px + photoWmm + 2.5
	}
	qx, qy := x+cardW-1-qrMM, y+cardH-1-qrMM
	if qrData != nil {
		opt := fpdf.ImageOptions{ImageType: "PNG"}
		imgName := fmt.Sprintf("qr-%d", i)
		pdf.RegisterImageOptionsReader(imgName, opt, bytes.NewReader(qrData))
		pdf.ImageOptions(imgName, qx, qy, qrMM, qrMM, false, opt, 0, "")
	}
	fw := qx + 1 - fx // the QR image's white quiet zone may touch the text
	fy := y + lowerY
	fy = drawField(pdf, fx, fy, fw, lb.organization, clean(c.Organization), "", 7.5, 2)
	fy = drawField(pdf, fx, fy, fw, lb.mission, clean(c.Mission), "", 7.5, 2)
	fy = drawField(pdf, fx, fy, fw, lb.number, clean(c.Number), "B", 9, 1)
	drawField(pdf, fx, fy, fw, lb.validUntil, clean(c.ValidUntil), "B", 8, 1)

	// The card's outline, drawn last so no image covers it: it is the cut line.
	pdf.SetDrawColor(0xB0, 0xB0, 0xB0)
	pdf.SetLineWidth(0.2)
	pdf.Rect(x, y, cardW, cardH, "D")
	return nil
}

const labelPt = 5.5

// drawField draws a small grey label and its value below it in a slot of
// fixed height, so the fields line up from card to card, and returns the
// top of the next slot. An empty value leaves the slot blank.
func drawField(pdf *fpdf.Fpdf, x, y, w float64, label, value, style string, pt float64, maxLines int) float64 {
	labelH := labelPt * ptToMM * lineFactor
	valueH := float64(maxLines) * pt * ptToMM * lineFactor
	next := y + labelH + valueH + 0.9
	if value == "" {
		return next
	}
	pdf.SetTextColor(0x66, 0x66, 0x66)
	lpt := fitLine(pdf, "", label, w, labelPt, 4)
	drawText(pdf, "", lpt, x, y, w, labelH, label, "L")
	pdf.SetTextColor(0, 0, 0)
	lines, vpt := fitText(pdf, style, value, w, valueH, maxLines, pt, 5.5)
	drawLines(pdf, style, vpt, x, y+labelH, w, valueH, lines, "L")
	return next
}

// drawText prints one line vertically centred in the box x, y, w, h.
func drawText(pdf *fpdf.Fpdf, style string, pt, x, y, w, h float64, s, align string) {
	pdf.SetFont(fontFamily, style, pt)
	pdf.SetXY(x, y)
	pdf.CellFormat(w, h, s, "", 0, align+"M", false, 0, "")
}

// drawLines prints lines vertically centred in the box x, y, w, h.
func drawLines(pdf *fpdf.Fpdf, style string, pt, x, y, w, h float64, lines []string, align string) {
	lh := pt * ptToMM * lineFactor
	top := y + (h-float64(len(lines))*lh)/2
	for k, l := range lines {
		drawText(pdf, style, pt, x, top+float64(k)*lh, w, lh, l, align)
	}
}

// fitLine returns the largest size from maxPt down to minPt at which s
// fits in width w on one line (minPt if none does) and leaves that font set.
func fitLine(pdf *fpdf.Fpdf, style, s string, w, maxPt, minPt float64) float64 {
	pt := maxPt
	for ; pt > minPt; pt -= 0.5 {
		pdf.SetFont(fontFamily, style, pt)
		if pdf.GetStringWidth(s) <= w {
			return pt
		}
	}
	pdf.SetFont(fontFamily, style, minPt)
	return minPt
}

// fitText breaks s into at most maxLines lines of width w whose height
// fits in h, choosing the largest font size from maxPt down to minPt. Fewer
// lines are preferred while the size stays above 80% of maxPt. If even
// minPt does not fit, the last line is cut short with an ellipsis: a card
// never overflows.
func fitText(pdf *fpdf.Fpdf, style, s string, w, h float64, maxLines int, maxPt, minPt float64) ([]string, float64) {
	for n := 1; n <= maxLines; n++ {
		floor := minPt
		if n < maxLines {
			floor = max(minPt, maxPt*0.8)
		}
		for pt := maxPt; pt >= floor; pt -= 0.5 {
			if float64(n)*pt*ptToMM*lineFactor > h {
				continue
			}
			pdf.SetFont(fontFamily, style, pt)
			if lines := wrap(pdf, s, w); len(lines) <= n {
				return lines, pt
			}
		}
	}
	pt := minPt
	for pt > 1 && float64(maxLines)*pt*ptToMM*lineFactor > h {
		pt -= 0.5
	}
	pdf.SetFont(fontFamily, style, pt)
	lines := wrap(pdf, s, w)
	if len(lines) > maxLines {
		last := strings.Join(lines[maxLines-1:], " ")
		lines = append(lines[:maxLines-1], ellipsize(pdf, last, w))
	}
	return lines, pt
}

// wrap breaks s into lines no wider than w in the current font, at spaces
// where it can and inside a word that is wider than a whole line.
func wrap(pdf *fpdf.Fpdf, s string, w float64) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		try := word
		if cur != "" {
			try = cur + " " + word
		}
		if pdf.GetStringWidth(try) <= w {
			cur = try
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
			cur = ""
		}
		for pdf.GetStringWidth(word) > w {
			n := fitPrefix(pdf, word, w)
			lines = append(lines, word[:n])
			word = word[n:]
		}
		cur = word
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// fitPrefix returns the byte length of the longest prefix of s, at least
// one rune, that fits in width w.
func fitPrefix(pdf *fpdf.Fpdf, s string, w float64) int {
	_, first := utf8.DecodeRuneInString(s)
	n := first
	for n < len(s) {
		_, size := utf8.DecodeRuneInString(s[n:])
		if pdf.GetStringWidth(s[:n+size]) > w {
			break
		}
		n += size
	}
	return n
}

// ellipsize cuts s so that s plus "…" fits in width w.
func ellipsize(pdf *fpdf.Fpdf, s string, w float64) string {
	const ell = "…"
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+ell) > w {
		r = r[:len(r)-1]
	}
	return strings.TrimRight(string(r), " ") + ell
}

// clean makes a text safe to print: valid UTF-8, no control characters,
// single spaces, and only characters of the Basic Multilingual Plane
// (fpdf's UTF-8 font tables stop there).
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r > 0xFFFF:
			return '\uFFFD'
		case unicode.IsControl(r), unicode.IsSpace(r):
			return ' '
		case unicode.Is(unicode.Cf, r): // zero-width and direction marks
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
