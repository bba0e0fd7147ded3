package intake

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// parseNumberPrefixWordSimple is parseNumberPrefixWord trying every number
// word on a head that is not ASCII: parseNumberPrefixWord must give what it
// gives.
func parseNumberPrefixWordSimple(s string) (q int, rest string, ok bool, sep bool, word bool) {
	i := 0
	if strings.HasPrefix(s, "(") {
		i = 1
	}
	// A word before the number. Only the first runes of s matter: a word and
	// one more.
	head := s[i:]
	ascii := 0 // the leading ASCII bytes of head, enough for any word
	for ascii < len(head) && ascii < maxNumberWordRunes+1 && head[ascii] < utf8.RuneSelf {
		ascii++
	}
	low := ""
	// foldText of low's first n+1 runes, by n, once each.
	var folded [16]string
	var foldedDone [16]bool
	cands := allNumberWords
	if ascii >= min(maxNumberWordRunes+1, len(head)) {
		// Every word is compared on ASCII, from the first byte.
		cands = nil
		if len(head) > 0 {
			cands = numberWordsByFirst[foldByte(head[0])]
		}
	}
	for _, wi := range cands {
		w := numberWords[wi]
		lw := w
		n := numberWordRunes[wi]
		if ascii >= min(n+1, len(head)) {
			// Folding ASCII is byte by byte: the word must be the first n
			// bytes, folded.
			if !hasFoldedASCIIPrefix(head, lw) {
				continue
			}
		} else {
			if low == "" {
				low = strings.ToLower(prefixByRunes(head, maxNumberWordRunes+1))
			}
			var f string
			if n < len(folded) && foldedDone[n] {
				f = folded[n]
			} else {
				f = foldText(prefixByRunes(low, n+1))
				if n < len(folded) {
					folded[n], foldedDone[n] = f, true
				}
			}
			if !strings.HasPrefix(f, lw) {
				continue
			}
		}
		// Skip the word as written (its byte length may differ when folded).
		j := i + len(prefixByRunes(s[i:], utf8.RuneCountInString(lw)))
		k := j
		for k < len(s) && (s[k] == '.' || s[k] == ' ' || s[k] == ':' || s[k] == '\t') {
			k++
		}
		if k < len(s) && s[k] >= '0' && s[k] <= '9' {
			// "no" must touch or be set off by ". "/" ": not "No 5 families".
			if (w == "no" || w == "n" || w == "q") && k > j && !strings.HasPrefix(s[j:], ".") {
				if w == "q" && k == j+1 && s[j] == ' ' {
					// "Q 1" is fine.
				} else if w != "q" {
					continue
				}
			}
			i = k
			word = true
			break
		}
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i || j-i > 2 {
		return 0, "", false, false, false
	}
	n := 0
	for _, c := range s[i:j] {
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > 16 {
		return 0, "", false, false, false
	}
	k := j
	// Separator.
	for k < len(s) && s[k] == ' ' && k-j < 3 {
		k++
	}
	sep = false
	if k < len(s) {
		switch {
		case s[k] == '\t' || s[k] == '|':
			k++
			sep = true
		case s[k] == '.' || s[k] == ')' || s[k] == ':' || s[k] == '-' || s[k] == '/' || s[k] == ']':
			// "4.455.188", "1-2 families", "1/2" are numbers, not questions.
			if (s[k] == '.' || s[k] == '-' || s[k] == '/' || s[k] == ':') && k+1 < len(s) && s[k+1] >= '0' && s[k+1] <= '9' {
				return 0, "", false, false, false
			}
			k++
			sep = true
			if k < len(s) && (s[k] == ')' || s[k] == '.') {
				k++
			}
		case strings.HasPrefix(s[k:], "–") || strings.HasPrefix(s[k:], "—"):
			k += len("–")
			sep = true
		case strings.HasPrefix(s[k:], "°") || strings.HasPrefix(s[k:], "º"):
			k += len("°")
			sep = true
			if k < len(s) && s[k] == '.' {
				k++
			}
		}
	}
	if i > 0 && s[0] == '(' && !sep && k < len(s) && s[k] == ')' {
		k++
		sep = true
	}
	rest = strings.TrimLeftFunc(s[k:], isSpaceRune)
	if !sep && !word {
		// "1 Name of the local or regional authority": only with a label;
		// the caller checks. A digit after the space is a number ("2 000").
		if k == j || (rest != "" && rest[0] >= '0' && rest[0] <= '9') {
			return 0, "", false, false, false
		}
		return n, rest, true, false, false
	}
	if !sep && word && k < len(s) && s[k] >= '0' && s[k] <= '9' {
		return 0, "", false, false, false
	}
	return n, rest, true, sep, word
}

func checkNumberPrefix(t *testing.T, s string) {
	t.Helper()
	q, rest, ok, sep, word := parseNumberPrefixWord(s)
	wq, wrest, wok, wsep, wword := parseNumberPrefixWordSimple(s)
	if q != wq || rest != wrest || ok != wok || sep != wsep || word != wword {
		t.Fatalf("parseNumberPrefixWord(%q) = %v, %q, %v, %v, %v, want %v, %q, %v, %v, %v",
			s, q, rest, ok, sep, word, wq, wrest, wok, wsep, wword)
	}
}

func TestNumberPrefixSimple(t *testing.T) {
	inputs := []string{"Question 5:", "Qüestion 5", "Frage 3: x", "Întrebarea 2.", "Pytanie 1)", "Въпрос 4:", "№ 3", "nº 2",
		"Nr. 7 Ä", "Ερώτηση 9", "(Q1) é", "Otázka 3: á", "Kérdés 2", "Ad 5 ü", "Pitanjé 3", "Punkt\u0301 2", "Pytanié 4",
		"Populació 5", "N\u0301o 3", "Itém 2", "QUESTIÓN 1", "Questioné 3", "Pergunta 7ã"}
	for _, text := range lineTexts(t) {
		for _, l := range strings.Split(text, "\n") {
			inputs = append(inputs, strings.TrimSpace(l), stripDecorations(l))
		}
	}
	for _, s := range inputs {
		checkNumberPrefix(t, s)
	}
}

func FuzzNumberPrefix(f *testing.F) {
	f.Add("Qüestion 5: x")
	f.Add("Întrebarea 2.")
	f.Fuzz(checkNumberPrefix)
}
