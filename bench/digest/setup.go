package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// member is one recipient of the benchmark digest.
type member struct {
	email, authority, country, lang string
}

// countries are the 46 member states of the Council of Europe, whose local
// and regional authorities the Congress represents.
var countries = strings.Fields("AD AL AM AT AZ BA BE BG CH CY CZ DE DK EE ES FI FR GB GE GR HR HU IE IS IT LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS SE SI SK SM TR UA")

var (
	kindsEN = []string{"Municipality of", "City of", "Town of", "Region of", "County of", "District of", "Province of"}
	kindsFR = []string{"Commune de", "Ville de", "Région de", "Département de", "Communauté de communes de"}
	onsets  = strings.Fields("b br c ch d dr f g gr h k kl l m n p pl r s st t tr v z")
	vowels  = strings.Fields("a e i o u ea ie ou")
	codas   = strings.Fields("n r s l nt rg sk va ka ta no ni ce")
	tlds    = strings.Fields("eu org gov net info")
)

// members returns n authorities with distinct, lower-case addresses; about
// a third read the digest in French. The first k of them are the same for
// any n (the smaller runs send to a prefix).
func members(n int, seed uint64) []member {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]member, n)
	for i := range out {
		place := ""
		for range 2 + rng.IntN(2) {
			place += onsets[rng.IntN(len(onsets))] + vowels[rng.IntN(len(vowels))]
		}
		place += codas[rng.IntN(len(codas))]
		name := strings.ToUpper(place[:1]) + place[1:]
		m := member{country: countries[rng.IntN(len(countries))], lang: "en"}
		if rng.IntN(3) == 0 {
			m.lang = "fr"
			m.authority = kindsFR[rng.IntN(len(kindsFR))] + " " + name
		} else {
			m.authority = kindsEN[rng.IntN(len(kindsEN))] + " " + name
		}
		box := []string{"mayor", "international", "roma.inclusion", "contact", "europe", "social.affairs"}[rng.IntN(6)]
		// The index keeps every address distinct.
		m.email = fmt.Sprintf("%s.%d@%s.%s.%s", box, i+1, place, strings.ToLower(m.country), tlds[rng.IntN(len(tlds))])
		out[i] = m
	}
	return out
}

// writeMembersCSV writes ms in the format of `alliancebot members import`.
func writeMembersCSV(path string, ms []member) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"email", "authority", "country", "language"})
	for _, m := range ms {
		w.Write([]string{m.email, m.authority, m.country, m.lang})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// newsTitle and newsText are the one approved news item of the digest:
// about 3 KB of text, as staff write it.
const newsTitle = "Roma Week 2026: local and regional authorities share what works"

var newsParagraphs = []string{
	"The Congress of Local and Regional Authorities and the European Alliance of Cities and Regions for Roma Inclusion met in Strasbourg on 14 and 15 April for the Roma Week 2026. More than 120 mayors, councillors and officials from 31 member states took part, in person or online, together with representatives of Roma and Traveller communities, national contact points and civil society organisations.",
	"The first session looked at access to housing. The City of Timișoara presented its programme of small social housing units built with the families who live in them, and the Region of Andalusia explained how it combined European funds with its own budget to close three informal settlements in five years. Participants agreed that projects work best when Roma residents are involved from the design stage, and when the municipality keeps a single contact person for the families throughout.",
	"In the second session, on education, several authorities described school mediators employed by the municipality rather than by the school. Mediators follow children from pre-school to the end of compulsory education, visit families and help them with enrolment, transport and meals. Where mediators were introduced, early school leaving fell by up to a third within three years.",
	"The third session was devoted to employment and to the fight against antigypsyism in local administrations. The Alliance presented the first results of its questionnaire: 212 authorities have answered so far, and 64 of them have adopted a local action plan. Most ask for more exchanges between peers, for short practical guides and for training of front-line staff.",
	"The Alliance will publish the full report of the Roma Week in June, with the presentations and contact details of the speakers. Members who have not yet answered the questionnaire are invited to do so before 31 May; the answers feed the next report of the Congress to the Committee of Ministers. The next meeting of the Alliance will take place in Bucharest in October, hosted by the Municipality of Bucharest and the National Agency for Roma.",
	"For any question about the Alliance, its activities or this newsletter, reply to this message or write to the secretariat.",
}

// newsText is the item's text, paragraphs separated by blank lines.
func newsText() string { return strings.Join(newsParagraphs, "\n\n") + "\n" }

// importChunk is how many members go in one CSV file, one `members
// import` each: PutMembers writes a whole file in one transaction, and one
// of 130,000 rows takes minutes.
const importChunk = 10000

// prepareStore makes the store that every run at n starts from: the first n
// members imported with `alliancebot members import` from CSV files of
// importChunk rows, and the news item added (approved) with `alliancebot
// news add`.
func (b *bench) prepareStore(ctx context.Context, dir string, n int) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	storePath := filepath.Join(dir, "template.db")
	newsPath := filepath.Join(dir, "news.txt")
	if err := os.WriteFile(newsPath, []byte(newsText()), 0o600); err != nil {
		return "", err
	}
	cli := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, b.bin, args...)
		cmd.Env = b.daemonEnv(storePath)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("alliancebot %s: %w\n%s", strings.Join(args[:2], " "), err, out)
		}
		return string(out), nil
	}
	for lo := 0; lo < n; lo += importChunk {
		hi := min(lo+importChunk, n)
		csvPath := filepath.Join(dir, fmt.Sprintf("members-%d.csv", lo/importChunk+1))
		if err := writeMembersCSV(csvPath, b.members[lo:hi]); err != nil {
			return "", err
		}
		out, err := cli("members", "import", csvPath)
		if err != nil {
			return "", err
		}
		if !strings.Contains(out, fmt.Sprintf("%d added, 0 updated, 0 rows not imported", hi-lo)) {
			return "", fmt.Errorf("alliancebot members import: %s", strings.TrimSpace(out))
		}
		os.Remove(csvPath)
	}
	if _, err := cli("news", "add", "--title", newsTitle, "--body-file", newsPath, "--link", "https://www.coe.int/en/web/congress"); err != nil {
		return "", err
	}
	return storePath, nil
}

// copyFile copies src to dst and flushes dst to disk.
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
