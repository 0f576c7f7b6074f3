package mission

import (
	"strings"

	"github.com/baqylau/baqylau/internal/publish"
)

// The web form writes a statement's sections as plain text, one text per
// language: a line "## Heading" starts a section; text before the first
// heading is a section without one. Sections pair up across languages by
// their order.

// FormatSections writes the sections in one language as that text.
func FormatSections(sections []Section, lang string) string {
	var b strings.Builder
	for i, s := range sections {
		h, body := pick(s.Heading, lang), pick(s.Body, lang)
		if i > 0 {
			b.WriteString("\n\n")
		}
		if h != "" || i > 0 {
			b.WriteString("## " + strings.ReplaceAll(h, "\n", " ") + "\n")
		}
		b.WriteString(body)
	}
	return b.String()
}

// pick is a text's own value in lang, without falling back.
func pick(t publish.Text, lang string) string {
	switch lang {
	case "kk":
		return t.KK
	case "ru":
		return t.RU
	}
	return t.EN
}

type part struct{ heading, body string }

func parseParts(text string) []part {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var parts []part
	var cur *part
	var body []string
	flush := func() {
		if cur != nil {
			// Only blank lines are trimmed: a body line that looks like a
			// heading once indented must stay indented.
			cur.body = strings.Trim(strings.Join(body, "\n"), "\n")
			parts = append(parts, *cur)
		}
		body = nil
	}
	for _, line := range strings.Split(text, "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok || line == "##" {
			flush()
			cur = &part{heading: strings.TrimSpace(h)}
			continue
		}
		if cur == nil {
			if strings.TrimSpace(line) == "" {
				continue
			}
			cur = &part{}
		}
		body = append(body, line)
	}
	flush()
	return parts
}

// ParseSections reads the three texts of the form into sections.
func ParseSections(kk, ru, en string) []Section {
	byLang := [][]part{parseParts(kk), parseParts(ru), parseParts(en)}
	n := max(len(byLang[0]), len(byLang[1]), len(byLang[2]))
	out := make([]Section, n)
	for i := range n {
		for l, parts := range byLang {
			if i >= len(parts) {
				continue
			}
			p := parts[i]
			switch l {
			case 0:
				out[i].Heading.KK, out[i].Body.KK = p.heading, p.body
			case 1:
				out[i].Heading.RU, out[i].Body.RU = p.heading, p.body
			case 2:
				out[i].Heading.EN, out[i].Body.EN = p.heading, p.body
			}
		}
	}
	return out
}
