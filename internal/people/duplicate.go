package people

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DuplicateKeys returns the keys under which two records are the same
// person: the normalised name (NormalizeName) with the lower-cased e-mail
// ("name|e:mail"), and with the normalised phone ("name|p:digits"). Two
// observers sharing any key are duplicates; a record with no name, or with
// neither e-mail nor phone, has no keys.
//
// The keys are derived data: they depend only on their inputs, but a
// change to the folding rules changes them, so a store that keeps them
// must compute them again when this package changes.
func DuplicateKeys(fullName string, p Personal) []string {
	name := NormalizeName(fullName)
	if name == "" {
		return nil
	}
	var keys []string
	if e := strings.ToLower(strings.TrimSpace(p.Email)); e != "" {
		keys = append(keys, name+"|e:"+e)
	}
	if ph := NormalizePhone(p.Phone); ph != "" {
		keys = append(keys, name+"|p:"+ph)
	}
	return keys
}

// NormalizeName folds a person's name to a skeleton for comparison, so
// that the ways one name is written in a registry meet:
//
//   - case, accents, punctuation and word order are ignored ("Ivanov Ivan"
//     = "IVAN  IVANOV"); apostrophes are dropped within a word (Ol'ga = Olga);
//   - Cyrillic, including the Kazakh letters ә ғ қ ң ө ұ ү һ і, is written
//     in Latin letters, and Latin spellings are folded the same way: zh and
//     dzh are j, kh is h, gh is g, q is k, y is i, w is u, x is ks, shch is sh,
//     and Kazakh Latin ş, ç, ğ, ı are sh, ch, g, i ("Иванов Иван" =
//     "Ivanov Ivan", "Қайрат" = "Qairat" = "Kayrat", "Шыңғыс" = "Şyñğys");
//   - doubled letters are written once, and an i before another vowel is
//     dropped, so that the several renderings of й, ы, ь, я, ю, е meet
//     ("Мария" = "Mariya" = "Maria", "Евгений" = "Yevgeniy" = "Evgenii",
//     "Наталья" = "Natalya").
//
// The skeleton is not meant for display and may make two different names
// equal (Maria and Mara); DuplicateKeys pairs it with an e-mail or a
// phone, which keeps such accidents harmless. It is deterministic: the
// words are folded one by one and then sorted.
func NormalizeName(s string) string {
	// Letters are written in Latin before decomposition (ş is sh, not s)
	// and again after it, for letters met only as a base and a mark (ӯ).
	s = norm.NFKD.String(transliterate(strings.ToLower(norm.NFC.String(s))))
	var b strings.Builder
	for _, r := range transliterate(s) {
		switch {
		case unicode.Is(unicode.Mn, r), isApostrophe(r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(' ')
		}
	}
	words := strings.Fields(b.String())
	for i, w := range words {
		words[i] = nameSkeleton(w)
	}
	slices.Sort(words)
	return strings.Join(words, " ")
}

// transliterate writes the letters nameTranslit lists in Latin.
func transliterate(s string) string {
	var b strings.Builder
	for _, r := range s {
		if t, ok := nameTranslit[r]; ok {
			b.WriteString(t)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '‘', '`', '´', 'ʻ':
		return true
	}
	return false
}

// nameLatin folds Latin spellings of one word, in order.
var nameLatin = strings.NewReplacer(
	"shch", "sh", "dzh", "j", "zh", "j", "kh", "h", "gh", "g",
	"q", "k", "y", "i", "w", "u", "x", "ks",
)

// nameSkeleton folds one lower-case Latin word: transliteration variants,
// then doubled letters, then an i before a vowel, over again until nothing
// changes (so that a skeleton is its own skeleton). After the first round
// every step only shortens the word, so the loop ends.
func nameSkeleton(w string) string {
	for {
		out := collapse([]rune(nameLatin.Replace(w)))
		kept := out[:0:0]
		for i, r := range out {
			if r == 'i' && i+1 < len(out) && strings.ContainsRune("aeou", out[i+1]) {
				continue
			}
			kept = append(kept, r)
		}
		next := string(collapse(kept))
		if next == w {
			return w
		}
		w = next
	}
}

// collapse writes each run of one letter once.
func collapse(rs []rune) []rune {
	out := rs[:0:0]
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1] == r {
			continue
		}
		out = append(out, r)
	}
	return out
}

// nameTranslit writes lower-case Cyrillic (Russian, Kazakh, Ukrainian and
// Belarusian letters) and a few Latin letters without a decomposition in
// Latin.
var nameTranslit = map[rune]string{
	'а': "a", 'ә': "a", 'б': "b", 'в': "v", 'г': "g", 'ғ': "g", 'ґ': "g", 'д': "d",
	'е': "e", 'ё': "e", 'є': "ie", 'ж': "zh", 'з': "z", 'и': "i", 'й': "i", 'і': "i",
	'ї': "i", 'к': "k", 'қ': "k", 'л': "l", 'м': "m", 'н': "n", 'ң': "n", 'о': "o",
	'ө': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ұ': "u", 'ү': "u",
	'ў': "u", 'ф': "f", 'х': "kh", 'һ': "h", 'ц': "ts", 'ч': "ch", 'ш': "sh",
	'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	// Latin letters that NFKD leaves whole, or that stand for two.
	'ş': "sh", 'ș': "sh", 'ç': "ch", 'ğ': "g", 'ı': "i", 'ß': "ss", 'æ': "ae",
	'œ': "oe", 'ø': "o", 'đ': "d", 'ł': "l", 'þ': "th",
}

// NormalizePhone keeps the digits of a phone number, so that the ways one
// number is written meet: an international prefix 00 is dropped, and a
// Kazakh number written 8 7xx… (11 digits) is read as +7 7xx…. Fewer than
// six digits give "" (no number).
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "00") && len(d) > 8 {
		d = d[2:]
	}
	if len(d) == 11 && d[0] == '8' {
		d = "7" + d[1:]
	}
	if len(d) < 6 {
		return ""
	}
	return d
}
