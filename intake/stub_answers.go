package intake

// Placeholders until questionnaire.go, values.go, join.go and language.go land.

// extractText reads questionnaire answers written in text (a mail body, or the
// text of a document). It returns nil when the text holds no answers.
func extractText(text string) *Questionnaire { return nil }

// fromFields reads answers given as named fields (form fields, spreadsheet
// columns): keys are questionnaire keys, or key_code for check boxes. It
// returns nil when no field holds an answer.
func fromFields(fields map[string]string) *Questionnaire { return nil }

// htmlToText renders an HTML body as text for extractText, keeping tables.
func htmlToText(html string) string { return "" }

func detectLanguage(text string) string { return "" }

func findJoinRequest(m *message) *JoinRequest { return nil }
