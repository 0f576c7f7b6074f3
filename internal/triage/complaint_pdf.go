package triage

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
)

// ComplaintDoc is what a complaint's PDF shows. Texts are printed as
// given: the caller formats times and translates the category.
type ComplaintDoc struct {
	Complaint      Complaint
	IncidentID     int64
	Election       string
	StationCode    string
	StationName    string
	StationAddress string
	Category       string
	ObservedAt     string // in the station's zone, formatted
	Today          string // the date of the draft, formatted
}

// complaintText are the fixed texts of a complaint in one language.
type complaintText struct {
	to, from, title, intro, station, address, election, when, category, facts, basis, ask, unchecked, incident, sign, date string
}

var complaintTexts = map[string]complaintText{
	"kk": {
		to:        "Кімге:",
		from:      "Кімнен:",
		title:     "ШАҒЫМ",
		intro:     "Сайлау учаскесінде байқау жүргізу кезінде мынадай бұзушылық анықталды.",
		station:   "Сайлау учаскесі:",
		address:   "Мекенжайы:",
		election:  "Сайлау:",
		when:      "Уақыты:",
		category:  "Бұзушылық түрі:",
		facts:     "Мән-жайлар",
		basis:     "Құқықтық негіз: «Қазақстан Республикасындағы сайлау туралы» Қазақстан Республикасының Конституциялық заңы",
		ask:       "Жоғарыда баяндалғанның негізінде шағымды қарап, бұзушылықты жою бойынша шаралар қабылдауды және нәтижесі туралы заңда белгіленген мерзімде жазбаша хабарлауды сұраймын.",
		unchecked: "Жоба: баптардың нөмірлері мен атаулары заңгермен тексерілуге тиіс.",
		incident:  "Оқиға №",
		sign:      "Қолы: ____________________",
		date:      "Күні:",
	},
	"ru": {
		to:        "Кому:",
		from:      "От кого:",
		title:     "ЖАЛОБА",
		intro:     "В ходе наблюдения на избирательном участке выявлено следующее нарушение.",
		station:   "Избирательный участок:",
		address:   "Адрес:",
		election:  "Выборы:",
		when:      "Время:",
		category:  "Вид нарушения:",
		facts:     "Обстоятельства",
		basis:     "Правовое основание: Конституционный закон Республики Казахстан «О выборах в Республике Казахстан»",
		ask:       "На основании изложенного прошу рассмотреть жалобу, принять меры к устранению нарушения и письменно сообщить о результатах в установленный законом срок.",
		unchecked: "Проект: номера и названия статей подлежат проверке юристом.",
		incident:  "Инцидент №",
		sign:      "Подпись: ____________________",
		date:      "Дата:",
	},
}

// RenderComplaint writes a complaint as a one- or two-page A4 PDF in its
// language (kk or ru), with fonts that carry every Kazakh letter.
func RenderComplaint(w io.Writer, d ComplaintDoc) error {
	tx, ok := complaintTexts[d.Complaint.Lang]
	if !ok {
		return fmt.Errorf("triage: complaint %d: no template in %q", d.Complaint.ID, d.Complaint.Lang)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(25, 20, 15)
	pdf.SetAutoPageBreak(true, 20)
	pdf.SetTitle(tx.title+" · "+d.StationCode, true)
	pdf.SetCreator("Baqylau", true)
	pdf.AddUTF8FontFromBytes("dejavu", "", dejavusans.TTF)
	pdf.AddUTF8FontFromBytes("dejavu", "B", dejavusansbold.TTF)
	pdf.AddPage()
	const lh = 5.5
	right := func(label, text string) {
		pdf.SetX(110)
		pdf.SetFont("dejavu", "B", 10)
		pdf.MultiCell(0, lh, label, "", "L", false)
		pdf.SetX(110)
		pdf.SetFont("dejavu", "", 10)
		pdf.MultiCell(0, lh, text, "", "L", false)
	}
	right(tx.to, d.Complaint.Commission)
	if d.Complaint.Complainant != "" {
		pdf.Ln(2)
		right(tx.from, d.Complaint.Complainant)
	}
	pdf.Ln(8)
	pdf.SetFont("dejavu", "B", 14)
	pdf.CellFormat(0, 8, tx.title, "", 1, "C", false, 0, "")
	pdf.Ln(4)
	pdf.SetFont("dejavu", "", 11)
	pdf.MultiCell(0, lh, tx.intro, "", "J", false)
	pdf.Ln(2)
	field := func(label, text string) {
		if strings.TrimSpace(text) == "" {
			return
		}
		pdf.SetFont("dejavu", "B", 11)
		pdf.Write(lh, label+" ")
		pdf.SetFont("dejavu", "", 11)
		pdf.Write(lh, text)
		pdf.Ln(lh + 1)
	}
	station := d.StationCode
	if d.StationName != "" {
		station += " — " + d.StationName
	}
	field(tx.election, d.Election)
	field(tx.station, station)
	field(tx.address, d.StationAddress)
	field(tx.when, d.ObservedAt)
	field(tx.category, d.Category)
	field(tx.incident, fmt.Sprint(d.IncidentID))
	pdf.Ln(3)
	pdf.SetFont("dejavu", "B", 11)
	pdf.CellFormat(0, lh+1, tx.facts, "", 1, "L", false, 0, "")
	pdf.SetFont("dejavu", "", 11)
	pdf.MultiCell(0, lh, d.Complaint.Facts, "", "J", false)
	pdf.Ln(3)
	pdf.SetFont("dejavu", "B", 11)
	pdf.MultiCell(0, lh, tx.basis, "", "L", false)
	pdf.SetFont("dejavu", "", 11)
	for _, code := range d.Complaint.Articles {
		b, ok := LegalBasisByCode(code)
		if !ok {
			return fmt.Errorf("triage: complaint %d: unknown legal basis %q", d.Complaint.ID, code)
		}
		art := "статья"
		if d.Complaint.Lang == "kk" {
			art = "бап"
		}
		pdf.MultiCell(0, lh, fmt.Sprintf("• %s %s — %s", b.Article, art, b.Title(d.Complaint.Lang)), "", "L", false)
	}
	if !LegalBasesChecked {
		pdf.SetFont("dejavu", "", 8)
		pdf.MultiCell(0, 4, tx.unchecked, "", "L", false)
	}
	pdf.Ln(3)
	pdf.SetFont("dejavu", "", 11)
	pdf.MultiCell(0, lh, tx.ask, "", "J", false)
	pdf.Ln(10)
	pdf.CellFormat(80, lh, tx.date+" "+d.Today, "", 0, "L", false, 0, "")
	pdf.CellFormat(0, lh, tx.sign, "", 1, "R", false, 0, "")
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("triage: complaint %d: pdf: %w", d.Complaint.ID, err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("triage: complaint %d: write pdf: %w", d.Complaint.ID, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("triage: complaint %d: write pdf: %w", d.Complaint.ID, err)
	}
	return nil
}
