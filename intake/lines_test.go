package intake

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/coe-congress/alliancebot/internal/samplemail"
)

// lineTexts are the texts of the sample mails and of the text test data.
func lineTexts(t testing.TB) []string {
	t.Helper()
	var texts []string
	for _, s := range samplemail.All() {
		m, _ := read(s.Raw, Limits{})
		texts = append(texts, m.text, string(s.Raw))
	}
	files, err := filepath.Glob(filepath.Join("testdata", "answers", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	return texts
}

// TestLinesShared holds message.lines, which classifies a text that
// continues one it has classified from where they differ, to splitLines.
func TestLinesShared(t *testing.T) {
	texts := lineTexts(t)
	// A long text of many messages, as the corpus has.
	long := strings.Join(texts, "\n> \n")
	texts = append(texts, long)
	// Its second half continues the first's lines.
	m := &message{}
	m.lines(long[:len(long)/2])
	cut, _ := cutLines(long)
	if s := m.split[0]; s.resume <= 0 || !sameLines(cut, s.lines, s.whole) {
		t.Fatalf("the lines of a text do not continue those of its first half")
	}
	for _, text := range texts {
		m := &message{}
		for _, n := range []int{len(text) / 4, len(text) / 2, len(text)/2 + 1, len(text) - 1, len(text), len(text) / 3} {
			if n < 0 || n > len(text) {
				continue
			}
			got, want := lineFacts(m.lines(text[:n])), lineFacts(splitLines(text[:n]))
			if !reflect.DeepEqual(got, want) {
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("lines(%.40q… cut at %d): line %d = %+v, want %+v", text, n, i, got[i], want[i])
					}
				}
				t.Fatalf("lines(%.40q… cut at %d): %d lines, want %d", text, n, len(got), len(want))
			}
		}
	}
}

// lineFacts returns a copy of lines without what tline.marker remembers,
// which depends on what was asked of each line, not on its text.
func lineFacts(lines []tline) []tline {
	out := make([]tline, len(lines))
	for i, l := range lines {
		out[i] = tline{text: l.text, depth: l.depth, kind: l.kind, blank: l.blank}
	}
	return out
}

func FuzzLinesShared(f *testing.F) {
	for _, s := range samplemail.All() {
		f.Add(string(s.Raw), uint16(len(s.Raw)/2))
	}
	f.Fuzz(func(t *testing.T, text string, cut uint16) {
		n := int(cut) % (len(text) + 1)
		m := &message{}
		for _, k := range []int{n, len(text)} {
			if got, want := lineFacts(m.lines(text[:k])), lineFacts(splitLines(text[:k])); !reflect.DeepEqual(got, want) {
				t.Fatalf("lines(%q) = %+v, want %+v", text[:k], got, want)
			}
		}
	})
}

// TestFoldASCII holds the ASCII paths of foldText and simplify to the
// general ones.
func TestFoldASCII(t *testing.T) {
	var all []byte
	for c := range 128 {
		all = append(all, byte(c))
	}
	inputs := []string{"", " ", "  A  b ", "`Quoted` Text", "A-B_C", string(all), "x\ty\r\nz\v\f"}
	for _, text := range lineTexts(t) {
		for _, l := range strings.Split(text, "\n") {
			if isASCII(l) {
				inputs = append(inputs, l)
			}
		}
	}
	for _, s := range inputs {
		checkFoldASCII(t, s)
	}
}

// asciiAlnum is isWordRune on ASCII: splitWords and wordScanner use it so.
func TestASCIIWordRunes(t *testing.T) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		if asciiAlnum[r] != isWordRune(r) {
			t.Errorf("asciiAlnum[%q] = %v, isWordRune = %v", r, asciiAlnum[r], isWordRune(r))
		}
	}
}

func FuzzFoldASCII(f *testing.F) {
	f.Add("Name of the Authority: `Brno`  ")
	f.Fuzz(func(t *testing.T, s string) {
		if isASCII(s) {
			checkFoldASCII(t, s)
		}
	})
}

func checkFoldASCII(t *testing.T, s string) {
	t.Helper()
	if got, want := foldASCII(s), foldUnicode(s); got != want {
		t.Fatalf("foldASCII(%q) = %q, want %q", s, got, want)
	}
	f := foldUnicode(s)
	if got, want := simplifyASCII(f), simplifyUnicode(f); got != want {
		t.Fatalf("simplifyASCII(%q) = %q, want %q", f, got, want)
	}
	if got, want := simplify(s), simplifyUnicode(f); got != want {
		t.Fatalf("simplify(%q) = %q, want %q", s, got, want)
	}
	if got, want := splitWordsASCII(s, foldASCII(s)), splitWordsUnicode(s); !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
		t.Fatalf("splitWordsASCII(%q) = %v, want %v", s, got, want)
	}
	var scanned []textWord
	sc := wordScanner{s: s}
	for w, ok := sc.next(); ok; w, ok = sc.next() {
		scanned = append(scanned, w)
	}
	if want := splitWords(s); !reflect.DeepEqual(scanned, want) && len(scanned)+len(want) > 0 {
		t.Fatalf("wordScanner(%q) = %v, want %v", s, scanned, want)
	}
	// With a vocabulary, the words it lacks read as "".
	vocab := labelVocab()
	sc = wordScanner{s: s, vocab: vocab}
	for k, w := range scanned {
		got, ok := sc.next()
		want := w
		if vocab.words[w.w] != w.w {
			want.w = ""
		}
		if !ok || got != want {
			t.Fatalf("wordScanner(%q) with labelVocab: word %d = %v, want %v", s, k, got, want)
		}
	}
}

// The patterns that the line matchers of classifyLine stand for.
var (
	wroteLineRE  = regexp.MustCompile(`(wrote|a ecrit|schrieb|ha scritto|escribio|escreveu|schreef|a scris|pisze|napisal|napisala|napsal|napsala|napisal\(a\)|napsal\(a\)|irta|je napisao|je napisala|je napisal|je pisao|написа|написал|написала|έγραψε|εγραψε|yazdi|skrev|kirjoitti)\s*:?\s*$`)
	replyStartRE = regexp.MustCompile(`^(begin forwarded message|debut du message reexpedie|anfang der weitergeleiteten nachricht|inizio messaggio inoltrato|comienzo del mensaje reenviado)\s*:?`)
	headerFromRE = regexp.MustCompile(`^\*?(from|de|von|da|od|van|fran|fra|felado|от|από|apo|lahettaja|kimden|sender|expediteur|absender|mittente|remitente|expeditor|posiljatelj|posiljalac|posiljatelj)\s*:`)
)

func checkLineMatchers(t *testing.T, f string) {
	t.Helper()
	if got, want := endsWithWrote(f), wroteLineRE.MatchString(f); got != want {
		t.Fatalf("endsWithWrote(%q) = %v, want %v", f, got, want)
	}
	if got, want := hasPrefixAny(f, replyStarts), replyStartRE.MatchString(f); got != want {
		t.Fatalf("hasPrefixAny(%q, replyStarts) = %v, want %v", f, got, want)
	}
	if got, want := isHeaderFrom(f), headerFromRE.MatchString(f); got != want {
		t.Fatalf("isHeaderFrom(%q) = %v, want %v", f, got, want)
	}
	if got, want := isReplySep(f), replySepRE.MatchString(f); got != want {
		t.Fatalf("isReplySep(%q) = %v, want %v", f, got, want)
	}
}

func TestLineMatchers(t *testing.T) {
	inputs := []string{"on monday, jane wrote:", "jane a ecrit :  ", "x napisal(a):", "wrote", "wrote: x", "de : a", "*from: x",
		"from x:", "begin forwarded message:", "-----original message-----", " -- forwarded", "--", "написал:\t"}
	for _, text := range lineTexts(t) {
		for _, l := range strings.Split(text, "\n") {
			inputs = append(inputs, l, strings.TrimLeft(strings.TrimSpace(foldText(l)), "*_ "))
		}
	}
	for _, f := range inputs {
		checkLineMatchers(t, f)
	}
}

func FuzzLineMatchers(f *testing.F) {
	f.Add("le 3 mars, x a ecrit :")
	f.Add("*de :")
	f.Fuzz(checkLineMatchers)
}

func FuzzNumberEnds(f *testing.F) {
	for _, s := range []string{"1) Brno 2) Czech Republic 3) municipality", "1. a 2.b 3) c", "1.\t2.\n3.\f", "12) x 13)", "a1. b2. c3. "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n := len(runNumberRE.FindAllStringIndex(s, -1)); numberEnds(s) < min(n, 3) {
			t.Errorf("numberEnds(%q) = %d, but runNumberRE matches %d times", s, numberEnds(s), n)
		}
	})
}

// TestLineMarker holds tline.marker, asked with and without sig in either
// order, to findMarker.
func TestLineMarker(t *testing.T) {
	for _, text := range lineTexts(t) {
		for _, s := range strings.Split(text, "\n") {
			for _, order := range [][]bool{{false, true}, {true, false}} {
				var l tline
				for _, sig := range order {
					gm, gok := l.marker(s, sig)
					wm, wok := findMarker(s, sig)
					if gm != wm || gok != wok {
						t.Fatalf("marker(%q, %v) = %+v, %v, want %+v, %v", s, sig, gm, gok, wm, wok)
					}
				}
			}
		}
	}
}
