package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDump checks that -dump writes one line per message, and the same bytes
// each time: what intake makes of a message must not depend on map order or
// timing, or a dump could not tell a change of output from noise. With
// CORPUS_DIR, the set holds every corpus file: the no-reply reason of a
// message with several List-* fields, once taken in map order, made two
// dumps differ.
func TestDump(t *testing.T) {
	set, err := buildSet(1500, os.Getenv("CORPUS_DIR"), 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var dumps [][]byte
	for _, name := range []string{"a.jsonl", "b.jsonl"} {
		path := filepath.Join(dir, name)
		if err := dump(path, set); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dumps = append(dumps, b)
	}
	if n := bytes.Count(dumps[0], []byte("\n")); n != len(set.msgs) {
		t.Errorf("dump has %d lines, want one per message: %d", n, len(set.msgs))
	}
	if !bytes.Equal(dumps[0], dumps[1]) {
		t.Error("two dumps of the same set differ")
	}
}
