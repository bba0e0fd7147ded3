package main

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/coe-congress/alliancebot/intake"
)

// BenchmarkReadGenerated reads and classifies the generated questionnaire
// replies of the drain benchmark, as the watcher does for each message
// (intake.Read, then the Result as JSON), without Dovecot or the store:
//
//	go test -run '^$' -bench ReadGenerated -cpuprofile /tmp/read.prof ./bench/intake
func BenchmarkReadGenerated(b *testing.B) {
	gen := newGenerator(rand.New(rand.NewPCG(1, 0x616c6c69616e6365)))
	msgs := make([][]byte, 500)
	size := 0
	for i := range msgs {
		msgs[i] = gen.next()
		size += len(msgs[i])
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		for _, raw := range msgs {
			_, res := intake.Read(raw, intake.Options{})
			if _, err := json.Marshal(res); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "msgs/s")
}
