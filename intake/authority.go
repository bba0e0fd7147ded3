package intake

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// AuthorityKey names the authority that q answers for, so that a later answer
// from the same authority supersedes the earlier one: the country and the
// name without accents, case, punctuation or the words that only say what
// kind of authority it is ("City of", "Ville de", "Stadt"). Without a name it
// falls back to the sender's address.
func AuthorityKey(q *Questionnaire, from string) string {
	country := ""
	if q.Country != nil {
		country = *q.Country
	}
	if q.AuthorityName != nil {
		if name := simplifyName(*q.AuthorityName); name != "" {
			return strings.ToLower(country) + ":" + name
		}
	}
	return "sender:" + strings.ToLower(strings.TrimSpace(from))
}

// kindWords say what kind of authority a name is, in the main languages; they
// are dropped from names before comparing.
var kindWords = map[string]bool{
	"city": true, "town": true, "municipality": true, "of": true, "the": true, "council": true,
	"borough": true, "county": true, "region": true, "regional": true, "district": true,
	"ville": true, "de": true, "du": true, "des": true, "la": true, "le": true, "l": true, "d": true,
	"commune": true, "mairie": true, "municipalite": true, "departement": true, "conseil": true,
	"stadt": true, "gemeinde": true, "landkreis": true, "kreis": true, "der": true, "die": true, "das": true,
	"citta": true, "comune": true, "di": true, "ciudad": true, "ayuntamiento": true, "municipio": true,
	"del": true, "primaria": true, "municipiul": true, "orasul": true, "judetul": true,
	"mesto": true, "obec": true, "grad": true, "opcina": true, "gmina": true, "miasto": true,
}

func simplifyName(s string) string {
	s = norm.NFKD.String(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			// accents
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	var words []string
	for _, w := range strings.Fields(b.String()) {
		if !kindWords[w] {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		// The name is nothing but kind words ("Ville de"?): keep it whole.
		return strings.Join(strings.Fields(b.String()), " ")
	}
	return strings.Join(words, " ")
}

// Merge returns the answers of older brought up to date by newer: each
// question that newer answers takes newer's answer; the others keep older's.
// A correction that answers two questions thus changes two answers. Source
// and Missing describe the result.
func Merge(older, newer *Questionnaire) *Questionnaire {
	if older == nil {
		return newer
	}
	if newer == nil {
		return older
	}
	out := *older
	answeredByNewer := make(map[string]bool)
	for _, k := range questionKeys {
		answeredByNewer[k] = !slices.Contains(newer.Missing, k)
	}
	take := func(key string, set func()) {
		if answeredByNewer[key] {
			set()
		}
	}
	take("authority_name", func() { out.AuthorityName = newer.AuthorityName })
	take("country", func() { out.Country = newer.Country })
	take("authority_type", func() { out.AuthorityType = newer.AuthorityType })
	take("population", func() { out.Population = newer.Population })
	take("roma_estimate", func() { out.RomaEstimate = newer.RomaEstimate })
	take("contact_name", func() { out.ContactName = newer.ContactName })
	take("contact_function", func() { out.ContactFunction = newer.ContactFunction })
	take("contact_email", func() { out.ContactEmail = newer.ContactEmail })
	take("contact_phone", func() { out.ContactPhone = newer.ContactPhone })
	take("interested", func() { out.Interested = newer.Interested })
	take("thematic_priorities", func() { out.ThematicPriorities = newer.ThematicPriorities })
	take("crosscutting_issues", func() { out.CrosscuttingIssues = newer.CrosscuttingIssues })
	take("activities", func() { out.Activities = newer.Activities })
	take("needs", func() { out.Needs = newer.Needs })
	take("projects", func() { out.Projects = newer.Projects })
	take("newsletter", func() { out.Newsletter = newer.Newsletter })
	out.Missing = []string{}
	for _, k := range questionKeys {
		if slices.Contains(older.Missing, k) && slices.Contains(newer.Missing, k) {
			out.Missing = append(out.Missing, k)
		}
	}
	out.Source = newer.Source
	return &out
}
