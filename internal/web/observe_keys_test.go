package web

import (
	"testing"

	"github.com/baqylau/baqylau/internal/locale"
	"github.com/baqylau/baqylau/internal/report"
)

// TestObserveMessagesTranslated checks the messages the observer pages
// build at run time: the flags in words, in every language.
func TestObserveMessagesTranslated(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	flags := []string{report.FlagOutsideHours, report.FlagAboveRegistered, report.FlagTurnoutDecreasing,
		report.FlagArithmetic, report.FlagMissingAnswer, report.FlagConflictingObservers}
	for _, lang := range locale.Languages {
		ids := cat.IDs(lang)
		for _, f := range flags {
			if !ids["observe.flag."+f] {
				t.Errorf("observe.flag.%s is missing in %s", f, lang)
			}
		}
		for id := range cat.IDs("en") {
			if len(id) > 8 && id[:8] == "observe." && !ids[id] {
				t.Errorf("%s is missing in %s", id, lang)
			}
		}
	}
}
