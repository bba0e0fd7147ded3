// The functions made faster here are held to the plain code they replace.

package intake

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// foldASCIIBytesRuns is foldASCIIBytes as it was, writing the runs of
// bytes that stay and the folded bytes between them.
func foldASCIIBytesRuns(s string) string {
	next := func(i int) int {
		for i < len(s) && (s[i] >= utf8.RuneSelf || foldByte(s[i]) == s[i]) {
			i++
		}
		return i
	}
	i := next(0)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for ; i < len(s); i = next(i + 1) {
		b.WriteString(s[b.Len():i])
		b.WriteByte(foldByte(s[i]))
	}
	b.WriteString(s[b.Len():])
	return b.String()
}

func TestFoldASCIIBytes(t *testing.T) {
	long := strings.Repeat("Dear Sir,\r\n\tthe Town of ŁÓDŹ `says` yes.\n", 40)
	for _, s := range []string{"", "a", "A", "plain text", "\n", "ÉTÉ été", "\xff\xfeAB", long, long[:511], long[:513], long[:1025]} {
		if got, want := foldASCIIBytes(s), foldASCIIBytesRuns(s); got != want {
			t.Errorf("foldASCIIBytes(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzFoldASCIIBytes(f *testing.F) {
	f.Add("Dear Sir,\r\n\tthe Town of ŁÓDŹ `says` yes.\n")
	f.Add(strings.Repeat("Ab\n", 300))
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := foldASCIIBytes(s), foldASCIIBytesRuns(s); got != want {
			t.Fatalf("foldASCIIBytes(%q) = %q, want %q", s, got, want)
		}
	})
}

func TestTrimWordMarks(t *testing.T) {
	for _, w := range []string{"", "-", "'", "--'", "a", "-a-", "'tis", "l'", "-'x'-y'-", "é-"} {
		if got, want := trimWordMarks(w), strings.Trim(w, "-'"); got != want {
			t.Errorf("trimWordMarks(%q) = %q, want %q", w, got, want)
		}
	}
}

func FuzzTrimWordMarks(f *testing.F) {
	f.Add("-'x'-y'-")
	f.Fuzz(func(t *testing.T, w string) {
		if got, want := trimWordMarks(w), strings.Trim(w, "-'"); got != want {
			t.Fatalf("trimWordMarks(%q) = %q, want %q", w, got, want)
		}
	})
}

// mayHoldDSNField must be true wherever dsnFieldRe matches.
func checkMayHoldDSNField(t *testing.T, s string) {
	t.Helper()
	if dsnFieldRe.MatchString(s) && !mayHoldDSNField(s) {
		t.Fatalf("mayHoldDSNField(%q) = false, but dsnFieldRe matches", s)
	}
}

func TestMayHoldDSNField(t *testing.T) {
	if dsnFieldRe.String() != `(?im)^\s*(?:final-recipient|original-recipient)\s*:` {
		t.Fatal("dsnFieldRe changed: check that mayHoldDSNField still rules out only what it cannot match")
	}
	for _, s := range []string{"", "-", "Final-Recipient: rfc822; a@b", "x\n  ORIGINAL-recipient :", "final-recipien", "-RECIPIENT", "a-b-c-Recipient"} {
		checkMayHoldDSNField(t, s)
	}
	if mayHoldDSNField("Dear all - see you") || !mayHoldDSNField("x\nFinal-Recipient: a") {
		t.Error("mayHoldDSNField is wrong on a plain case")
	}
}

func FuzzMayHoldDSNField(f *testing.F) {
	f.Add("Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@b\n")
	f.Add("- \u212a -recipient")
	f.Fuzz(checkMayHoldDSNField)
}

// matchLabel stops at a first word "" (one no label has) without looking
// it up: no label may start with "", and "" is no filler.
func TestMatchLabelEmptyWord(t *testing.T) {
	if len(labelIndex().byFirst[""]) > 0 || labelFiller[""] {
		t.Fatal(`a label starts with "", or "" is a filler: matchLabel must look it up`)
	}
	for _, w := range []string{"", "the", "of", "country", "xyz"} {
		if isLabelFiller(w) != labelFiller[w] {
			t.Errorf("isLabelFiller(%q) = %v, want %v", w, isLabelFiller(w), labelFiller[w])
		}
	}
}

func TestTrimRightRegexpSpace(t *testing.T) {
	for _, s := range []string{"", " ", "a", "wrote: \t\r\n\f", "a\v", " a b ", "é\u00a0"} {
		if got, want := trimRightRegexpSpace(s), strings.TrimRight(s, "\t\n\f\r "); got != want {
			t.Errorf("trimRightRegexpSpace(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzTrimRightRegexpSpace(f *testing.F) {
	f.Add("wrote: \t\r\n\f")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := trimRightRegexpSpace(s), strings.TrimRight(s, "\t\n\f\r "); got != want {
			t.Fatalf("trimRightRegexpSpace(%q) = %q, want %q", s, got, want)
		}
	})
}

// checkVocabWord holds vocabWord to the look-up it replaces, for a word of
// ASCII letters and digits (what wordScanner passes it).
func checkVocabWord(t *testing.T, w string) {
	t.Helper()
	vocab := labelVocab()
	if got, want := vocabWord(vocab, w), vocab.words[foldASCII(w)]; got != want {
		t.Fatalf("vocabWord(%q) = %q, want %q", w, got, want)
	}
}

func TestVocabWord(t *testing.T) {
	for w := range labelVocab().words {
		checkVocabWord(t, w)
		checkVocabWord(t, strings.ToUpper(w))
		checkVocabWord(t, w+"s")
		if len(w) > 1 {
			checkVocabWord(t, w[:len(w)-1])
		}
	}
	for _, w := range []string{"", "x", "Country", "POPULATION", strings.Repeat("a", 40), strings.Repeat("b", 70), "12"} {
		checkVocabWord(t, w)
	}
}

func FuzzVocabWord(f *testing.F) {
	f.Add("Country")
	f.Add("Name")
	f.Fuzz(func(t *testing.T, s string) {
		// The words of s, as wordScanner cuts them.
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf || !asciiAlnum[r] }) {
			checkVocabWord(t, w)
		}
	})
}

// The lenFilters must hold every key of the maps they stand before.
func TestLenFilters(t *testing.T) {
	ci := closings()
	for w := range ci.byFirst {
		if !ci.firstLens.mayHold(w) {
			t.Errorf("closings().firstLens rules out %q", w)
		}
	}
	for w := range ci.endWords {
		if !ci.endLens.mayHold(w) {
			t.Errorf("closings().endLens rules out %q", w)
		}
	}
	for w := range stopIndex {
		if !stopLens.mayHold(w) {
			t.Errorf("stopLens rules out %q", w)
		}
	}
	for w := range labelVocab().words {
		if w != "" && !labelVocab().lens.mayHold(w) {
			t.Errorf("labelVocab().lens rules out %q", w)
		}
	}
	var f lenFilter
	for _, s := range []string{"a", "ab", strings.Repeat("x", 63), strings.Repeat("y", 100)} {
		f.add(s)
		if !f.mayHold(s) {
			t.Errorf("lenFilter rules out %q, added", s)
		}
	}
	if f.mayHold("") || f.mayHold("abc") || f.mayHold("b") {
		t.Error("lenFilter holds a string of a length or first byte never added")
	}
}
