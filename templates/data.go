package templates

import (
	"time"

	"github.com/coe-congress/alliancebot/intake"
)

// Ack is the automatic reply to an authority's message.
type Ack struct {
	Lang string // "en" or "fr"; anything else is English
	// Kind is the intake class: "questionnaire", "join_request",
	// "unsubscribe" or "other". Other classes (bounces, automatic replies,
	// news) are never answered: Set.Ack returns ErrNoAck for them.
	Kind string
	// Reference is our reference for their message, such as
	// "A-2026-000123"; the text quotes it. "" leaves it out.
	Reference string
	// Received is when their message arrived, shown as a date in its own
	// location; the zero time leaves it out.
	Received time.Time
	// Questionnaires are the answers understood, one per authority (a
	// spreadsheet may hold several); nil entries are skipped. With one
	// authority and questions in its Missing, the reply asks them again in
	// the numbered form that intake reads back; with several, it lists the
	// questions open for each and asks for the file again.
	Questionnaires []*intake.Questionnaire
	// Join is what a letter asking to join says; nil when nothing was
	// understood. The reply carries the whole questionnaire.
	Join *intake.JoinRequest
	// Unsubscribed is the address taken off the list; "" for "your
	// address".
	Unsubscribed string
}

// StaffJoin tells staff that an authority asked to join.
type StaffJoin struct {
	Lang string // the staff's language: "en" (the default) or "fr"
	// MessageRef is the stored message's ID (`alliancebot messages show
	// N`); 0 when there is none.
	MessageRef uint64
	From       string // the sender's address
	FromName   string // the sender's display name, "" when none
	Subject    string
	Received   time.Time
	Language   string // ISO 639-1 code of their letter's language, "" when unknown
	Join       *intake.JoinRequest
}

// StaffReview tells staff that a message waits for them in the review
// folder.
type StaffReview struct {
	Lang       string
	MessageRef uint64
	From       string
	Subject    string
	Received   time.Time
	Class      string   // the intake class
	Reasons    []string // why staff must look (intake's errors), as given
	// Folder is the review folder of the shared mailbox; "" is "Review".
	Folder string
}

// StaffSummary is the periodic digest of what the mailbox received.
type StaffSummary struct {
	Lang         string
	Since, Until time.Time
	Answers      []SummaryAnswer
	Joins        []SummaryJoin
	Bounces      []SummaryBounce
	Review       []SummaryReview
	Failed       []SummaryFailed
}

// SummaryAnswer is one questionnaire answer received.
type SummaryAnswer struct {
	Authority  string
	Country    string // ISO 3166-1 alpha-2 (a name is shown as given)
	MessageRef uint64
	Missing    int  // questions left unanswered
	Correction bool // a later answer that corrects an earlier one
}

// SummaryJoin is one request to join.
type SummaryJoin struct {
	Authority, Country, From string
	MessageRef               uint64
}

// SummaryBounce is one delivery failure reported to us.
type SummaryBounce struct {
	Recipient, Status string
	Permanent         bool
	MessageRef        uint64
}

// SummaryReview is one message left for staff.
type SummaryReview struct {
	MessageRef            uint64
	From, Subject, Reason string
}

// SummaryFailed is one outgoing message given up on.
type SummaryFailed struct {
	OutboxRef          uint64
	To, Subject, Error string
}
