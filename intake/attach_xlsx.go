package intake

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Bounds on reading a spreadsheet.
const (
	xlsxMaxSheets = 50
	xlsxMaxRows   = 1000 // rows read per sheet
	xlsxMaxCols   = 200
	xlsxHeadRows  = 30 // rows searched for the header
)

// readXLSX reads an Excel 2007+ workbook with one row per authority. The
// sheet with the best header row (the first row where at least 3 cells name
// questions: by key, English or French label, or number) gives one Fields map
// per later non-empty row, keyed by the questions the headers name. A sheet
// laid out the other way (questions down the first column, one authority per
// column) works too. Text is every sheet, a row a line, "cell | cell".
func readXLSX(data []byte, lim Limits) (document, error) {
	lim = lim.attachLimits()
	z, err := openZip(data, lim)
	if err != nil {
		return document{}, fmt.Errorf("not a valid Excel file: %w", err)
	}
	if !z.has("xl/workbook.xml") {
		return document{}, fmt.Errorf("not a valid Excel file: %w: xl/workbook.xml", errNoEntry)
	}
	// excelize reads every entry: check them all before it does.
	if err := z.checkAll(); err != nil {
		return document{}, err
	}
	sheets, truncated, err := workbookRows(data, lim)
	if err != nil {
		return document{}, fmt.Errorf("not a valid Excel file: %v", err)
	}
	var doc document
	best := 0
	var texts []string
	for _, s := range sheets {
		if t := sheetText(s.rows); t != "" {
			texts = append(texts, t)
		}
		fields, score := sheetFields(s.rows)
		if score > best && len(fields) > 0 {
			best, doc.Fields = score, fields
		}
	}
	doc.Text = strings.Join(texts, "\n\n")
	if len(doc.Text) > maxDocText {
		doc.Text = strings.ToValidUTF8(doc.Text[:maxDocText], "")
	}
	if len(truncated) > 0 {
		return doc, fmt.Errorf("only the first %d rows of %s were read", xlsxMaxRows, strings.Join(truncated, ", "))
	}
	return doc, nil
}

type sheet struct {
	name string
	rows [][]string
}

// workbookRows reads the cells of each sheet (as displayed, formatted), within
// the bounds above. truncated names the sheets with more rows.
func workbookRows(data []byte, lim Limits) (sheets []sheet, truncated []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			sheets, truncated, err = nil, nil, fmt.Errorf("%v", p)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    int64(lim.MaxExpanded),
		UnzipXMLSizeLimit: int64(lim.MaxExpanded), // never to temporary files
	})
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	for i, name := range f.GetSheetList() {
		if i >= xlsxMaxSheets {
			break
		}
		rows, err := f.Rows(name)
		if err != nil {
			continue
		}
		var out [][]string
		for rows.Next() {
			if len(out) >= xlsxMaxRows {
				truncated = append(truncated, "sheet "+strconv.Quote(name))
				break
			}
			cols, err := rows.Columns()
			if err != nil {
				break
			}
			if len(cols) > xlsxMaxCols {
				cols = cols[:xlsxMaxCols]
			}
			for j, c := range cols {
				cols[j] = strings.TrimSpace(c)
			}
			out = append(out, cols)
		}
		rows.Close()
		sheets = append(sheets, sheet{name: name, rows: out})
	}
	return sheets, truncated, nil
}

// sheetText renders rows as lines, "cell | cell", leaving out empty rows and
// trailing empty cells.
func sheetText(rows [][]string) string {
	var lines []string
	for _, r := range rows {
		n := len(r)
		for n > 0 && r[n-1] == "" {
			n--
		}
		if n == 0 {
			continue
		}
		cells := make([]string, n)
		for i, c := range r[:n] {
			cells[i] = strings.Join(strings.Fields(c), " ")
		}
		lines = append(lines, strings.Join(cells, " | "))
	}
	return strings.Join(lines, "\n")
}

// sheetFields finds the header of rows and returns one map per authority,
// and a score: how many questions the header names (0 when none is found).
func sheetFields(rows [][]string) ([]map[string]string, int) {
	hrow, keys, score := -1, []string(nil), 0
	for i := 0; i < len(rows) && i < xlsxHeadRows; i++ {
		ks, n := headerKeys(rows[i])
		if n >= 3 {
			hrow, keys, score = i, ks, n
			break
		}
	}
	if hrow < 0 {
		return verticalFields(rows)
	}
	var out []map[string]string
	for _, r := range rows[hrow+1:] {
		if repeatsHeader(r, keys, score) {
			continue // a second header line, in another language
		}
		m := map[string]string{}
		answered := false
		for j, v := range r {
			if j >= len(keys) || keys[j] == "" {
				continue
			}
			k := keys[j]
			if isCodeKey(k) {
				v = markValue(v)
			}
			if v == "" {
				continue
			}
			if prev, ok := m[k]; ok && prev != "" && prev != "Off" {
				continue
			}
			m[k] = v
			if formKeys[k] && v != "Off" {
				answered = true
			}
		}
		if answered {
			out = append(out, m)
		}
	}
	return out, score
}

// repeatsHeader says whether row names, column by column, the same
// questions as the header keys: a header repeated in another language.
func repeatsHeader(row, keys []string, score int) bool {
	n := 0
	for j, c := range row {
		if j < len(keys) && formKeys[keys[j]] && headerKey(c) == keys[j] {
			n++
		}
	}
	return n >= max(3, score/2)
}

// verticalFields reads a sheet with the questions down a column (of the
// first five) and one authority per later column.
func verticalFields(rows [][]string) ([]map[string]string, int) {
	for c := 0; c < 5; c++ {
		keys := make([]string, len(rows))
		seen := map[string]bool{}
		for i, r := range rows {
			if c < len(r) {
				if k := headerKey(r[c]); k != "" && formKeys[k] {
					keys[i] = k
					seen[k] = true
				}
			}
		}
		if len(seen) < 3 {
			continue
		}
		width := 0
		for _, r := range rows {
			width = max(width, len(r))
		}
		var out []map[string]string
		for j := c + 1; j < width; j++ {
			m := map[string]string{}
			for i, r := range rows {
				if keys[i] == "" || j >= len(r) {
					continue
				}
				v := r[j]
				if isCodeKey(keys[i]) {
					v = markValue(v)
				}
				if v != "" {
					if _, ok := m[keys[i]]; !ok {
						m[keys[i]] = v
					}
				}
			}
			answered := false
			for _, v := range m {
				if v != "Off" {
					answered = true
				}
			}
			if answered {
				out = append(out, m)
			}
		}
		return out, len(seen)
	}
	return nil, 0
}

// headerKeys maps a header row to keys: a questionnaire key or key_code
// where the header names one, the header itself otherwise ("" for an empty
// cell). n counts the distinct questionnaire keys named.
func headerKeys(row []string) (keys []string, n int) {
	keys = make([]string, len(row))
	seen := map[string]bool{}
	for j, h := range row {
		k := headerKey(h)
		if k == "" {
			keys[j] = strings.TrimSpace(h)
			continue
		}
		keys[j] = k
		if !seen[k] {
			seen[k] = true
			n++
		}
	}
	return keys, n
}

var headerNumber = regexp.MustCompile(`^(?:(?:q|question|n|no|nr)\s*)?(\d{1,2})([a-z])?(?:\s+(.*))?$`)

// headerKey returns the key or key_code that a column header (or a question
// cell) names: "country", "Pays", "2. Country", "Q11 Education",
// "Thematic priorities: Housing", "Logement"; "" when none.
func headerKey(h string) string {
	h = strings.TrimSpace(h)
	if h == "" || len(h) > 300 {
		return ""
	}
	if k := fieldKey(h); k != "" {
		return k
	}
	n := normLabel(h)
	if n == "" {
		return ""
	}
	if m := headerNumber.FindStringSubmatch(n); m != nil {
		num, _ := strconv.Atoi(m[1])
		if num >= 1 && num <= len(formQuestions) {
			q := formQuestions[num-1]
			rest := m[3]
			for _, l := range []string{normLabel(q.en), normLabel(q.fr)} {
				rest = strings.TrimSpace(strings.TrimPrefix(rest, l))
			}
			if rest != "" {
				if code := codeLabels()[rest]; code != "" && strings.HasPrefix(code, q.key+"_") {
					return code
				}
			}
			return q.key
		}
	}
	if k := questionLabels()[n]; k != "" {
		return k
	}
	if k := codeLabels()[n]; k != "" {
		return k
	}
	// "Thematic priorities: Housing", "Priorités thématiques – Logement".
	parts := strings.FieldsFunc(h, func(r rune) bool { return strings.ContainsRune(":–—/()[]", r) })
	if len(parts) == 1 {
		parts = strings.Split(h, " - ")
	}
	if len(parts) >= 2 {
		q := questionLabels()[normLabel(parts[0])]
		code := codeLabels()[normLabel(parts[len(parts)-1])]
		if q != "" && code != "" && strings.HasPrefix(code, q+"_") {
			return code
		}
		if q != "" {
			return q
		}
	}
	// "Population (inhabitants)", "Country of the authority".
	best := ""
	for l := range questionLabels() {
		if len(l) >= 5 && strings.HasPrefix(n, l+" ") && len(l) > len(best) {
			best = l
		}
	}
	if best != "" {
		return questionLabels()[best]
	}
	return ""
}

// normLabel lower-cases s, drops accents and punctuation and collapses
// spaces: "Priorités thématiques :" is "priorites thematiques".
func normLabel(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	if out, _, err := transform.String(t, s); err == nil {
		s = out
	}
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return ' '
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// questionLabels maps normalised labels, English, French and the short forms
// that spreadsheets use as headers, to keys.
var questionLabels = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, q := range formQuestions {
		m[normLabel(q.en)] = q.key
		m[normLabel(q.fr)] = q.key
		m[normLabel(strings.ReplaceAll(q.key, "_", " "))] = q.key
	}
	for key, ls := range map[string][]string{
		"authority_name": {"authority", "authority name", "name of authority", "name of the authority",
			"local authority", "local or regional authority", "municipality", "city", "commune", "ville",
			"collectivite", "nom de la collectivite", "collectivite locale ou regionale", "name", "nom"},
		"country":        {"state", "country iso", "pays iso"},
		"authority_type": {"type", "authority type", "type of local authority", "category", "categorie"},
		"population":     {"inhabitants", "number of inhabitants", "habitants", "nombre d habitants", "population totale", "total population"},
		"roma_estimate": {"roma", "roms", "roma population", "number of roma", "estimated roma population",
			"estimated number of roma", "nombre de roms", "estimation roms", "roma and travellers", "roms et gens du voyage"},
		"contact_name":     {"contact", "contact name", "name of contact", "name of contact person", "nom du contact", "interlocuteur"},
		"contact_function": {"position", "job title", "title", "role", "poste", "fonction du contact", "function of contact person"},
		"contact_email":    {"email", "e mail address", "email address", "mail", "adresse electronique", "adresse e mail", "adresse mail", "e mail du contact"},
		"contact_phone":    {"phone", "phone number", "tel", "telephone number", "numero de telephone", "tel du contact"},
		"interested":       {"interest", "interested in joining", "joining the alliance", "join the alliance", "interesse", "souhaite participer", "participation a l alliance"},
		"thematic_priorities": {"priorities", "priorites", "themes", "thematic", "thematic issues",
			"priorites thematiques", "thematiques"},
		"crosscutting_issues": {"cross cutting", "crosscutting", "crosscutting issues", "transversal issues", "questions transversales", "transversal"},
		"activities":          {"activities", "activites", "activities of interest", "activites d interet"},
		"needs":               {"needs", "besoins", "needs and challenges", "challenges", "difficultes", "besoins et difficultes"},
		"projects":            {"projects", "projets", "good practices", "bonnes pratiques", "projects and good practices"},
		"newsletter":          {"newsletter", "lettre d information", "newsletter subscription", "bulletin"},
	} {
		for _, l := range ls {
			if _, ok := m[l]; !ok {
				m[l] = key
			}
		}
	}
	return m
})

// codeLabels maps the normalised labels of the options of the list questions
// (11 to 13) to key_code, for spreadsheets with one column per option.
var codeLabels = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, c := range formCodes {
		switch c.key {
		case "thematic_priorities", "crosscutting_issues", "activities":
		default:
			continue
		}
		kc := c.key + "_" + c.code
		for _, l := range []string{c.en, c.fr, strings.ReplaceAll(c.code, "_", " ")} {
			if _, ok := m[normLabel(l)]; !ok {
				m[normLabel(l)] = kc
			}
		}
	}
	return m
})

// markValue reads a cell of a one-option column: "Yes" when it marks the
// option, "Off" when empty or a no, the text otherwise.
func markValue(v string) string {
	n := strings.ToLower(strings.TrimSpace(v))
	switch n {
	case "", "no", "non", "0", "false", "faux", "-", "n", "nein", "ne":
		return "Off"
	case "x", "yes", "oui", "1", "true", "vrai", "✓", "✔", "☒", "☑", "y", "o", "ja", "si", "sí", "da", "tak", "igen", "ano", "jā", "taip", "kyllä", "sim", "evet":
		return "Yes"
	}
	return strings.TrimSpace(v)
}
