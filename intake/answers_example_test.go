package intake

import (
	"fmt"
	"strings"
)

// A reply that answers by number in its own language, above the quoted
// questionnaire, as extractText reads it.
func Example_extractText() {
	q := extractText(strings.Join([]string{
		"Bună ziua,",
		"",
		"1. Primăria Municipiului Turda",
		"2. România",
		"4. 47.744 locuitori",
		"5. 2 000 - 3 000 (estimare)",
		"10. Da",
		"11. Educație, Locuire (Education, Housing)",
		"",
		"Cu stimă,",
		"Ioana Mureșan",
		"",
		"> 1. Name of the local or regional authority:",
		"> 3. Type of authority:",
		"> [ ] Municipality (city, town, commune)",
	}, "\n"))
	fmt.Println(*q.AuthorityName, *q.Country, *q.Population, *q.RomaEstimate, *q.Interested, q.ThematicPriorities)
	fmt.Println(q.Missing)
	// Output:
	// Primăria Municipiului Turda RO 47744 {2000 3000} yes [education housing]
	// [authority_type contact_name contact_function contact_email contact_phone crosscutting_issues activities needs projects newsletter]
}
