// parseOptionsFolded keeps its chosen and present codes in slices; here it
// is held to the code before, which kept them in maps.

package intake

import (
	"reflect"
	"strings"
	"testing"
)

// parseOptionsFoldedMaps is parseOptionsFolded as it was.
func parseOptionsFoldedMaps(q int, s, f string) (codes []string, answered bool) {
	codes = []string{}
	if _, ok := optionLists[q]; !ok {
		return codes, false
	}
	k := simplifyFolded(f)
	if unknownKey(f, k) {
		return codes, true
	}
	multi := !singleChoice(q)
	if multi && hasPhrasePrefix(k, noneWords) {
		return codes, true
	}
	ev := optionEvents(q, s, f)
	// "All", "all except health".
	if multi && hasPhrasePrefix(k, allWords) {
		except := false
		for _, w := range exceptWords {
			if strings.Contains(" "+k+" ", " "+w+" ") {
				except = true
			}
		}
		out := map[string]bool{}
		for _, c := range optionCodes(q) {
			out[c] = true
		}
		if except {
			for _, e := range ev {
				if e.code != "" {
					out[e.code] = false
				}
			}
		}
		return inOrder(q, out), true
	}
	// Merge the labels of one option that follow each other with no mark
	// between them: "Municipality (city, town, commune)".
	merged := ev[:0] // in place: it never outgrows what it has read
	for _, e := range ev {
		if n := len(merged); n > 0 && e.code != "" && merged[n-1].code == e.code {
			merged[n-1].end = e.end
			continue
		}
		merged = append(merged, e)
	}
	ev = merged
	nMarks, nLabels := 0, 0
	realMarks := 0
	for _, e := range ev {
		if e.mark {
			nMarks++
			if !e.word {
				realMarks++
			}
		} else {
			nLabels++
		}
	}
	if nLabels == 0 {
		return codes, false
	}
	chosen := map[string]bool{}
	var first []string // chosen codes in text order
	choose := func(c string) {
		if !chosen[c] {
			chosen[c] = true
			first = append(first, c)
		}
	}
	if nMarks == 0 {
		// Prose, or the options left after deleting the others.
		if !multi {
			if c := proseChoice(q, ev); c != "" {
				return []string{c}, true
			}
			return codes, false
		}
		for _, e := range ev {
			choose(e.code)
		}
		return inOrder(q, chosen), true
	}
	// Marks before or after labels: whichever pairs more labels with a mark.
	before, after := 0, 0
	for i, e := range ev {
		if e.code == "" {
			continue
		}
		if i > 0 && ev[i-1].mark {
			before++
		}
		if i+1 < len(ev) && ev[i+1].mark {
			after++
		}
	}
	useBefore := before > after || before == after && ev[0].mark
	if realMarks == 0 && before == after {
		// Word marks ("Education: yes") come after their labels.
		useBefore = false
	}
	present := map[string]bool{}
	for i, e := range ev {
		if e.code == "" {
			continue
		}
		present[e.code] = true
		var m *optEvent
		if useBefore && i > 0 && ev[i-1].mark {
			m = &ev[i-1]
		} else if !useBefore && i+1 < len(ev) && ev[i+1].mark {
			m = &ev[i+1]
		}
		if m != nil && m.checked {
			choose(e.code)
		}
	}
	if len(chosen) == 0 {
		// Every box empty. When some options were deleted, the ones left are
		// the choice; the whole list untouched is a blank template.
		if len(present) > 0 && len(present) < len(optionCodes(q)) && realMarks > 0 {
			allUnchecked := true
			for _, e := range ev {
				if e.mark && e.checked {
					allUnchecked = false
				}
			}
			if allUnchecked && (multi || len(present) == 1) {
				for c := range present {
					chosen[c] = true
				}
				if !multi {
					for _, e := range ev {
						if e.code != "" {
							return []string{e.code}, true
						}
					}
				}
				return inOrder(q, chosen), true
			}
		}
		return codes, false
	}
	if !multi {
		return []string{first[0]}, true
	}
	return inOrder(q, chosen), true
}

// optionSamples are answers to the questions with options.
var optionSamples = []struct {
	q int
	s string
}{
	{11, "[X] Education\n[ ] Employment and vocational training\n[x] Housing\n[ ] Health"},
	{11, "☒ Éducation ☐ Emploi et formation professionnelle ☒ Logement ☒ Santé"},
	{11, "☑ Education ☐ Housing"},
	{11, "✔ Education\n✓ Health"},
	{11, "(x) Education ( ) Housing (X) Health"},
	{11, "X Education\nX Housing"},
	{10, "þ Yes ¨ No ¨ Not decided yet"},
	{11, "¨ Education ý Housing"},
	{11, "Éducation X ; Logement X"},
	{11, "Education [X]\nHousing [ ]\nHealth [X]"},
	{11, "Education: yes\nEmployment: no\nHousing: yes\nHealth: no"},
	{11, "Education - oui, Santé - non"},
	{11, "Bildung: ja / Wohnen: nein / Gesundheit: ja"},
	{11, "Housing, Health, Education"},
	{11, "Education and housing"},
	{11, "éducation, logement"},
	{11, "Employment"},
	{11, "Santé"},
	{11, "education, employment"},
	{11, "Educație, Locuire, Sănătate (Education, Housing, Health)"},
	{11, "[ ] Education\n[ ] Housing"},
	{13, "study visit"},
	{13, "study_visits, good_practices"},
	{13, "Exchange of good practices, Thematic workshops, Expert advice"},
	{13, "Training"},
	{11, "Employment and vocational training"},
	{13, "Information on funding"},
	{12, "Roma participation; Intercultural understanding"},
	{12, "Lutte contre les stéréotypes X ; Compréhension interculturelle X"},
	{13, "All of them"},
	{11, "all except health"},
	{11, "none"},
	{11, "unknown"},
	{11, "[ ] Education\n[ ] Employment and vocational training\n[ ] Housing\n[ ] Health"},
	{11, "☐ Éducation ☐ Emploi et formation professionnelle ☐ Logement ☐ Santé"},
	{11, "see attached"},
	{3, "[X] Municipality (city, town, commune)\n[ ] County, province or département\n[ ] Region"},
	{3, "County, province or département"},
	{3, "Association de collectivités X"},
	{3, "Municipiu (Municipality)"},
	{3, "Region"},
	{3, "Landkreis"},
	{3, "Other: metropolitan area"},
	{10, "[X] Yes   [ ] No   [ ] Not decided yet"},
	{10, "[ ] Yes   [ ] No   [X] Not decided yet"},
	{10, "☒ Oui ☐ Non ☐ Pas encore décidé"},
	{10, "Yes [X] No [ ]"},
	{10, "Not decided yet - the Giunta will discuss it in May"},
	{10, "pas encore décidé"},
	{10, "à l'étude"},
	{10, "maybe"},
	{10, "Da"},
	{10, "Tak"},
	{10, "Igen"},
	{10, "Ano"},
	{10, "Sí"},
	{10, "Sì"},
	{10, "Ja"},
	{10, "oui"},
	{10, "Ναι"},
	{10, "Да"},
	{10, "Evet"},
	{10, "Nein"},
	{10, "We are interested, yes."},
	{10, "not interested"},
	{10, "noch nicht entschieden"},
	{10, "nog niet besloten"},
	{10, "[ ] Yes   [ ] No   [ ] Not decided yet"},
	{16, "[X] Yes   [ ] No"},
	{16, "No – we receive it through the national network."},
	{16, "non, merci (nous la recevons déjà via le CCRE)"},
	{16, "yes please"},
	{16, "No thank you."},
	{16, "[ ] Yes   [ ] No"},
	{11, "[ ] Education [x] Housing [ ] Health"},
	{11, "☐ Education ☐ Housing"},
	{12, "All except health"},
	{3, "[ ] Municipality [ ] Region"},
	{13, "Education: yes\nHousing: no\nHealth: yes"},
}

func checkParseOptionsFolded(t *testing.T, q int, s string) {
	t.Helper()
	f := foldText(s)
	got, gotOK := parseOptionsFolded(q, s, f)
	want, wantOK := parseOptionsFoldedMaps(q, s, f)
	if gotOK != wantOK || !reflect.DeepEqual(got, want) {
		t.Fatalf("parseOptionsFolded(%d, %q) = %#v, %v, want %#v, %v", q, s, got, gotOK, want, wantOK)
	}
}

func TestParseOptionsFoldedMaps(t *testing.T) {
	for _, x := range optionSamples {
		for q := range optionLists {
			checkParseOptionsFolded(t, q, x.s)
			checkParseOptionsFolded(t, q, strings.ReplaceAll(x.s, "[x]", "[ ]"))
		}
	}
}

func FuzzParseOptionsFolded(f *testing.F) {
	for _, x := range optionSamples {
		f.Add(x.q, x.s)
	}
	f.Fuzz(func(t *testing.T, q int, s string) {
		checkParseOptionsFolded(t, q, s)
	})
}
