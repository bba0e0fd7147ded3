// Package templates holds the wording of every message alliancebot sends,
// in English and French: the automatic reply to an authority (Ack), the
// notices to staff (StaffJoin, StaffReview, StaffSummary) and the
// questionnaire itself (Questionnaire, and Questions as data).
//
// The templates are embedded (files/*.tmpl), parsed once by Load and checked
// there by rendering every message with sample data, so that a broken
// template stops start-up, not a reply. A directory of overrides replaces
// embedded files by name. The files are:
//
//   - en.tmpl, fr.tmpl: the wording, one sentence or paragraph a template,
//     in plain text; used by both the text and the HTML layouts, so the two
//     forms of a message say the same thing.
//   - footer.tmpl: the bilingual privacy footer of every reply.
//   - *.txt.tmpl: plain-text layouts (text/template); the renderer wraps
//     paragraphs at 76 characters and aligns "name<TAB>value" fields.
//   - *.html.tmpl: HTML layouts (html/template): tables and inline styles
//     only, as Outlook and Gmail need.
//   - common.tmpl: helpers with neither wording nor markup.
//
// French typography is applied to the output: an ordinary space before
// ":", ";", "!", "?", "»" or after "«" becomes a non-breaking one.
//
// Invariants the tests hold the templates to:
//
//   - The questionnaire (whole, in the reply to a join request, or the
//     questions still open in the reply to a partial answer) is in the
//     numbered form that intake reads: "N. Label:" at the start of a line,
//     options as "[ ] Label" one to a line, between two rules of dashes. A
//     reply that fills it in (inline, quoted with "> ", interleaved, in
//     Outlook's HTML) is read back by intake.Parse.
//   - Nothing else in a reply is read as answers: the summary of what was
//     understood tags its lines "[4]", not "4.", and no paragraph starts
//     with a question's number or label, so that "Thank you!" above our
//     quoted text is not taken for a questionnaire.
//   - A reply never echoes the sender's text: only the extracted fields it
//     is given, cleaned of line breaks and control characters.
//   - HTML escapes every value; empty and nil fields print as words ("not
//     known", "not given"), never as "<nil>".
//
// A Set is safe for concurrent use.
package templates
