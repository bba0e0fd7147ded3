package intake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// oldReadOwnText is readOwnText on a plain text as it was before it read the
// lines in place: the reference it is held to.
func oldReadOwnText(text string, limit int) string {
	if len(text) > 256<<10 {
		text = text[:256<<10]
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var b strings.Builder
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, ">") || strings.HasPrefix(t, "|") {
			continue
		}
		if t == "--" || t == "---" || quoteStartRe.MatchString(t) || sentFromRe.MatchString(t) {
			break
		}
		if oldHeaderBlockStart(lines, i) {
			break
		}
		if wroteRe.mayMatch(t) && endsWithWroteVerb(t) && wroteRe.MatchString(t) {
			break
		}
		if i+1 < len(lines) && len(t) < 200 && wroteIntroRe.MatchString(t) {
			if two := t + " " + strings.TrimSpace(lines[i+1]); endsWithWroteVerb(two) && wroteRe.MatchString(two) {
				break
			}
		}
		b.WriteString(line)
		b.WriteByte('\n')
		if b.Len() > limit {
			break
		}
	}
	return b.String()
}

func oldHeaderBlockStart(lines []string, i int) bool {
	if strings.IndexByte(lines[i], ':') < 0 || !quotedFromRe.MatchString(strings.TrimSpace(lines[i])) {
		return false
	}
	for j := i + 1; j < len(lines) && j <= i+3; j++ {
		if quotedSentRe.MatchString(strings.TrimSpace(lines[j])) {
			return true
		}
	}
	return false
}

func ownTextSamples() []string {
	samples := []string{
		"", "\n", "a", "a\n", "a\r\n", "a\r", "a\r\r\nb\n\r\n", "x\n> q\n", "x\n> q", "x\n|q\ny",
		"Hello\r\n\r\nthanks\r\n--\r\nsig", "Hi\nOn Mon, 2 Jan 2026, Ann wrote:\n> q",
		"Hi\nOn Mon, 2 Jan 2026 at 10:00,\nAnn <a@b> wrote:\n> q", "Hi\nOn Monday\n",
		"Hi\r\nFrom: Ann\r\n\r\n\r\nSent: Monday\r\nq", "Hi\r\nFrom: Ann\r\na\r\nb\r\nc\r\nSent: x",
		"Hi\nFrom: Ann\nTo: x", "Hi\nFrom: Ann", "ok\n-----Original Message-----\nq", "ok\nSent from my phone",
		strings.Repeat("a line of my own text\r\n", 200),
	}
	names, _ := filepath.Glob(filepath.Join("..", "internal", "samplemail", "mail", "*"))
	for _, n := range names {
		if m, err := os.ReadFile(n); err == nil {
			if msg, err := read(m, Limits{}); err == nil {
				samples = append(samples, msg.text, msg.strippedHTML())
			}
		}
	}
	return samples
}

func checkReadOwnText(t *testing.T, text string) {
	for _, limit := range []int{0, 10, 200, 2 << 10, 64 << 10} {
		if strings.TrimSpace(text) == "" {
			continue // readOwnText reads the HTML instead
		}
		got, want := readOwnText(&message{text: text}, limit), oldReadOwnText(text, limit)
		if got != want {
			t.Errorf("readOwnText(%.60q, %d) = %.60q, want %.60q", text, limit, got, want)
		}
	}
}

func TestReadOwnTextUnchanged(t *testing.T) {
	for _, s := range ownTextSamples() {
		checkReadOwnText(t, s)
	}
}

func FuzzReadOwnText(f *testing.F) {
	for _, s := range ownTextSamples() {
		f.Add(s)
	}
	f.Fuzz(checkReadOwnText)
}
