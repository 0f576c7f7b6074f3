package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// The canonical JSON of answers (and of the log's entries, internal/ledger)
// is what encoding/json writes with HTML escaping off: keys sorted,
// values compacted. Reports are stored and hashed by the thousand a second
// on election day, so the common case is written here directly, without
// reflection; anything out of the ordinary (a string that encoding/json
// would escape) falls back to encoding/json itself, and a test compares
// the two on random and hostile input (canonical_test.go).

// AppendPlainString appends s as a JSON string and reports true if s needs
// no escaping: valid UTF-8 without control characters, '"', '\\', U+2028
// or U+2029, which encoding/json (HTML escaping off) writes as it is.
// Otherwise dst is returned unchanged with false.
func AppendPlainString(dst []byte, s string) ([]byte, bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == '"' || c == '\\':
			return dst, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && (!utf8.ValidString(s) || strings.ContainsAny(s, "\u2028\u2029")) {
		return dst, false
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"'), true
}

// AppendCanonicalObject appends the canonical JSON object of m (keys in
// byte order, values compacted), as encoding/json writes a
// map[string]json.RawMessage with HTML escaping off. Values must be valid
// JSON. It reports false, leaving dst unchanged, if a key needs escaping.
func AppendCanonicalObject(dst []byte, m map[string]json.RawMessage) ([]byte, bool) {
	return AppendCanonicalSubset(dst, m, nil)
}

// AppendCanonicalSubset is AppendCanonicalObject for the keys of m that
// keep accepts (all of them if keep is nil), without building the smaller
// map.
func AppendCanonicalSubset(dst []byte, m map[string]json.RawMessage, keep func(string) bool) ([]byte, bool) {
	var room [16]string // a form's answers fit, without allocating
	keys := room[:0]
	for k := range m {
		if keep == nil || keep(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	start := len(dst)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = AppendPlainString(dst, k); !ok {
			return dst[:start], false
		}
		dst = append(dst, ':')
		dst = AppendCompact(dst, m[k])
	}
	return append(dst, '}'), true
}

// AppendCompact appends v with insignificant space removed, as
// encoding/json writes a json.RawMessage; v must be valid JSON. Values
// without any space character (numbers, literals, most strings) are
// copied as they are.
func AppendCompact(dst []byte, v []byte) []byte {
	if !bytes.ContainsAny(v, " \t\n\r") {
		return append(dst, v...)
	}
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, v); err != nil {
		return append(dst, v...) // not reached: v was checked
	}
	return buf.Bytes()
}
