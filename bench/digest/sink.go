package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is a loopback SMTP server that accepts every message and counts, per
// recipient, how many it received. It runs in the benchmark process, so it
// outlives the daemons that the kill test kills.
type sink struct {
	addr string
	srv  *smtp.Server
	ln   net.Listener
	done chan struct{}

	total atomic.Int64 // messages × recipients received, since the last reset
	bytes atomic.Int64 // bytes of message data received

	mu     sync.Mutex
	counts map[string]int32 // by lower-case recipient address
}

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen smtp: %w", err)
	}
	s := &sink{addr: ln.Addr().String(), ln: ln, done: make(chan struct{}), counts: map[string]int32{}}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &sinkSession{s: s}, nil
	}))
	s.srv.Domain = "sink.localhost"
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 100
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.ErrorLog = log.New(io.Discard, "", 0) // killed daemons drop connections
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// close stops the server and waits for it.
func (s *sink) close() {
	s.srv.Close()
	s.ln.Close()
	<-s.done
}

// reset forgets what was received.
func (s *sink) reset() {
	s.mu.Lock()
	s.counts = map[string]int32{}
	s.mu.Unlock()
	s.total.Store(0)
	s.bytes.Store(0)
}

// tally returns, for the addresses want, how many received nothing
// (missed), how many copies beyond the first arrived (duplicates), and how
// many messages went to an address not in want (strays).
func (s *sink) tally(want []string) (missed, duplicates, strays int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := 0
	for _, c := range s.counts {
		all += int(c)
	}
	for _, a := range want {
		c := int(s.counts[a])
		all -= c
		if c == 0 {
			missed++
			continue
		}
		duplicates += c - 1
	}
	return missed, duplicates, all
}

// sinkSession is one SMTP session with the sink.
type sinkSession struct {
	s     *sink
	rcpts []string
}

func (ss *sinkSession) Reset()        { ss.rcpts = ss.rcpts[:0] }
func (ss *sinkSession) Logout() error { return nil }

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error {
	ss.rcpts = ss.rcpts[:0]
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpts = append(ss.rcpts, strings.ToLower(to))
	return nil
}

// Data counts the message once it has been read to its end (the final
// "."): a message cut short by a killed client is not received.
func (ss *sinkSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	for _, to := range ss.rcpts {
		ss.s.counts[to]++
	}
	ss.s.mu.Unlock()
	ss.s.bytes.Add(n)
	ss.s.total.Add(int64(len(ss.rcpts)))
	return nil
}
