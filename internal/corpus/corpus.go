// Package corpus gives tests the real messages of ../shared/corpus, a
// collection of mail from public test suites (bounces, auto-replies, torture
// tests). The messages are never copied into this repository: tests find them
// through the CORPUS_DIR environment variable, which scripts/test sets.
package corpus

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// EnvVar names the folder of the corpus.
const EnvVar = "CORPUS_DIR"

// File is one message file of the corpus.
type File struct {
	Path       string // absolute path
	Name       string // path relative to the corpus root, e.g. "mox/x.eml"
	Collection string // the first path element, e.g. "sisimai-set-of-emails"
	Label      string // class from labels.csv, "" when the file has no label
	LabelNote  string // source_of_label, e.g. "delay"
}

// Dir returns the corpus folder. When CORPUS_DIR is unset the test is skipped;
// when it is set but the folder is missing the test fails: CI sets it, and a
// missing corpus there is a broken checkout, not a reason to test less.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvVar)
	if dir == "" {
		t.Skipf("%s is not set; scripts/test sets it to ../shared/corpus", EnvVar)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("%s=%s is not a folder: %v", EnvVar, dir, err)
	}
	return dir
}

// Files returns every message file of the corpus, sorted by name, with labels.
func Files(t testing.TB) []File {
	t.Helper()
	files, err := Load(Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no message files under %s", os.Getenv(EnvVar))
	}
	return files
}

// Load lists the message files under dir, as each collection's sources.csv
// names them, with the labels of its labels.csv.
func Load(dir string) ([]File, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	sources, err := filepath.Glob(filepath.Join(dir, "*", "sources.csv"))
	if err != nil {
		return nil, err
	}
	var files []File
	for _, src := range sources {
		collDir := filepath.Dir(src)
		coll := filepath.Base(collDir)
		rows, err := readCSV(src)
		if err != nil {
			return nil, err
		}
		labels := make(map[string][]string)
		if lrows, err := readCSV(filepath.Join(collDir, "labels.csv")); err == nil {
			for _, row := range lrows {
				labels[row[0]] = row
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		for _, row := range rows {
			f := File{
				Path:       filepath.Join(collDir, filepath.FromSlash(row[0])),
				Name:       coll + "/" + row[0],
				Collection: coll,
			}
			if l := labels[row[0]]; len(l) > 1 {
				f.Label = l[1]
				if len(l) > 2 {
					f.LabelNote = l[2]
				}
			}
			files = append(files, f)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}

// readCSV returns the rows of a CSV file after its header, each with at least
// one field.
func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var out [][]string
	for i, row := range rows {
		if i > 0 && len(row) > 0 && row[0] != "" {
			out = append(out, row)
		}
	}
	return out, nil
}
