// Package samplemail holds sample e-mail for alliancebot: replies to the
// Alliance questionnaire, join requests, unsubscribe requests, bounces,
// auto-replies and other mail, as the shared mailbox roma.summit@coe.int
// receives them.
//
// Each sample is a raw RFC 5322 message (CRLF line endings) written in the
// style of a real mail client or MTA: Outlook, Gmail, Thunderbird, Roundcube,
// Apple Mail, Postfix, qmail, Sendmail, Exchange. Names, addresses and
// numbers are invented; domains are example domains. The samples are the
// demo a new user sees and the test data of the classifier and extractors.
//
// mail/classes.csv gives, for every file, the class that
// `alliancebot parse --json` is expected to give (see
// shared/spec/parse-json.md) and a note on what the sample exercises.
package samplemail

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed mail/*.eml mail/classes.csv
var files embed.FS

// Classes are the classes of parse-json.md.
var Classes = []string{"questionnaire", "join_request", "unsubscribe", "bounce", "auto_reply", "news", "other"}

// Sample is one raw message and the class it is expected to get.
type Sample struct {
	Name  string // file name, as "01-questionnaire-en-inline.eml"
	Class string // expected class per parse-json.md
	Note  string // what the sample exercises
	Raw   []byte // the message, CRLF line endings
}

// All returns every sample, sorted by name. It panics if the embedded
// files are inconsistent, which the package tests rule out.
func All() []Sample {
	s, err := load()
	if err != nil {
		panic("samplemail: " + err.Error())
	}
	return s
}

// Get returns the sample with the given file name.
func Get(name string) (Sample, bool) {
	for _, s := range All() {
		if s.Name == name {
			return s, true
		}
	}
	return Sample{}, false
}

type entry struct{ class, note string }

func readClasses() (map[string]entry, error) {
	data, err := files.ReadFile("mail/classes.csv")
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 3
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("classes.csv: %w", err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != "name,class,note" {
		return nil, fmt.Errorf("classes.csv: header must be name,class,note")
	}
	m := make(map[string]entry, len(recs)-1)
	for _, rec := range recs[1:] {
		if _, dup := m[rec[0]]; dup {
			return nil, fmt.Errorf("classes.csv: %s listed twice", rec[0])
		}
		m[rec[0]] = entry{class: rec[1], note: rec[2]}
	}
	return m, nil
}

func load() ([]Sample, error) {
	classes, err := readClasses()
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(files, "mail/*.eml")
	if err != nil {
		return nil, err
	}
	out := make([]Sample, 0, len(names))
	for _, p := range names {
		raw, err := files.ReadFile(p)
		if err != nil {
			return nil, err
		}
		name := path.Base(p)
		e, ok := classes[name]
		if !ok {
			return nil, fmt.Errorf("%s is not listed in classes.csv", name)
		}
		out = append(out, Sample{Name: name, Class: e.class, Note: e.note, Raw: raw})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
