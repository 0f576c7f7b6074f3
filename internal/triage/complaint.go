package triage

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baqylau/baqylau"
)

// LegalBasis is an article of the Constitutional Law of the Republic of
// Kazakhstan of 28 September 1995 No. 2464 "On Elections in the Republic
// of Kazakhstan" that a complaint may rely on.
type LegalBasis struct {
	Code    string // stable key, e.g. "art20"
	Article string // as cited, e.g. "20"
	TitleKK string
	TitleRU string
	TitleEN string
}

// Title returns the article's title in lang (kk, ru or en).
func (b LegalBasis) Title(lang string) string {
	switch lang {
	case "kk":
		return b.TitleKK
	case "en":
		return b.TitleEN
	}
	return b.TitleRU
}

// LegalBasesChecked says whether a lawyer has checked LegalBases against
// the law in force. Until then every complaint says so, and the HQ pages
// show it: article numbers shift when the law is amended.
const LegalBasesChecked = false

// LegalBases is the short list of articles offered when drafting a
// complaint. TO BE CHECKED BY A LAWYER against the current consolidated
// text (adilet.zan.kz) before election day: numbers and titles are given
// as remembered from the 2021–2023 editions.
var LegalBases = []LegalBasis{
	{"art7", "7", "Сайлауды дайындау мен өткізудегі жариялылық", "Гласность при подготовке и проведении выборов", "Publicity in preparing and holding elections"},
	{"art12", "12", "Сайлау комиссияларының шешімдеріне, әрекеттеріне (әрекетсіздігіне) шағымдану", "Обжалование решений, действий (бездействия) избирательных комиссий", "Appeals against decisions, actions (inaction) of election commissions"},
	{"art20", "20", "Байқаушылар", "Наблюдатели", "Observers"},
	{"art27", "27", "Сайлауалды үгіт", "Предвыборная агитация", "Election campaigning"},
	{"art39", "39", "Дауыс беруге арналған үй-жай", "Помещение для голосования", "Voting premises"},
	{"art40", "40", "Дауыс беру тәртібі", "Порядок голосования", "Voting procedure"},
	{"art41", "41", "Дауыс беруге арналған үй-жайдан тыс дауыс беру", "Голосование вне помещения для голосования", "Voting outside the voting premises"},
	{"art43", "43", "Дауыстарды санау тәртібі", "Порядок подсчета голосов", "Counting of votes"},
	{"art44", "44", "Дауыс беру нәтижелері туралы хаттама", "Протокол об итогах голосования", "Protocol of the voting results"},
}

// LegalBasisByCode finds an article of LegalBases.
func LegalBasisByCode(code string) (LegalBasis, bool) {
	for _, b := range LegalBases {
		if b.Code == code {
			return b, true
		}
	}
	return LegalBasis{}, false
}

// Complaint is a complaint to an election commission drafted from an
// incident, with the dates of its filing and answer and its outcome.
type Complaint struct {
	ID         int64
	IncidentID int64
	Lang       string // kk or ru: the language of the complaint
	// Commission is the commission it is addressed to, e.g. "Алматы
	// қалалық сайлау комиссиясы".
	Commission string
	// Complainant is who signs it (the organisation or the observer).
	Complainant string
	Facts       string
	// Articles are codes of LegalBases.
	Articles   []string
	CreatedBy  int64
	CreatedAt  time.Time
	FiledOn    string // YYYY-MM-DD, empty until filed
	AnsweredOn string // YYYY-MM-DD, empty until answered
	Outcome    string // what the commission answered or did
	Version    int
}

// ComplaintLangs are the languages a complaint can be drafted in.
var ComplaintLangs = []string{"kk", "ru"}

// CheckComplaint validates a new complaint and tidies its texts.
func CheckComplaint(c *Complaint) error {
	c.Commission, c.Complainant, c.Facts = strings.TrimSpace(c.Commission), strings.TrimSpace(c.Complainant), strings.TrimSpace(c.Facts)
	if c.Lang != "kk" && c.Lang != "ru" {
		return baqylau.Errorf(baqylau.EINVALID, "a complaint is written in kk or ru")
	}
	if c.Commission == "" {
		return baqylau.Errorf(baqylau.EINVALID, "name the commission the complaint is addressed to")
	}
	if c.Facts == "" {
		return baqylau.Errorf(baqylau.EINVALID, "state the facts")
	}
	for _, s := range []string{c.Commission, c.Complainant, c.Facts} {
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxNote {
			return baqylau.Errorf(baqylau.EINVALID, "each text may be at most %d characters", MaxNote)
		}
	}
	if len(c.Articles) == 0 {
		return baqylau.Errorf(baqylau.EINVALID, "choose at least one article as the legal basis")
	}
	seen := map[string]bool{}
	for _, a := range c.Articles {
		if _, ok := LegalBasisByCode(a); !ok {
			return baqylau.Errorf(baqylau.EINVALID, "unknown legal basis %q", a)
		}
		if seen[a] {
			return baqylau.Errorf(baqylau.EINVALID, "legal basis %q is given twice", a)
		}
		seen[a] = true
	}
	return nil
}

// dateLayout is how filing and answer dates are written.
const dateLayout = "2006-01-02"

// CheckProgress validates the filing and answer of a complaint: dates as
// YYYY-MM-DD, no answer before the filing.
func CheckProgress(c *Complaint) error {
	c.Outcome = strings.TrimSpace(c.Outcome)
	var filed, answered time.Time
	var err error
	if c.FiledOn != "" {
		if filed, err = time.Parse(dateLayout, c.FiledOn); err != nil {
			return baqylau.Errorf(baqylau.EINVALID, "filed_on must be a date YYYY-MM-DD")
		}
	}
	if c.AnsweredOn != "" {
		if answered, err = time.Parse(dateLayout, c.AnsweredOn); err != nil {
			return baqylau.Errorf(baqylau.EINVALID, "answered_on must be a date YYYY-MM-DD")
		}
		if c.FiledOn == "" {
			return baqylau.Errorf(baqylau.EINVALID, "a complaint is answered only after it is filed")
		}
		if answered.Before(filed) {
			return baqylau.Errorf(baqylau.EINVALID, "the answer (%s) cannot come before the filing (%s)", c.AnsweredOn, c.FiledOn)
		}
	}
	if c.Outcome != "" && c.AnsweredOn == "" {
		return baqylau.Errorf(baqylau.EINVALID, "record the answer's date with its outcome")
	}
	if !utf8.ValidString(c.Outcome) || utf8.RuneCountInString(c.Outcome) > MaxNote {
		return baqylau.Errorf(baqylau.EINVALID, "the outcome may be at most %d characters", MaxNote)
	}
	return nil
}

// complaintState is what the audit trail records of a complaint.
type complaintState struct {
	Complaint  int64    `json:"complaint"`
	Lang       string   `json:"lang,omitempty"`
	Commission string   `json:"commission,omitempty"`
	Articles   []string `json:"articles,omitempty"`
	FiledOn    string   `json:"filed_on,omitempty"`
	AnsweredOn string   `json:"answered_on,omitempty"`
	Outcome    string   `json:"outcome,omitempty"`
	Version    int      `json:"version"`
}

// AuditState returns what the audit trail keeps of c.
func (c Complaint) AuditState() any {
	return complaintState{Complaint: c.ID, Lang: c.Lang, Commission: c.Commission, Articles: c.Articles,
		FiledOn: c.FiledOn, AnsweredOn: c.AnsweredOn, Outcome: c.Outcome, Version: c.Version}
}

// Stage names where a complaint stands: draft, filed or answered.
func (c Complaint) Stage() string {
	switch {
	case c.AnsweredOn != "":
		return "answered"
	case c.FiledOn != "":
		return "filed"
	}
	return "draft"
}

// String names the complaint in logs.
func (c Complaint) String() string {
	return fmt.Sprintf("complaint %d on incident %d", c.ID, c.IncidentID)
}
