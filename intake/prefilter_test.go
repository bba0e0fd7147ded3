package intake

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/coe-congress/alliancebot/internal/samplemail"
)

// prefilterInputs are texts to hold the litRegexps to their patterns: the
// sample mails, their start and their lines, and each pattern's own
// literals, as written and in other cases.
func prefilterInputs() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range samplemail.All() {
		x := string(s.Raw)
		out = append(out, x[:min(len(x), 2<<10)])
		for _, l := range strings.Split(x, "\n") {
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	for _, re := range litRegexps {
		for _, l := range requiredLiterals(re.String()) {
			out = append(out, l, strings.ToLower(l), "a "+l+" b", l+"\n"+strings.ToLower(l))
		}
	}
	return append(out, "", " ", "\xff", "K\u212a \u017f", "550 5.1.1 <a@b.example>: user unknown")
}

// checkLitRegexp says where re differs from its pattern compiled by regexp
// on s. What regexp finds is read from one search for all the matches.
func checkLitRegexp(t *testing.T, re *litRegexp, plain *regexp.Regexp, s string) {
	t.Helper()
	all := plain.FindAllStringSubmatchIndex(s, -1)
	var (
		first    []int
		firstSub []int
		firstStr string
		locs     [][]int
		strs     []string
		marked   strings.Builder
	)
	last := 0
	for i, m := range all {
		if i == 0 {
			first, firstSub, firstStr = m[:2], m, s[m[0]:m[1]]
		}
		locs = append(locs, m[:2])
		strs = append(strs, s[m[0]:m[1]])
		marked.WriteString(s[last:m[0]] + "<" + s[m[0]:m[1]] + ">")
		last = m[1]
	}
	marked.WriteString(s[last:])
	mark := func(x string) string { return "<" + x + ">" }
	for _, c := range []struct {
		method    string
		got, want any
	}{
		{"MatchString", re.MatchString(s), len(all) > 0},
		{"FindString", re.FindString(s), firstStr},
		{"FindStringIndex", re.FindStringIndex(s), first},
		{"FindStringSubmatchIndex", re.FindStringSubmatchIndex(s), firstSub},
		{"FindAllString", re.FindAllString(s, -1), strs},
		{"FindAllStringIndex", re.FindAllStringIndex(s, -1), locs},
		{"FindAllStringIndex 2", re.FindAllStringIndex(s, 2), locs[:min(2, len(locs))]},
		{"FindAllStringSubmatchIndex", re.FindAllStringSubmatchIndex(s, -1), all},
		{"ReplaceAllStringFunc", re.ReplaceAllStringFunc(s, mark), marked.String()},
	} {
		if !reflect.DeepEqual(c.got, c.want) && !(isNilOrEmpty(c.got) && isNilOrEmpty(c.want)) {
			t.Fatalf("%.50s: %s(%.200q) = %v, want %v", re.String(), c.method, s, c.got, c.want)
		}
	}
}

// isNilOrEmpty says whether v is a nil or empty slice.
func isNilOrEmpty(v any) bool {
	r := reflect.ValueOf(v)
	return r.Kind() == reflect.Slice && r.Len() == 0
}

// TestLitRegexps holds every litRegexp to what regexp finds with its
// pattern.
func TestLitRegexps(t *testing.T) {
	inputs := prefilterInputs()
	for _, re := range litRegexps {
		plain := regexp.MustCompile(re.String())
		for _, s := range inputs {
			checkLitRegexp(t, re, plain, s)
		}
	}
}

func FuzzLitRegexps(f *testing.F) {
	for _, s := range []string{"I am out of the office until Monday", "Please unsubscribe me", "RE: Undeliverable: x",
		"<a@b.example>: host said: 550 user unknown", "Final-Recipient: rfc822; a@b.example", "----- Original message -----",
		"KELVIN \u212a and long \u017f", "je suis absente", "\xffinvalid"} {
		f.Add(s)
	}
	plain := make([]*regexp.Regexp, len(litRegexps))
	for i, re := range litRegexps {
		plain[i] = regexp.MustCompile(re.String())
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i, re := range litRegexps {
			checkLitRegexp(t, re, plain[i], s)
		}
	})
}

// TestStartRegexps holds every startRegexp to its pattern, on the inputs of
// the litRegexps and on each rune a match may start with, in other cases.
func TestStartRegexps(t *testing.T) {
	inputs := prefilterInputs()
	for _, l := range wroteInputs() {
		inputs = append(inputs, l, " "+l, "> "+l)
	}
	for _, re := range startRegexps {
		if re.first == nil {
			t.Errorf("%.50s: no first runes", re.String())
		}
		for r := range re.first {
			for _, c := range []rune{r, unicode.ToLower(r), unicode.ToUpper(r), unicode.SimpleFold(r)} {
				inputs = append(inputs, string(c), string(c)+"n x wrote:", string(c)+"e : x")
			}
		}
	}
	for _, re := range startRegexps {
		plain := regexp.MustCompile(re.String())
		for _, s := range inputs {
			if got, want := re.MatchString(s), plain.MatchString(s); got != want {
				t.Errorf("%.50s: MatchString(%.200q) = %v, want %v", re.String(), s, got, want)
			}
		}
	}
}

func FuzzStartRegexps(f *testing.F) {
	for _, s := range wroteInputs() {
		f.Add(s)
	}
	plain := make([]*regexp.Regexp, len(startRegexps))
	for i, re := range startRegexps {
		plain[i] = regexp.MustCompile(re.String())
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i, re := range startRegexps {
			if got, want := re.MatchString(s), plain[i].MatchString(s); got != want {
				t.Errorf("%.50s: MatchString(%.200q) = %v, want %v", re.String(), s, got, want)
			}
		}
	})
}

func TestSplitAlternatives(t *testing.T) {
	for _, tt := range []struct {
		expr   string
		prefix string
		alts   []string
	}{
		{`(?i)(?:a|b(?:c|d)|[|]e)`, `(?i)`, []string{`a`, `b(?:c|d)`, `[|]e`}},
		{`(?i)^(?:a|\|b)`, `(?i)^`, []string{`a`, `\|b`}},
		{`(?i)a|b`, `(?i)`, []string{`a`, `b`}},
		{`(?:a|b)c|d`, ``, []string{`(?:a|b)c`, `d`}},
		{`^(?:a|b)c`, ``, nil},
		{`(?m)^a|b`, ``, nil},
		{`(?i:a|b)c`, ``, nil},
		{`[]|]|x`, ``, []string{`[]|]`, `x`}},
		{`[^]|]|x`, ``, []string{`[^]|]`, `x`}},
		{`[[:alpha:]|]|x`, ``, []string{`[[:alpha:]|]`, `x`}},
		{`\Qa|b\E`, ``, nil},
	} {
		prefix, alts := splitAlternatives(tt.expr)
		if tt.alts == nil {
			if len(alts) >= 2 {
				t.Errorf("splitAlternatives(%q) = %q, %q, want fewer than two", tt.expr, prefix, alts)
			}
			continue
		}
		if prefix != tt.prefix || !reflect.DeepEqual(alts, tt.alts) {
			t.Errorf("splitAlternatives(%q) = %q, %q, want %q, %q", tt.expr, prefix, alts, tt.prefix, tt.alts)
		}
	}
}

func TestRequiredLiterals(t *testing.T) {
	for _, tt := range []struct {
		expr string
		want []string
	}{
		{`(?i)out of (?:the )?office`, []string{"OUT OF "}},
		{`abc|de`, []string{"ABC", "DE"}},
		{`a?b|c`, []string{"B", "C"}},
		{`(?:x|)y`, []string{"Y"}},
		{`x*|y`, nil},
		{`[ab]c{2,}`, []string{"C"}},
		{`\bk`, []string{"K"}},
	} {
		if got := requiredLiterals(tt.expr); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("requiredLiterals(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// checkFoldedScan holds foldedText.scan, which may read the text unfolded,
// to litSet.scan on foldCase of the text: the same owners found.
func checkFoldedScan(t *testing.T, s string) {
	t.Helper()
	for _, re := range litRegexps {
		re.prepare()
		for _, ls := range []*litSet{re.lits, re.altLits} {
			if ls == nil {
				continue
			}
			got, want := map[int]bool{}, map[int]bool{}
			(&foldedText{s: s}).scan(ls, func(o int) bool { got[o] = true; return true })
			ls.scan(foldCase(s), func(o int) bool { want[o] = true; return true })
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%.50s: scan(%.200q) found %v, want %v", re.String(), s, got, want)
			}
		}
	}
}

func TestFoldedScan(t *testing.T) {
	if got := runesFoldedToASCII(); !reflect.DeepEqual(got, []rune{'\u212a', '\u017f'}) {
		t.Errorf("runesFoldedToASCII() = %q", got)
	}
	for _, s := range prefilterInputs() {
		checkFoldedScan(t, s)
	}
}

func FuzzFoldedScan(f *testing.F) {
	for _, s := range prefilterInputs()[:50] {
		f.Add(s)
	}
	f.Add("Mail Delivery \u017fubsystem, final-recipient: x")
	f.Fuzz(checkFoldedScan)
}

// TestStartRegexpASCII holds mayMatch on an ASCII first byte to the map of
// first runes it stands for.
func TestStartRegexpASCII(t *testing.T) {
	for _, re := range startRegexps {
		for c := range utf8.RuneSelf {
			s := string(rune(c)) + "x"
			if got, want := re.mayMatch(s), re.first == nil || re.first[foldRune(rune(c))]; got != want {
				t.Errorf("%.50s: mayMatch(%q) = %v, want %v", re.String(), s, got, want)
			}
		}
	}
}
