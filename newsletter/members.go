package newsletter

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"

	"github.com/coe-congress/alliancebot/store"
)

// LineError is a row of a members file that was not imported, and why.
type LineError struct {
	Line int
	Err  error
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// maxImportRows bounds one import, so that a wrong file cannot fill the
// store.
const maxImportRows = 1_000_000

// ReadMembers reads a CSV file of members: a header row naming at least the
// columns email, authority, country and language (en or fr), in any order,
// other columns allowed; then one member a row. Excel's habits are
// accepted: a byte-order mark, semicolons instead of commas, CRLF. Rows that
// are wrong are returned as LineErrors, with their line number in the file,
// and the others are returned to import. An error is returned only when the
// file as a whole cannot be read.
func ReadMembers(r io.Reader) ([]store.Member, []LineError, error) {
	data, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return nil, nil, err
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	first, _, _ := strings.Cut(text, "\n")
	cr := csv.NewReader(strings.NewReader(text))
	if strings.Count(first, ";") > strings.Count(first, ",") {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("read header row: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	var missing []string
	for _, c := range []string{"email", "authority", "country", "language"} {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("header row lacks %s (want email,authority,country,language)", strings.Join(missing, ", "))
	}
	var (
		out  []store.Member
		bad  []LineError
		seen = map[string]int{}
	)
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if n >= maxImportRows {
			return nil, nil, fmt.Errorf("more than %d rows", maxImportRows)
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, nil, err
			}
			bad = append(bad, LineError{Line: pe.StartLine, Err: pe.Err})
			continue
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // an empty row, as spreadsheets leave
		}
		m := store.Member{Authority: get("authority"), Country: strings.ToUpper(get("country")), Language: strings.ToLower(get("language")), Source: "import"}
		email := get("email")
		a, err := mail.ParseAddress(email)
		switch {
		case email == "":
			err = errors.New("no email")
		case err != nil || a.Address != email && a.Name == "":
			err = fmt.Errorf("email %q is not an address", email)
		case m.Authority == "":
			err = errors.New("no authority")
		case len(m.Country) != 2 || strings.Trim(m.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
			err = fmt.Errorf("country %q is not a two-letter code such as FR", get("country"))
		case m.Language != "en" && m.Language != "fr":
			err = fmt.Errorf("language %q: use en or fr", get("language"))
		default:
			err = nil
		}
		if err != nil {
			bad = append(bad, LineError{Line: line, Err: err})
			continue
		}
		m.Email = strings.ToLower(a.Address)
		if prev, ok := seen[m.Email]; ok {
			bad = append(bad, LineError{Line: line, Err: fmt.Errorf("%s is on line %d already", m.Email, prev)})
			continue
		}
		seen[m.Email] = line
		out = append(out, m)
	}
	return out, bad, nil
}
