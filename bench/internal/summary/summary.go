// Package summary holds what the benchmarks' result tables share: medians,
// percentiles, PASS/FAIL, and which commit a binary was built from.
package summary

import (
	"debug/buildinfo"
	"fmt"
	"slices"
	"time"
)

// BuildOf says which commit the binary at path was built from, as Go
// records it (go build in a git checkout).
func BuildOf(path string) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return path
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return fmt.Sprintf("%s (%s, no VCS information)", path, info.GoVersion)
	}
	out := fmt.Sprintf("built from commit %.12s", rev)
	if dirty {
		out += " plus uncommitted changes"
	}
	return out + ", " + info.GoVersion
}

// Verdict is PASS when ok, else FAIL.
func Verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// Median returns the middle value of ds (the mean of the two middle ones
// when their number is even), 0 for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Percentile returns the nearest-rank p-th percentile of ds, p in (0, 1].
func Percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}
