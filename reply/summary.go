package reply

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/store"
	"github.com/coe-congress/alliancebot/templates"
)

// Summary returns the staff's summary of what arrived in [since, until): new
// answers and corrections, join requests, bounces, messages to review and
// outgoing mail given up on. ok is false when there is nothing to tell or no
// staff to tell it to. day names the summary: one per day, ever.
func (c *Composer) Summary(db *store.DB, day string, since, until time.Time) (o store.Outgoing, ok bool, err error) {
	if len(c.cfg.Staff) == 0 {
		return store.Outgoing{}, false, nil
	}
	d := templates.StaffSummary{Lang: c.cfg.StaffLang, Since: since.In(c.cfg.Location), Until: until.In(c.cfg.Location)}
	err = db.ForEach(func(m *store.Message) error {
		if m.Received.Before(since) || !m.Received.Before(until) {
			return nil
		}
		var res intake.Result
		if len(m.Result) > 0 {
			if err := json.Unmarshal(m.Result, &res); err != nil {
				return fmt.Errorf("read result of message %d: %w", m.ID, err)
			}
		}
		if m.Folder == c.cfg.ReviewFolder {
			reason := "not understood"
			if len(m.Errors) > 0 {
				reason = m.Errors[0]
			}
			d.Review = append(d.Review, templates.SummaryReview{MessageRef: m.ID, From: m.From, Subject: m.Subject, Reason: reason})
		}
		switch res.Class {
		case intake.ClassQuestionnaire:
			qs := res.Questionnaires
			if res.Questionnaire != nil {
				qs = append([]*intake.Questionnaire{res.Questionnaire}, qs...)
			}
			for i, q := range qs {
				a := templates.SummaryAnswer{MessageRef: m.ID, Missing: len(q.Missing)}
				if q.AuthorityName != nil {
					a.Authority = *q.AuthorityName
				}
				if q.Country != nil {
					a.Country = *q.Country
				}
				if i < len(m.Authorities) {
					a.Correction, err = hasEarlierAnswer(db, m.Authorities[i], m.ID)
					if err != nil {
						return err
					}
				}
				d.Answers = append(d.Answers, a)
			}
		case intake.ClassJoinRequest:
			j := templates.SummaryJoin{From: m.From, MessageRef: m.ID}
			if r := res.JoinRequest; r != nil {
				if r.AuthorityName != nil {
					j.Authority = *r.AuthorityName
				}
				if r.Country != nil {
					j.Country = *r.Country
				}
			}
			d.Joins = append(d.Joins, j)
		case intake.ClassBounce:
			if b := res.Bounce; b != nil {
				d.Bounces = append(d.Bounces, templates.SummaryBounce{Recipient: b.Recipient, Status: b.Status, Permanent: b.Permanent, MessageRef: m.ID})
			}
		}
		return nil
	})
	if err != nil {
		return store.Outgoing{}, false, err
	}
	err = db.ForEachOutgoing(func(o *store.Outgoing) error {
		if o.State == store.OutFailed && !o.Created.Before(since.Add(-failedShown)) && o.Kind != KindStaffSummary {
			to := ""
			if len(o.To) > 0 {
				to = o.To[0]
			}
			d.Failed = append(d.Failed, templates.SummaryFailed{OutboxRef: o.ID, To: to, Subject: o.Subject, Error: o.LastError})
		}
		return nil
	})
	if err != nil {
		return store.Outgoing{}, false, err
	}
	if len(d.Answers)+len(d.Joins)+len(d.Bounces)+len(d.Review)+len(d.Failed) == 0 {
		return store.Outgoing{}, false, nil
	}
	r, err := c.t.StaffSummary(d)
	if err != nil {
		return store.Outgoing{}, false, fmt.Errorf("write summary: %w", err)
	}
	o, err = c.build(draft{kind: KindStaffSummary, key: "staff_summary:" + day, lang: c.cfg.StaffLang,
		to: c.staff(), subject: r.Subject, auto: "auto-generated", body: r})
	return o, err == nil, err
}

// hasEarlierAnswer says whether authority key answered before message id.
func hasEarlierAnswer(db *store.DB, key string, id uint64) (bool, error) {
	a, err := db.GetAuthority(key)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(a.Answers) > 0 && a.Answers[0] < id, nil
}

// failedShown is how long a message given up on stays in the summaries.
const failedShown = 7 * 24 * time.Hour
