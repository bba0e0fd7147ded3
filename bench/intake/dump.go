package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/coe-congress/alliancebot/intake"
)

// dump writes what intake.Read makes of each message of set to the file at
// path: one JSON line per message, {"name", "envelope", "result"}, in the
// set's order. Two dumps of the same -n, -seed and corpus, made before and
// after a change to intake, are the same file when the change keeps intake's
// output (cmp them): a check over thousands of real and generated messages
// that the golden tests are too small to give.
func dump(path string, set *messageSet) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, m := range set.msgs {
		env, res := intake.Read(m.raw, intake.Options{Staff: []string{"staff@alliancebot.bench.example"}})
		line := struct {
			Name     string           `json:"name"`
			Envelope *intake.Envelope `json:"envelope"`
			Result   *intake.Result   `json:"result"`
		}{m.name, env, res}
		if err := enc.Encode(&line); err != nil {
			f.Close()
			return fmt.Errorf("dump %s: %w", m.name, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
