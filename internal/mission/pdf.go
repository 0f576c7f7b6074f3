package mission

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
)

// Document is a published text as its PDF shows it: a title, a line
// saying who published it and when, and the body's paragraphs.
type Document struct {
	Title     string
	Published string // formatted by the caller
	Body      string // paragraphs separated by blank lines
}

// RenderPDF writes a document as an A4 PDF with DejaVu fonts, which carry
// every Kazakh letter (Go's own fonts lack sixteen of them).
func RenderPDF(w io.Writer, d Document) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	pdf.SetTitle(d.Title, true)
	pdf.SetCreator("Baqylau", true)
	pdf.AddUTF8FontFromBytes("dejavu", "", dejavusans.TTF)
	pdf.AddUTF8FontFromBytes("dejavu", "B", dejavusansbold.TTF)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("dejavu", "", 8)
		pdf.CellFormat(0, 5, fmt.Sprint(pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("dejavu", "B", 15)
	pdf.MultiCell(0, 7.5, d.Title, "", "L", false)
	if d.Published != "" {
		pdf.Ln(1)
		pdf.SetFont("dejavu", "", 9)
		pdf.MultiCell(0, 5, d.Published, "", "L", false)
	}
	pdf.Ln(4)
	pdf.SetFont("dejavu", "", 11)
	for _, para := range strings.Split(strings.ReplaceAll(d.Body, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para == "" {
			continue
		}
		pdf.MultiCell(0, 5.5, para, "", "L", false)
		pdf.Ln(2.5)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("mission: pdf %q: %w", d.Title, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
