package templates

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/coe-congress/alliancebot/intake"
)

// This file formats values for the texts (numbers, dates, names) and lays
// out the plain text: French spacing, wrapping, blank lines.

const (
	nbsp = "\u00a0"
	// wrapWidth is where the text lines are wrapped; a line is longer only
	// when it holds one word that cannot be cut (an address, a URL).
	wrapWidth = 76
	// maxValue is the most runes of a value shown (free text is cut).
	maxValue = 600
)

// formatInt writes n with groups of three digits set off by non-breaking
// spaces: "148 562", as both the English and French texts write numbers.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(nbsp)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatRange writes an estimate: "2 000–3 000", or one number.
func formatRange(r *intake.Range) string {
	if r == nil {
		return ""
	}
	if r.Min == r.Max {
		return formatInt(r.Min)
	}
	return formatInt(r.Min) + "–" + formatInt(r.Max)
}

var (
	monthsEN = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	monthsFR = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

// formatDate writes the day of t in lang: "14 April 2026", "1er avril
// 2026"; "" for the zero time. t is shown in its own location.
func formatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if normLang(lang) == "fr" {
		d := strconv.Itoa(t.Day())
		if t.Day() == 1 {
			d = "1er"
		}
		return d + nbsp + monthsFR[t.Month()-1] + nbsp + strconv.Itoa(t.Year())
	}
	return strconv.Itoa(t.Day()) + nbsp + monthsEN[t.Month()-1] + nbsp + strconv.Itoa(t.Year())
}

// formatDateTime writes the day and time of t in lang: "14 April 2026,
// 09:31", "14 avril 2026 à 9 h 31"; "" for the zero time.
func formatDateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if normLang(lang) == "fr" {
		return formatDate(lang, t) + " à " + strconv.Itoa(t.Hour()) + nbsp + "h" + nbsp + t.Format("04")
	}
	return formatDate(lang, t) + ", " + t.Format("15:04")
}

// clean makes a value safe to set in a line of text: control characters,
// line breaks and bidirectional overrides become spaces, runs of spaces one
// space, and a value longer than maxValue runes is cut with "…". Values
// come from other people's mail: none may start a line of its own.
func clean(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if unicode.IsControl(r) || unicode.IsSpace(r) && r != '\u00a0' || isBidiControl(r) || r == '\u2028' || r == '\u2029' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		if n >= maxValue {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' || r == '\u200e' || r == '\u200f'
}

// cleanp is clean of a pointer: "" for nil.
func cleanp(p *string) string {
	if p == nil {
		return ""
	}
	return clean(*p)
}

// frenchSpacing puts a non-breaking space before ":", ";", "!", "?" and "»"
// and after "«" where the text has an ordinary space, as French typography
// wants. English never has a space there, so the whole output may go
// through it, the bilingual footer included.
var (
	spaceBeforeRE = regexp.MustCompile(`[ \t]+([:;!?»])`)
	spaceAfterRE  = regexp.MustCompile(`«[ \t]+`)
)

func frenchSpacing(s string) string {
	s = spaceBeforeRE.ReplaceAllString(s, nbsp+"$1")
	return spaceAfterRE.ReplaceAllString(s, "«"+nbsp)
}

// tidyText lays out a rendered plain text: trailing spaces removed, runs of
// blank lines made one, blank lines at the start and end removed, lines
// wrapped at wrapWidth, one line break at the end.
func tidyText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	blank := true // no blank line at the start
	for _, l := range alignFields(strings.Split(s, "\n")) {
		if l == "-- " {
			// The signature separator keeps its space (RFC 3676, 4.3).
			out = append(out, l)
			blank = false
			continue
		}
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, wrapLine(l, wrapWidth)...)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n") + "\n"
}

// alignFields aligns the values of runs of consecutive field lines, written
// "name<TAB>value" by the templates: each name is padded with spaces so
// that the values start in one column, two spaces after the longest name.
func alignFields(lines []string) []string {
	out := make([]string, len(lines))
	copy(out, lines)
	for i := 0; i < len(out); {
		if !strings.Contains(out[i], "\t") {
			i++
			continue
		}
		j, w := i, 0
		for ; j < len(out) && strings.Contains(out[j], "\t"); j++ {
			name, _, _ := strings.Cut(out[j], "\t")
			w = max(w, utf8.RuneCountInString(name))
		}
		for k := i; k < j; k++ {
			name, value, _ := strings.Cut(out[k], "\t")
			out[k] = name + strings.Repeat(" ", w-utf8.RuneCountInString(name)+2) + strings.TrimLeft(value, " \t")
		}
		i = j
	}
	return out
}

// hangRE finds where the continuation lines of a wrapped line start: under
// the text after a list mark ("- ", "1. ", "[4]   ") or after a padded
// field name ("From:     ").
var hangRE = regexp.MustCompile(`^(\s*(?:[-•*] |\d{1,2}\. |\[[0-9–-]+\]\s+|[^\s:][^:]{0,22}:\s{2,}))`)

// wrapLine cuts l into lines of at most width runes at ordinary spaces
// (never at a non-breaking one). Continuation lines are indented under the
// text of a list item or field; a word longer than a line stays whole.
func wrapLine(l string, width int) []string {
	if utf8.RuneCountInString(l) <= width {
		return []string{l}
	}
	indent := len(l) - len(strings.TrimLeft(l, " "))
	if m := hangRE.FindString(l); m != "" {
		indent = utf8.RuneCountInString(m)
	}
	if indent > width/2 {
		indent = 4
	}
	pad := strings.Repeat(" ", indent)
	lead := l[:len(l)-len(strings.TrimLeft(l, " "))]
	words := strings.Split(strings.TrimLeft(l, " "), " ")
	var lines []string
	cur := lead
	curLen := utf8.RuneCountInString(lead)
	empty := true
	for _, w := range words {
		if w == "" {
			// Two spaces in a row (a padded field): keep them.
			if !empty {
				cur += " "
				curLen++
			}
			continue
		}
		wl := utf8.RuneCountInString(w)
		if !empty && curLen+1+wl > width {
			lines = append(lines, strings.TrimRight(cur, " "))
			cur, curLen, empty = pad+w, indent+wl, false
			continue
		}
		if !empty {
			cur += " "
			curLen++
		}
		cur += w
		curLen += wl
		empty = false
	}
	lines = append(lines, strings.TrimRight(cur, " "))
	return lines
}
