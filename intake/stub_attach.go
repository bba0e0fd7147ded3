package intake

// Placeholder until attach.go lands.

// document is what an attachment holds: named fields (one map per authority:
// a form, or each row of a spreadsheet), or text.
type document struct {
	Name   string              // the attachment's file name
	Source string              // docx, odt, pdf, xlsx
	Fields []map[string]string // keys as questionnaire.md: "country", "thematic_priorities_education"...
	Text   string
}

// readAttachments reads the attachments that may hold answers. errs says
// what could not be read (an image, a damaged file, a limit).
func readAttachments(m *message, lim Limits) (docs []document, errs []string) { return nil, nil }
