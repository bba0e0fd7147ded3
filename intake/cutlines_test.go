package intake

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// cutLinesSimple is cutLines written plainly: line breaks made "\n", the
// text split on them, each line's quote marks read and numbered runs cut.
func cutLinesSimple(text string) (lines []tline, whole int) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	raw := strings.Split(text, "\n")
	for ri, r := range raw {
		if ri == len(raw)-1 {
			whole = len(lines)
		}
		if !utf8.ValidString(r) {
			r = strings.ToValidUTF8(r, "\uFFFD")
		}
		depth := 0
		s := strings.TrimLeftFunc(r, isSpaceRune)
		for strings.HasPrefix(s, ">") {
			depth++
			s = strings.TrimPrefix(s, ">")
			s = strings.TrimLeft(s, " ")
			if strings.HasPrefix(s, "\t") && !strings.HasPrefix(strings.TrimLeft(s, "\t"), ">") {
				break
			}
		}
		s = strings.TrimRightFunc(s, isSpaceRune)
		parts := splitRun(s)
		if parts == nil {
			parts = []string{s}
		}
		for _, part := range parts {
			lines = append(lines, tline{text: part, depth: depth, blank: isBlankLine(part)})
		}
	}
	return lines, whole
}

func checkCutLines(t *testing.T, text string) {
	t.Helper()
	got, gotWhole := cutLines(text)
	want, wantWhole := cutLinesSimple(text)
	if gotWhole != wantWhole || !reflect.DeepEqual(lineFacts(got), lineFacts(want)) {
		t.Fatalf("cutLines(%q) = %+v, %d, want %+v, %d", text, lineFacts(got), gotWhole, lineFacts(want), wantWhole)
	}
	for _, l := range got {
		if l.folded() != foldText(l.text) {
			t.Fatalf("cutLines(%q): line %q folded to %q, want %q", text, l.text, l.folded(), foldText(l.text))
		}
		// What classifyLine takes for foldText(strings.TrimSpace(l.text)).
		if want := foldText(strings.TrimSpace(l.text)); l.fold != "" && strings.TrimSpace(l.fold) != want {
			t.Fatalf("cutLines(%q): line %q trimmed folds to %q, want %q", text, l.text, strings.TrimSpace(l.fold), want)
		}
	}
}

// TestCutLines holds cutLines to cutLinesSimple.
func TestCutLines(t *testing.T) {
	inputs := []string{"", "\n", "\r", "\r\n", "\r\r\n", "\n\r", "a\rb\r\nc\nd", "a\r", "> x\r\n>> y\r", "\xff\r\xfe\n",
		"1) Brno 2) Czech Republic 3) municipality\r\n> 1. a 2. b 3. c"}
	for _, text := range lineTexts(t) {
		inputs = append(inputs, text, strings.ReplaceAll(text, "\n", "\r\n"), strings.ReplaceAll(text, "\n", "\r"))
	}
	for _, text := range inputs {
		checkCutLines(t, text)
	}
}

func FuzzCutLines(f *testing.F) {
	f.Add("a\r\nb\rc\n> d\r\r\n")
	f.Add("1) Brno 2) Czech Republic 3) municipality")
	f.Fuzz(checkCutLines)
}
