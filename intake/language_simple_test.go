package intake

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// The language guess written plainly, with maps of scores by language
// code: languageOf, replyOwnText, guessLanguage and refineSlavic must give
// what these give.

var stopIndexSimple = func() map[string][]string {
	m := make(map[string][]string)
	for lang, list := range stopWords {
		for _, w := range strings.Fields(list) {
			m[w] = append(m[w], lang)
		}
	}
	return m
}()

func languageOfSimple(subject string, body []tline) string {
	own := replyOwnTextSimple(body)
	if subj := stripSubjectPrefixes(subject); letterCount(own) < 40 && subj == strings.TrimSpace(subject) {
		// A subject of the sender's own (not "Re: <ours>") says something.
		own = subj + "\n" + own
	}
	if letterCount(own) < 12 {
		return ""
	}
	return guessLanguageSimple(own)
}

func replyOwnTextSimple(lines []tline) string {
	var b strings.Builder
	for _, l := range lines {
		if l.kind == lineReply {
			break
		}
		if l.depth > 0 || l.blank || l.kind == lineDisclaim || l.kind == lineSeparator || l.kind == lineSigSep {
			continue
		}
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	if letterCount(b.String()) >= 40 {
		return b.String()
	}
	// Little or nothing above the quote: read the unquoted text below too.
	b.Reset()
	for _, l := range lines {
		if l.depth > 0 || l.blank || l.kind != lineText {
			continue
		}
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return b.String()
}

func guessLanguageSimple(s string) string {
	score := map[string]float64{}
	words := 0
	low := strings.ToLower(s)
	addWord := func(w string) {
		w = strings.Trim(w, "-'")
		if w == "" {
			return
		}
		words++
		langs := stopIndexSimple[w]
		for _, l := range langs {
			score[l] += 1 / float64(len(langs))
		}
	}
	// The words are the runs of letters, hyphens and apostrophes.
	start := -1
	for i := 0; i < len(low); {
		r, size := rune(low[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(low[i:])
		}
		if unicode.IsLetter(r) || r == '-' || r == '\'' {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			addWord(low[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		addWord(low[start:])
	}
	hints := map[string]int{}
	for _, r := range low {
		if r < utf8.RuneSelf {
			continue // the hints are all letters beyond ASCII
		}
		if l, ok := letterHints[r]; ok {
			hints[l]++
		}
	}
	for l, n := range hints {
		if n > 6 {
			n = 6
		}
		score[l] += 0.75 * float64(n)
	}
	// Greek and Cyrillic script decide between few languages.
	best, second := "", ""
	for l, v := range score {
		if best == "" || v > score[best] || v == score[best] && l < best {
			second = best
			best = l
		} else if second == "" || v > score[second] || v == score[second] && l < second {
			second = l
		}
	}
	// Clear scores decide without the model, which costs the most.
	if best != "" && score[best] >= 3 && score[best] >= 1.4*score[second] {
		return refineSlavicSimple(best, s)
	}
	model := ""
	info := whatlanggo.DetectWithOptions(s, whatlanggo.Options{Whitelist: whatlangLangs})
	if info.Lang >= 0 && whatlangLangs[info.Lang] {
		model = info.Lang.Iso6391()
	}
	if best != "" {
		b := score[best]
		switch {
		case b >= 1.5 && model == best:
			return refineSlavicSimple(best, s)
		case b >= 2 && model == second && score[second] >= 2:
			return refineSlavicSimple(second, s)
		}
	}
	if model != "" && info.Confidence >= 0.25 && (best == "" || score[model] > 0 || words < 8) {
		return refineSlavicSimple(model, s)
	}
	if best != "" && score[best] >= 3 && score[best] > score[second] {
		return refineSlavicSimple(best, s)
	}
	return ""
}

func refineSlavicSimple(lang, s string) string {
	low := " " + strings.ToLower(s) + " "
	switch lang {
	case "hr", "sr":
		cyr, ije, eka := 0, 0, 0
		for _, r := range low {
			if unicode.Is(unicode.Cyrillic, r) {
				cyr++
			}
		}
		for _, w := range []string{"mjest", "gdje", "lijep", "tko", "tisuć", "također", "sveučilišt", "općin", "mjesec", "vrijem", "uvjet", "pozdravljam", "srdačan"} {
			ije += strings.Count(low, w)
		}
		for _, w := range []string{"mest", " gde ", "lep", " ko ", "hiljad", "takođe", "univerzitet", "opštin", "mesec", "vreme", "uslov", "grad ", "srpsk"} {
			eka += strings.Count(low, w)
		}
		if cyr > 10 || eka > ije {
			return "sr"
		}
		if ije > eka {
			return "hr"
		}
		return lang
	case "cs", "sk":
		cs, sk := 0, 0
		for _, r := range low {
			switch r {
			case 'ř', 'ě', 'ů':
				cs++
			case 'ľ', 'ĺ', 'ŕ', 'ô', 'ä':
				sk++
			}
		}
		if sk > cs {
			return "sk"
		}
		if cs > sk {
			return "cs"
		}
	}
	return lang
}

func checkLanguageOf(t *testing.T, subject, body string) {
	t.Helper()
	lines := splitLines(body)
	if got, want := languageOf(subject, lines), languageOfSimple(subject, lines); got != want {
		t.Fatalf("languageOf(%q, %.200q) = %q, want %q", subject, body, got, want)
	}
	own, n := replyOwnText(lines)
	if want := replyOwnTextSimple(lines); own != want || n != letterCount(want) {
		t.Fatalf("replyOwnText(%.200q) = %q, %d, want %q, %d", body, own, n, want, letterCount(want))
	}
	if got, want := guessLanguage(body), guessLanguageSimple(body); got != want {
		t.Fatalf("guessLanguage(%.200q) = %q, want %q", body, got, want)
	}
}

func TestLanguageOfSimple(t *testing.T) {
	for _, text := range lineTexts(t) {
		checkLanguageOf(t, "Questionnaire", text)
		checkLanguageOf(t, "Re: x", text)
		for _, l := range strings.Split(text, "\n") {
			checkLanguageOf(t, "", l)
		}
	}
}

func FuzzLanguageOf(f *testing.F) {
	f.Add("Odgovor", "Poštovani,\n\nu nastavku su odgovori Grada Zagreba na upitnik.\n> quoted\n")
	f.Add("", "Dobrý deň, posielame odpovede, ďakujeme.")
	f.Fuzz(checkLanguageOf)
}

func FuzzToLower(f *testing.F) {
	for _, s := range []string{"", "ABC", "Dobrý DEŇ", "İSTANBUL ΣΟΦΙΑ", "a\xffB\xe2\x82", "\uFFFD\u212a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := toLower(s), strings.ToLower(s); got != want {
			t.Errorf("toLower(%q) = %q, want %q", s, got, want)
		}
	})
}
