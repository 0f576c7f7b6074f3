package people

import "testing"

func TestMentionsScrub(t *testing.T) {
	m := NewMentions("Zhanar Abdildayeva", "zhanar.abd@example.org", "+7 701 555 1234")
	for _, c := range []struct{ in, want string }{
		{"Zhanar Abdildayeva was pushed out", "[erased] was pushed out"},
		{"ABDILDAYEVA saw it", "[erased] saw it"},
		{"call 8 (701) 555-12-34 or 87015551234", "call 8 ([erased] or 8[erased]"},
		{"write to Zhanar.Abd@Example.org", "write to [erased]"},
		{"nothing about her", "nothing about her"},
	} {
		got, changed := m.Scrub(c.in)
		if got != c.want || changed != (c.in != c.want) {
			t.Errorf("Scrub(%q) = %q, %v; want %q", c.in, got, changed, c.want)
		}
	}
	// A part under four letters is too common a word to erase alone.
	if got, _ := NewMentions("Ali Seitkali", "", "").Scrub("Ali came; Seitkali left; Ali Seitkali"); got != "Ali came; [erased] left; [erased]" {
		t.Errorf("short name part: %q", got)
	}
	if NewMentions("", "", "12") != nil {
		t.Error("mentions of nothing")
	}
	var none *Mentions
	if s, ok := none.Scrub("x"); s != "x" || ok {
		t.Error("nil Mentions changed text")
	}
}
