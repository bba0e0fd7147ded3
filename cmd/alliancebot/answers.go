package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/store"
)

func runAnswers(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New("answers: say list or show KEY")
	}
	switch args[0] {
	case "list":
		return runAnswersList(ctx, e, args[1:])
	case "show":
		return runAnswersShow(ctx, e, args[1:])
	}
	return fmt.Errorf("answers: unknown subcommand %q (list, show)", args[0])
}

// answerLine is one line of `answers list --json`.
type answerLine struct {
	Key     string                `json:"key"`
	Name    string                `json:"name"`
	Country string                `json:"country"`
	Current *intake.Questionnaire `json:"current"`
	// Answers are the IDs of the messages that answered, oldest first; the
	// last is current.
	Answers []uint64 `json:"answers"`
}

// current returns the latest message of authority a and its current
// answers: all its answers merged oldest first, so that a correction of two
// answers changes those two and keeps the rest.
func current(ctx context.Context, r control.Reader, a *store.Authority) (*store.Message, *intake.Questionnaire, error) {
	var latest *store.Message
	var q *intake.Questionnaire
	for _, id := range a.Answers {
		m, err := r.Get(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		latest = m
		q = intake.Merge(q, questionnaireOf(m, a.Key))
	}
	return latest, q, nil
}

// questionnaireOf finds the answers of authority key in message m: the
// message's only questionnaire, or the one of that authority among several.
func questionnaireOf(m *store.Message, key string) *intake.Questionnaire {
	var res intake.Result
	if len(m.Result) == 0 || json.Unmarshal(m.Result, &res) != nil {
		return nil
	}
	if res.Questionnaire != nil {
		return res.Questionnaire
	}
	for _, q := range res.Questionnaires {
		if intake.AuthorityKey(q, m.From) == key {
			return q
		}
	}
	return nil
}

func runAnswersList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "answers list", "[--config FILE] [--json]")
	load := configFlag(fs, e)
	asJSON := fs.Bool("json", false, "one JSON object a line: the authority and its current answers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, done, err := loadReader(load)
	if err != nil {
		return err
	}
	defer done()
	// Collect first: the listing holds a read transaction, and current()
	// reads again.
	var auths []*store.Authority
	if err := r.Authorities(ctx, func(a *store.Authority) error { auths = append(auths, a); return nil }); err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	if !*asJSON {
		fmt.Fprintln(tw, "AUTHORITY\tCOUNTRY\tINTERESTED\tPRIORITIES\tANSWERS\tLATEST")
	}
	for _, a := range auths {
		m, q, err := current(ctx, r, a)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := enc.Encode(answerLine{Key: a.Key, Name: a.Name, Country: a.Country, Current: q, Answers: a.Answers}); err != nil {
				return err
			}
			continue
		}
		interested, priorities := "-", "-"
		if q != nil {
			interested = deref(q.Interested)
			if len(q.ThematicPriorities) > 0 {
				priorities = strings.Join(q.ThematicPriorities, ", ")
			}
		}
		latest := "-"
		if m != nil {
			latest = fmt.Sprintf("#%d %s", m.ID, m.Received.Local().Format("2006-01-02"))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", clip(a.Name, 40), a.Country, interested, priorities, len(a.Answers), latest)
	}
	if *asJSON {
		return nil
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%d authorities\n", len(auths))
	return err
}

func runAnswersShow(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "answers show", "[--config FILE] KEY|NAME")
	load := configFlag(fs, e)
	var which string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		which, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if which == "" {
		which = strings.Join(fs.Args(), " ")
	}
	if which == "" {
		return errors.New("answers show: name an authority (its key from answers list --json, or part of its name)")
	}
	r, done, err := loadReader(load)
	if err != nil {
		return err
	}
	defer done()
	var found []*store.Authority
	err = r.Authorities(ctx, func(a *store.Authority) error {
		if a.Key == which || strings.Contains(strings.ToLower(a.Name), strings.ToLower(which)) {
			found = append(found, a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return fmt.Errorf("answers show: no authority matches %q", which)
	}
	for _, a := range found {
		if err := showAuthority(ctx, e.stdout, r, a); err != nil {
			return err
		}
	}
	return nil
}

func showAuthority(ctx context.Context, w io.Writer, r control.Reader, a *store.Authority) error {
	fmt.Fprintf(w, "%s (%s), key %s\n", a.Name, a.Country, a.Key)
	fmt.Fprintf(w, "Answers, oldest first; each later one corrects the answers it gives:\n")
	for _, id := range a.Answers {
		m, err := r.Get(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  #%d  %s  %s  %q\n", m.ID, m.Received.Local().Format("2006-01-02 15:04"), m.From, m.Subject)
	}
	_, q, err := current(ctx, r, a)
	if err != nil || q == nil {
		return err
	}
	js, err := json.MarshalIndent(q, "  ", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Current answers (all of the above merged):\n  %s\n\n", js)
	return nil
}
