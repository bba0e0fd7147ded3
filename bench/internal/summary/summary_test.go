package summary

import (
	"testing"
	"time"
)

func TestMedianPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3}
	if got := Median(ds); got != 3 {
		t.Errorf("Median(%v) = %v, want 3", ds, got)
	}
	if got := Median(ds[:4]); got != 3 { // 5 1 4 2: (2+4)/2
		t.Errorf("Median(%v) = %v, want 3", ds[:4], got)
	}
	if got := Median(nil); got != 0 {
		t.Errorf("Median(nil) = %v, want 0", got)
	}
	if got := Percentile(ds, 0.9); got != 5 {
		t.Errorf("Percentile(%v, 0.9) = %v, want 5", ds, got)
	}
	if got := Percentile(ds, 0.2); got != 1 {
		t.Errorf("Percentile(%v, 0.2) = %v, want 1", ds, got)
	}
	if ds[0] != 5 {
		t.Error("Median or Percentile sorted its argument")
	}
}
