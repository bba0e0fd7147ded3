package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/coe-congress/alliancebot/intake"
)

// runParse prints what intake understands of message files, without touching
// a mailbox or a database: the contract of ../shared/spec/parse-json.md.
func runParse(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "parse", "[--json] FILE...")
	asJSON := fs.Bool("json", false, "one JSON object a line, as in the parse-json contract")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("parse: name at least one message file (.eml)")
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	var failed int
	for _, name := range fs.Args() {
		raw, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(e.stderr, "alliancebot parse: %v\n", err)
			failed++
			continue
		}
		res := intake.Parse(raw, intake.Options{})
		res.File = name
		if *asJSON {
			if err := enc.Encode(res); err != nil {
				return err
			}
			continue
		}
		printResult(e.stdout, res)
	}
	if failed > 0 {
		return fmt.Errorf("parse: %d of %d files could not be read", failed, fs.NArg())
	}
	return nil
}

// printResult writes a result for a person to read.
func printResult(w io.Writer, r *intake.Result) {
	fmt.Fprintf(w, "%s: %s", r.File, r.Class)
	if r.Language != "" {
		fmt.Fprintf(w, " (%s)", r.Language)
	}
	fmt.Fprintf(w, "\n  from %s, %q\n", r.From, r.Subject)
	switch {
	case r.Bounce != nil:
		kind := "temporary"
		if r.Bounce.Permanent {
			kind = "permanent"
		}
		fmt.Fprintf(w, "  failed recipient %s, status %s (%s)\n", r.Bounce.Recipient, orDash(r.Bounce.Status), kind)
	case r.Unsubscribe != nil:
		fmt.Fprintf(w, "  unsubscribe %s\n", r.Unsubscribe.Address)
	case r.JoinRequest != nil:
		j := r.JoinRequest
		fmt.Fprintf(w, "  authority %s, country %s, contact %s (%s) %s\n",
			deref(j.AuthorityName), deref(j.Country), deref(j.ContactName), deref(j.ContactFunction), deref(j.ContactEmail))
	}
	qs := r.Questionnaires
	if r.Questionnaire != nil {
		qs = append(qs, r.Questionnaire)
	}
	for _, q := range qs {
		fmt.Fprintf(w, "  answers from %s: %s, %s", q.Source, deref(q.AuthorityName), deref(q.Country))
		if len(q.Missing) > 0 {
			fmt.Fprintf(w, "; missing: %s", strings.Join(q.Missing, ", "))
		}
		fmt.Fprintln(w)
	}
	for _, x := range r.Errors {
		fmt.Fprintf(w, "  error: %s\n", x)
	}
}

func deref(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
