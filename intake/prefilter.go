package intake

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// This file makes the large patterns of the detectors cheap on the text
// they cannot match. Go's regexp has no required-literal search: a pattern
// of a hundred phrases runs its automaton over every byte of a text that
// holds none of them. A litRegexp first looks for the literals that any
// match must contain ("out of", "abmeld"...), with case folded as the
// pattern folds it, and runs the pattern only when one is there. What it
// matches is exactly what the pattern matches.

// litRegexp is a regular expression with the methods of regexp.Regexp that
// the detectors call, and a literal prefilter. It is compiled on first use.
type litRegexp struct {
	expr string
	once sync.Once
	full *regexp.Regexp
	// The pattern's top-level alternatives, each with the literals one of
	// which its matches contain (altLits, owner: the alternative's index;
	// those without literals are in always); none when the pattern has
	// fewer than two. Then lits are the pattern's literals, nil when it has
	// none.
	prefix  string
	alts    []string
	altLits *litSet
	always  []int
	lits    *litSet
	// Patterns of one alternative, and of some (by a string of '0' and '1',
	// one per alternative), compiled when needed.
	single   []atomic.Pointer[regexp.Regexp]
	subsets  sync.Map
	nsubsets atomic.Int32
}

// maxSubsets bounds the patterns compiled for one litRegexp.
const maxSubsets = 64

// litRegexps are all the litRegexps of the package, for the tests.
var litRegexps []*litRegexp

// mustCompileLit returns the pattern expr, which regexp.MustCompile
// compiles on first use, to keep the package's init cheap (the tests
// compile them all).
func mustCompileLit(expr string) *litRegexp {
	re := &litRegexp{expr: expr}
	litRegexps = append(litRegexps, re)
	return re
}

// String returns the source text of the pattern.
func (re *litRegexp) String() string { return re.expr }

func (re *litRegexp) prepare() {
	re.once.Do(func() {
		expr := re.expr
		re.full = regexp.MustCompile(expr)
		prefix, alts := splitAlternatives(expr)
		if len(alts) < 2 {
			re.lits = newLitSet([][]string{requiredLiterals(expr)})
			return
		}
		re.prefix, re.alts = prefix, alts
		re.single = make([]atomic.Pointer[regexp.Regexp], len(alts))
		var lits [][]string
		for i, a := range alts {
			l := requiredLiterals(prefix + "(?:" + a + ")")
			if l == nil {
				re.always = append(re.always, i)
			}
			lits = append(lits, l)
		}
		re.altLits = newLitSet(lits)
	})
}

// pick returns a pattern that finds in s exactly what re finds, or nil when
// re does not match s. A match of an alternation is a match of one of its
// alternatives, and at any position the pattern prefers the first
// alternative that matches there; an alternative none of whose literals is
// in s matches nowhere in s, and leaving it out changes no match. The
// submatches of the pattern returned are not re's.
func (re *litRegexp) pick(s string) *regexp.Regexp {
	return re.pickText(&foldedText{s: s})
}

// foldedText is a text and, once asked for, foldCase of it: patterns that
// read the same text look for their literals in one folded copy.
type foldedText struct {
	s      string
	f      string
	folded bool
	// plain is 1 when no rune of s beyond ASCII folds to an ASCII one, -1
	// when one does, 0 until known; ascii says s is all ASCII, when plain
	// is known.
	plain int8
	ascii bool
}

func (t *foldedText) fold() string {
	if !t.folded {
		t.f, t.folded = foldCase(t.s), true
	}
	return t.f
}

// scan is ls.scan on t.fold(). The literals are looked for in t.s itself,
// its ASCII letters upper-cased as they are read, when that finds the same
// ones: when t.s is ASCII (then that is its fold), or when the literals
// are and no other rune of t.s folds to ASCII (in foldCase, the others
// stay beyond ASCII, and an ASCII literal is found in the same runs of
// ASCII characters). Most texts are then never folded.
func (t *foldedText) scan(ls *litSet, yield func(owner int) bool) {
	if !t.folded {
		if t.plain == 0 {
			t.plain, t.ascii = 1, isASCII(t.s)
			if !t.ascii && slices.ContainsFunc(runesFoldedToASCII(), func(r rune) bool { return strings.ContainsRune(t.s, r) }) {
				t.plain = -1
			}
		}
		if t.ascii || ls.ascii && t.plain > 0 {
			ls.scanWith(t.s, &asciiUpper, yield)
			return
		}
	}
	ls.scan(t.fold(), yield)
}

// foundIn is ls.foundIn on t.fold().
func (t *foldedText) foundIn(ls *litSet) bool {
	found := false
	t.scan(ls, func(int) bool { found = true; return false })
	return found
}

// mark is ls.mark on t.fold().
func (t *foldedText) mark(ls *litSet, found []bool) {
	t.scan(ls, func(owner int) bool { found[owner] = true; return true })
}

// runesFoldedToASCII are the runes beyond ASCII that foldRune makes ASCII
// ("ſ" is "S", the Kelvin sign "K"): those of the case-folding orbits of
// the ASCII characters.
var runesFoldedToASCII = sync.OnceValue(func() []rune {
	var rs []rune
	for c := range rune(utf8.RuneSelf) {
		if foldRune(c) != c {
			continue // the orbit of foldRune(c) is c's
		}
		for r := unicode.SimpleFold(c); r != c; r = unicode.SimpleFold(r) {
			if r >= utf8.RuneSelf {
				rs = append(rs, r)
			}
		}
	}
	return rs
})

// asciiUpper maps each ASCII lower-case letter to its upper case, as
// foldRune does, and every other byte to itself; asciiSame maps every byte
// to itself.
var asciiUpper, asciiSame = func() (up, same [256]byte) {
	for i := range up {
		c := byte(i)
		same[i] = c
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	return up, same
}()

// pickText is pick for t.s.
func (re *litRegexp) pickText(t *foldedText) *regexp.Regexp {
	re.prepare()
	if re.alts == nil {
		if re.lits != nil && !t.foundIn(re.lits) {
			return nil
		}
		return re.full
	}
	var buf [256]bool // most patterns have fewer alternatives
	var try []bool
	if len(re.alts) <= len(buf) {
		try = buf[:len(re.alts)]
	} else {
		try = make([]bool, len(re.alts))
	}
	for _, i := range re.always {
		try[i] = true
	}
	t.mark(re.altLits, try)
	n, last := 0, -1
	for i, ok := range try {
		if ok {
			n++
			last = i
		}
	}
	switch {
	case n == 0:
		return nil
	case n == len(re.alts):
		return re.full
	case n == 1:
		if p := re.single[last].Load(); p != nil {
			return p
		}
		p := regexp.MustCompile(re.prefix + "(?:" + re.alts[last] + ")")
		re.single[last].Store(p)
		return p
	}
	key := make([]byte, len(try))
	for i, ok := range try {
		key[i] = '0'
		if ok {
			key[i] = '1'
		}
	}
	if sub, ok := re.subsets.Load(string(key)); ok {
		return sub.(*regexp.Regexp)
	}
	if re.nsubsets.Add(1) > maxSubsets {
		return re.full
	}
	var some []string
	for i, ok := range try {
		if ok {
			some = append(some, re.alts[i])
		}
	}
	sub := regexp.MustCompile(re.prefix + "(?:" + strings.Join(some, "|") + ")")
	re.subsets.Store(string(key), sub)
	return sub
}

// mayMatch is false when re does not match s.
func (re *litRegexp) mayMatch(s string) bool {
	re.prepare()
	switch {
	case re.alts == nil:
		return re.lits == nil || (&foldedText{s: s}).foundIn(re.lits)
	case len(re.always) > 0:
		return true
	}
	return (&foldedText{s: s}).foundIn(re.altLits)
}

// MatchString is regexp.Regexp.MatchString.
func (re *litRegexp) MatchString(s string) bool {
	return re.matchText(&foldedText{s: s})
}

// matchText is MatchString for t.s.
func (re *litRegexp) matchText(t *foldedText) bool {
	p := re.pickText(t)
	return p != nil && p.MatchString(t.s)
}

// FindString is regexp.Regexp.FindString.
func (re *litRegexp) FindString(s string) string {
	p := re.pick(s)
	if p == nil {
		return ""
	}
	return p.FindString(s)
}

// FindStringIndex is regexp.Regexp.FindStringIndex.
func (re *litRegexp) FindStringIndex(s string) []int {
	p := re.pick(s)
	if p == nil {
		return nil
	}
	return p.FindStringIndex(s)
}

// FindStringSubmatchIndex is regexp.Regexp.FindStringSubmatchIndex.
func (re *litRegexp) FindStringSubmatchIndex(s string) []int {
	if !re.mayMatch(s) {
		return nil
	}
	return re.full.FindStringSubmatchIndex(s)
}

// FindAllString is regexp.Regexp.FindAllString.
func (re *litRegexp) FindAllString(s string, n int) []string {
	p := re.pick(s)
	if p == nil {
		return nil
	}
	return p.FindAllString(s, n)
}

// FindAllStringIndex is regexp.Regexp.FindAllStringIndex.
func (re *litRegexp) FindAllStringIndex(s string, n int) [][]int {
	p := re.pick(s)
	if p == nil {
		return nil
	}
	return p.FindAllStringIndex(s, n)
}

// FindAllStringSubmatchIndex is regexp.Regexp.FindAllStringSubmatchIndex.
func (re *litRegexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	if !re.mayMatch(s) {
		return nil
	}
	return re.full.FindAllStringSubmatchIndex(s, n)
}

// ReplaceAllStringFunc is regexp.Regexp.ReplaceAllStringFunc.
func (re *litRegexp) ReplaceAllStringFunc(s string, repl func(string) string) string {
	p := re.pick(s)
	if p == nil {
		return s
	}
	return p.ReplaceAllStringFunc(s, repl)
}

// splitAlternatives cuts expr, "(?flags)" then alternatives, or "(?flags)",
// "^" maybe, and one group of alternatives, into what comes before the
// alternatives and the alternatives. A string matches expr exactly when it
// matches prefix+"(?:"+alt+")" for one of them. It returns no alternatives
// for other shapes.
func splitAlternatives(expr string) (prefix string, alts []string) {
	if strings.Contains(expr, `\Q`) {
		return "", nil
	}
	rest := expr
	if strings.HasPrefix(rest, "(?") && !strings.HasPrefix(rest, "(?:") && !strings.HasPrefix(rest, "(?P") {
		i := strings.IndexByte(rest, ')')
		if i < 0 || strings.ContainsAny(rest[2:i], ":(") {
			return "", nil
		}
		prefix, rest = rest[:i+1], rest[i+1:]
	}
	if strings.HasPrefix(rest, "^") {
		prefix, rest = prefix+"^", rest[1:]
		if !strings.HasPrefix(rest, "(?:") {
			return "", nil
		}
	}
	if strings.HasPrefix(rest, "(?:") {
		// One group around the rest: its alternatives.
		if end := groupEnd(rest); end == len(rest)-1 {
			rest = rest[3:end]
		} else if strings.HasSuffix(prefix, "^") {
			return "", nil
		}
	}
	alts = splitTopLevel(rest)
	for _, a := range alts {
		if _, err := syntax.Parse(prefix+"(?:"+a+")", syntax.Perl); err != nil {
			return "", nil
		}
	}
	return prefix, alts
}

// groupEnd returns the index of the parenthesis that closes the group that
// s starts with, or -1.
func groupEnd(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '[':
			i = classEnd(s, i)
			if i < 0 {
				return -1
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// classEnd returns the index of the "]" that closes the class that starts
// at s[i], or -1.
func classEnd(s string, i int) int {
	j := i + 1
	if j < len(s) && s[j] == '^' {
		j++
	}
	if j < len(s) && s[j] == ']' {
		j++ // a "]" first is a literal
	}
	for ; j < len(s); j++ {
		switch {
		case s[j] == '\\':
			j++
		case s[j] == '[' && j+1 < len(s) && s[j+1] == ':':
			k := strings.Index(s[j+2:], ":]")
			if k < 0 {
				return -1
			}
			j += 2 + k + 1
		case s[j] == ']':
			return j
		}
	}
	return -1
}

// splitTopLevel cuts s at the "|" outside groups and classes; nil when s is
// not well formed.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '[':
			i = classEnd(s, i)
			if i < 0 {
				return nil
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return nil
			}
		case '|':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil
	}
	return append(out, s[start:])
}

// requiredLiterals returns the literals, case-folded by foldRunes, one of
// which is in every match of expr; nil when there is no such set.
func requiredLiterals(expr string) []string {
	// As regexp.Compile parses it.
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return required(re.Simplify())
}

// required returns strings one of which every match of re contains
// (case-folded), or nil when it cannot tell.
func required(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{foldRunes(re.Rune)}
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		// Every part is in the match: the one with the longest literals.
		var best []string
		for _, sub := range re.Sub {
			if l := required(sub); l != nil && (best == nil || betterLiterals(l, best)) {
				best = l
			}
		}
		return best
	case syntax.OpAlternate:
		// The match is one of the alternatives: one of their literals.
		var all []string
		for _, sub := range re.Sub {
			l := required(sub)
			if l == nil {
				return nil
			}
			all = append(all, l...)
		}
		return all
	}
	return nil
}

// betterLiterals says whether a is the better filter: its shortest literal
// longer, or as long with fewer literals.
func betterLiterals(a, b []string) bool {
	ma, mb := shortest(a), shortest(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func shortest(l []string) int {
	n := -1
	for _, s := range l {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

// foldRune returns the smallest rune of r's case-folding orbit: two runes
// match each other in a case-insensitive pattern exactly when they fold to
// the same rune (regexp/syntax folds with unicode.SimpleFold).
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

func foldRunes(rs []rune) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// litSet finds literals in a text: the folded literals of a pattern in a
// folded text (see foldCase), or plain words in plain text. Each literal has
// an owner: the index of its list in newLitSet.
type litSet struct {
	// keyLen is the length of the shortest literal, at most 4: the first
	// keyLen bytes of a literal are its key, and seen has a bit for the
	// hash of each key.
	keyLen int
	seen   [1 << 16 / 64]uint64
	byKey  map[uint32][]ownedLit
	// anywhere are the owners of an empty literal, found in any text.
	anywhere []int
	// ascii says the literals are all ASCII.
	ascii bool
}

type ownedLit struct {
	s     string
	owner int
}

// newLitSet returns the set of the literals of lists, or nil when there is
// one list and it is empty or holds "": then any text may hold one of its
// literals.
func newLitSet(lists [][]string) *litSet {
	ls := &litSet{keyLen: 4, byKey: make(map[uint32][]ownedLit), ascii: true}
	n := 0
	for owner, lits := range lists {
		for _, l := range lits {
			if l == "" {
				ls.anywhere = append(ls.anywhere, owner)
				continue
			}
			ls.keyLen = min(ls.keyLen, len(l))
			n++
			for i := 0; i < len(l); i++ {
				ls.ascii = ls.ascii && l[i] < utf8.RuneSelf
			}
		}
	}
	if len(lists) == 1 && (n == 0 || len(ls.anywhere) > 0) {
		return nil
	}
	for owner, lits := range lists {
		for _, l := range lits {
			if l == "" {
				continue
			}
			var k uint32
			for i := 0; i < ls.keyLen && i < len(l); i++ {
				k = k<<8 | uint32(l[i])
			}
			h := litHash(k)
			ls.seen[h/64] |= 1 << (h % 64)
			ls.byKey[k] = append(ls.byKey[k], ownedLit{l, owner})
		}
	}
	return ls
}

func litHash(k uint32) uint32 { return (k * 0x9E3779B1) >> 16 }

// foundIn says whether the text f holds one of the literals.
func (ls *litSet) foundIn(f string) bool {
	found := false
	ls.scan(f, func(int) bool { found = true; return false })
	return found
}

// mark sets found[owner] for the owners of the literals in the text f.
func (ls *litSet) mark(f string, found []bool) {
	ls.scan(f, func(owner int) bool { found[owner] = true; return true })
}

// scan calls yield with the owner of each literal found in f, until yield
// returns false.
func (ls *litSet) scan(f string, yield func(owner int) bool) {
	ls.scanWith(f, &asciiSame, yield)
}

// scanWith is scan on f with each byte read through m.
func (ls *litSet) scanWith(f string, m *[256]byte, yield func(owner int) bool) {
	for _, o := range ls.anywhere {
		if !yield(o) {
			return
		}
	}
	kl := ls.keyLen
	if len(f) < kl {
		return // no literal is that short
	}
	mask := uint32(1)<<(8*kl) - 1
	if kl == 4 {
		mask = ^uint32(0)
	}
	var k uint32
	for i := 0; i < kl-1; i++ {
		k = k<<8 | uint32(m[f[i]])
	}
	for i := kl - 1; i < len(f); i++ {
		k = (k<<8 | uint32(m[f[i]])) & mask
		h := litHash(k)
		if ls.seen[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		start := i - kl + 1
		for _, l := range ls.byKey[k] {
			if hasPrefixWith(f[start:], l.s, m) && !yield(l.owner) {
				return
			}
		}
	}
}

// hasPrefixWith says whether s, each byte read through m, starts with p.
func hasPrefixWith(s, p string, m *[256]byte) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if m[s[i]] != p[i] {
			return false
		}
	}
	return true
}

// foldCase returns s with every rune replaced by foldRune of it, and every
// invalid byte by U+FFFD (as regexp reads it).
func foldCase(s string) string {
	// A Builder: its String does not copy the bytes.
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(foldRune(r))
		i += size
	}
	return b.String()
}

// startRegexp is a pattern anchored at the start of the text ("^...") whose
// matches start with one of a few runes, such as the patterns read on every
// line of a body: MatchString looks at the first rune of the text before it
// runs the pattern, which costs far more even when it fails at once.
type startRegexp struct {
	*regexp.Regexp
	// first holds foldRune of each rune a match may start with; nil when
	// any text may match.
	first map[rune]bool
	// firstASCII is first for the ASCII bytes, read without a map lookup.
	firstASCII [utf8.RuneSelf]bool
}

// maxStartRunes bounds the runes a startRegexp keeps; a pattern whose
// matches may start with more is run on every text.
const maxStartRunes = 512

// startRegexps are all the startRegexps of the package, for the tests.
var startRegexps []*startRegexp

// mustCompileStart is regexp.MustCompile for a startRegexp.
func mustCompileStart(expr string) *startRegexp {
	re := &startRegexp{Regexp: regexp.MustCompile(expr)}
	startRegexps = append(startRegexps, re)
	if tree, err := syntax.Parse(expr, syntax.Perl); err == nil && tree.Op == syntax.OpConcat &&
		len(tree.Sub) > 1 && tree.Sub[0].Op == syntax.OpBeginText {
		first := map[rune]bool{}
		if empty, ok := firstRunes(&syntax.Regexp{Op: syntax.OpConcat, Sub: tree.Sub[1:]}, first); ok && !empty {
			re.first = first
			for c := range utf8.RuneSelf {
				re.firstASCII[c] = first[foldRune(rune(c))]
			}
		}
	}
	return re
}

// MatchString is regexp.Regexp.MatchString.
func (re *startRegexp) MatchString(s string) bool {
	return re.mayMatch(s) && re.Regexp.MatchString(s)
}

// mayMatch is false when s does not start with a rune that a match may
// start with.
func (re *startRegexp) mayMatch(s string) bool {
	if re.first == nil {
		return true
	}
	if s != "" && s[0] < utf8.RuneSelf {
		return re.firstASCII[s[0]]
	}
	// regexp reads an invalid byte as U+FFFD, and so does DecodeRune.
	r, size := utf8.DecodeRuneInString(s)
	return size > 0 && re.first[foldRune(r)]
}

// firstRunes adds to set foldRune of each rune that a match of re may start
// with, and says whether re matches the empty string (then what follows re
// may start the match too). ok is false when the runes are too many to list.
func firstRunes(re *syntax.Regexp, set map[rune]bool) (empty, ok bool) {
	switch re.Op {
	case syntax.OpNoMatch:
		return false, true
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true, true
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return true, true
		}
		set[foldRune(re.Rune[0])] = true
		return false, true
	case syntax.OpCharClass:
		n := 0
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if n += int(re.Rune[i+1]-re.Rune[i]) + 1; n > maxStartRunes {
				return false, false
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				set[foldRune(r)] = true
			}
		}
		return false, true
	case syntax.OpCapture, syntax.OpPlus:
		return firstRunes(re.Sub[0], set)
	case syntax.OpStar, syntax.OpQuest:
		_, ok := firstRunes(re.Sub[0], set)
		return true, ok
	case syntax.OpRepeat:
		empty, ok := firstRunes(re.Sub[0], set)
		return empty || re.Min == 0, ok
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			empty, ok := firstRunes(sub, set)
			if !ok {
				return false, false
			}
			if !empty {
				return false, true
			}
		}
		return true, true
	case syntax.OpAlternate:
		empty := false
		for _, sub := range re.Sub {
			e, ok := firstRunes(sub, set)
			if !ok {
				return false, false
			}
			empty = empty || e
		}
		return empty, true
	}
	// Any character.
	return false, false
}
