package intake

// This file holds the types of what intake understands of a message. Their
// JSON form is the contract of `alliancebot parse --json`
// (../shared/spec/parse-json.md): field names, order and null/[] conventions
// must not change.

// Class is what a message is.
type Class string

// The classes of parse-json.md.
const (
	ClassQuestionnaire Class = "questionnaire" // a (possibly partial) answer to the questionnaire
	ClassJoinRequest   Class = "join_request"  // a wish to join, without the questionnaire
	ClassUnsubscribe   Class = "unsubscribe"   // a request to stop receiving mail
	ClassBounce        Class = "bounce"        // a delivery status notification or non-delivery report
	ClassAutoReply     Class = "auto_reply"    // out-of-office, vacation, automatic receipt
	ClassNews          Class = "news"          // a news item sent by staff
	ClassOther         Class = "other"         // anything else: staff review
)

// Result is everything intake understood of one message.
type Result struct {
	// File is set by `parse --json` only.
	File      string `json:"file,omitempty"`
	MessageID string `json:"message_id"`
	From      string `json:"from"`
	Subject   string `json:"subject"`
	// Date is RFC 3339 with the sender's offset, "" when missing.
	Date     string `json:"date"`
	Class    Class  `json:"class"`
	Language string `json:"language"`

	Questionnaire  *Questionnaire   `json:"questionnaire,omitempty"`
	Questionnaires []*Questionnaire `json:"questionnaires,omitempty"`
	JoinRequest    *JoinRequest     `json:"join_request,omitempty"`
	Bounce         *Bounce          `json:"bounce,omitempty"`
	Unsubscribe    *Unsubscribe     `json:"unsubscribe,omitempty"`

	// Errors are problems noticed while reading; never fatal. Always a list,
	// never null, in JSON.
	Errors []string `json:"errors"`

	// review is set when something could not be read: see NeedsReview.
	review bool
}

// Range is an estimate: Min == Max for one number.
type Range struct {
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

// Questionnaire holds the answers of one authority, keyed as in
// questionnaire.md. A nil pointer is a field not found (null in JSON); lists
// are never nil ([] in JSON).
type Questionnaire struct {
	AuthorityName      *string  `json:"authority_name"`
	Country            *string  `json:"country"`
	AuthorityType      *string  `json:"authority_type"`
	Population         *int64   `json:"population"`
	RomaEstimate       *Range   `json:"roma_estimate"`
	ContactName        *string  `json:"contact_name"`
	ContactFunction    *string  `json:"contact_function"`
	ContactEmail       *string  `json:"contact_email"`
	ContactPhone       *string  `json:"contact_phone"`
	Interested         *string  `json:"interested"`
	ThematicPriorities []string `json:"thematic_priorities"`
	CrosscuttingIssues []string `json:"crosscutting_issues"`
	Activities         []string `json:"activities"`
	Needs              *string  `json:"needs"`
	Projects           *string  `json:"projects"`
	Newsletter         *string  `json:"newsletter"`
	// Source is where the answers were found: body, html, docx, odt, pdf, xlsx.
	Source string `json:"source"`
	// Missing lists the keys of the questions not answered, in question order.
	// An answer such as "unknown" is an answer, even when its value is null.
	Missing []string `json:"missing"`
}

// JoinRequest is what a letter asking to join says, where it says it.
type JoinRequest struct {
	AuthorityName   *string `json:"authority_name"`
	Country         *string `json:"country"`
	ContactName     *string `json:"contact_name"`
	ContactFunction *string `json:"contact_function"`
	ContactEmail    *string `json:"contact_email"`
}

// Bounce is a failed delivery.
type Bounce struct {
	// Recipient is the failed address, lower-cased.
	Recipient string `json:"recipient"`
	// Status is the enhanced status code, such as "5.1.1"; "" when none.
	Status string `json:"status"`
	// Permanent is true for a hard bounce; delay warnings are not permanent.
	Permanent bool `json:"permanent"`
}

// Unsubscribe is a request to leave.
type Unsubscribe struct {
	Address string `json:"address"`
}
