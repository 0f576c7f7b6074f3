package people

import (
	"strings"
	"time"

	"github.com/baqylau/baqylau"
)

// CharterVersion is one version of the Charter of impartial and honest
// observation, in three languages.
type CharterVersion struct {
	ID          int64
	Version     int // 1, 2, … in order of publication
	TextKK      string
	TextRU      string
	TextEN      string
	PublishedAt time.Time
}

// Text returns the charter in a language (kk, ru, en).
func (c CharterVersion) Text(lang string) string {
	switch lang {
	case "kk":
		return c.TextKK
	case "ru":
		return c.TextRU
	}
	return c.TextEN
}

// Validate checks a charter version: all three languages are required.
func (c *CharterVersion) Validate() error {
	c.TextKK, c.TextRU, c.TextEN = strings.TrimSpace(c.TextKK), strings.TrimSpace(c.TextRU), strings.TrimSpace(c.TextEN)
	if c.TextKK == "" || c.TextRU == "" || c.TextEN == "" {
		return baqylau.Errorf(baqylau.EINVALID, "the charter needs its text in Kazakh, Russian and English")
	}
	return nil
}

// Signature records that an organisation or an observer signed a version
// of the charter.
type Signature struct {
	ID               int64
	CharterVersionID int64
	Version          int
	OrganizationID   int64 // set for an organisation's signature
	ObserverID       int64 // set for an observer's signature
	SignedAt         time.Time
	ByUserID         int64
}
