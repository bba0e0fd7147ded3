// Package control lets the command line read the store while the daemon has
// it open. bbolt allows one process per file, so `serve` answers on a Unix
// socket beside the database (mode 0600, owner only) and the commands
// `messages` and `backup` ask it; when no daemon runs, they open the file
// themselves. Both paths go through the same Reader interface.
package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/coe-congress/alliancebot/store"
)

// Reader is what the command line reads: the store itself, or the daemon.
type Reader interface {
	// List calls fn for each stored message in arrival order.
	List(ctx context.Context, fn func(*store.Message) error) error
	Get(ctx context.Context, id uint64) (*store.Message, error)
	Raw(ctx context.Context, id uint64) ([]byte, error)
	// Backup writes a consistent copy of the database to w.
	Backup(ctx context.Context, w io.Writer) (int64, error)
	// Authorities calls fn for every authority that answered, by key.
	Authorities(ctx context.Context, fn func(*store.Authority) error) error

	// Outbox calls fn for every outgoing message, oldest first.
	Outbox(ctx context.Context, fn func(*store.Outgoing) error) error
	GetOutgoing(ctx context.Context, id uint64) (*store.Outgoing, error)
	OutgoingRaw(ctx context.Context, id uint64) ([]byte, error)
	// Retry queues outgoing message id to be sent now (store.DB.Retry).
	Retry(ctx context.Context, id uint64) (*store.Outgoing, error)
}

var (
	_ Reader = Local{}
	_ Reader = (*Client)(nil)
)

// SocketPath is the control socket of the database at dbPath.
func SocketPath(dbPath string) string { return dbPath + ".sock" }

// Local reads an open store directly.
type Local struct{ DB *store.DB }

func (l Local) List(_ context.Context, fn func(*store.Message) error) error { return l.DB.ForEach(fn) }
func (l Local) Get(_ context.Context, id uint64) (*store.Message, error)    { return l.DB.Get(id) }
func (l Local) Raw(_ context.Context, id uint64) ([]byte, error)            { return l.DB.Raw(id) }
func (l Local) Backup(_ context.Context, w io.Writer) (int64, error)        { return l.DB.Backup(w) }
func (l Local) Authorities(_ context.Context, fn func(*store.Authority) error) error {
	return l.DB.Authorities(fn)
}
func (l Local) Outbox(_ context.Context, fn func(*store.Outgoing) error) error {
	return l.DB.ForEachOutgoing(fn)
}
func (l Local) GetOutgoing(_ context.Context, id uint64) (*store.Outgoing, error) {
	return l.DB.GetOutgoing(id)
}
func (l Local) OutgoingRaw(_ context.Context, id uint64) ([]byte, error) { return l.DB.OutgoingRaw(id) }
func (l Local) Retry(_ context.Context, id uint64) (*store.Outgoing, error) {
	return l.DB.Retry(id)
}

// Serve answers control requests for db on a Unix socket at path until ctx is
// done. A stale socket left by a killed daemon is replaced.
func Serve(ctx context.Context, path string, db *store.DB) error {
	ln, err := Listen(path)
	if err != nil {
		return err
	}
	return ServeListener(ctx, ln, db, nil)
}

// Listen opens the control socket at path, owner-only.
func Listen(path string) (net.Listener, error) {
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("listen on %s: another daemon is answering there", path)
	}
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("restrict %s to its owner: %w", path, err)
	}
	return ln, nil
}

// Hooks let the daemon act on what the command line asks.
type Hooks struct {
	// OnRetry is called after an outgoing message was queued again.
	OnRetry func()
	// Exec runs a command line (such as "members import FILE") inside the
	// daemon, on its open store, writing what the command prints to w.
	Exec func(ctx context.Context, args []string, w io.Writer) error
}

// ServeListener serves on ln until ctx is done, then closes it and removes
// the socket file. hooks may be nil.
func ServeListener(ctx context.Context, ln net.Listener, db *store.DB, hooks *Hooks) error {
	local := Local{DB: db}
	if hooks == nil {
		hooks = &Hooks{}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /outbox", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jsonl")
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		err := local.Outbox(r.Context(), func(o *store.Outgoing) error { return enc.Encode(o) })
		if err != nil {
			enc.Encode(map[string]string{"control_error": err.Error()})
		}
		bw.Flush()
	})
	mux.HandleFunc("GET /outbox/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		o, err := local.GetOutgoing(r.Context(), id)
		if err != nil {
			httpError(w, err)
			return
		}
		json.NewEncoder(w).Encode(o)
	})
	mux.HandleFunc("GET /outbox/{id}/raw", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		raw, err := local.OutgoingRaw(r.Context(), id)
		if err != nil {
			httpError(w, err)
			return
		}
		w.Header().Set("Content-Type", "message/rfc822")
		w.Write(raw)
	})
	mux.HandleFunc("POST /exec", func(w http.ResponseWriter, r *http.Request) {
		if hooks.Exec == nil {
			http.Error(w, "this daemon runs no commands", http.StatusNotImplemented)
			return
		}
		var req struct {
			Args []string `json:"args"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Trailer", "X-Exec-Error")
		fw := flushWriter{w: w}
		if err := hooks.Exec(r.Context(), req.Args, fw); err != nil {
			w.Header().Set("X-Exec-Error", strings.ReplaceAll(err.Error(), "\n", " / "))
		}
	})
	mux.HandleFunc("POST /outbox/{id}/retry", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		o, err := local.Retry(r.Context(), id)
		if err != nil {
			httpError(w, err)
			return
		}
		if hooks.OnRetry != nil {
			hooks.OnRetry()
		}
		json.NewEncoder(w).Encode(o)
	})
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jsonl")
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		err := local.List(r.Context(), func(m *store.Message) error { return enc.Encode(m) })
		if err != nil {
			// The status line is gone; a last line tells the client.
			enc.Encode(map[string]string{"control_error": err.Error()})
		}
		bw.Flush()
	})
	mux.HandleFunc("GET /authorities", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jsonl")
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		err := local.Authorities(r.Context(), func(a *store.Authority) error { return enc.Encode(a) })
		if err != nil {
			enc.Encode(map[string]string{"control_error": err.Error()})
		}
		bw.Flush()
	})
	mux.HandleFunc("GET /messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		m, err := local.Get(r.Context(), id)
		if err != nil {
			httpError(w, err)
			return
		}
		json.NewEncoder(w).Encode(m)
	})
	mux.HandleFunc("GET /messages/{id}/raw", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		raw, err := local.Raw(r.Context(), id)
		if err != nil {
			httpError(w, err)
			return
		}
		w.Header().Set("Content-Type", "message/rfc822")
		w.Write(raw)
	})
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		// A failure half-way cannot change the status any more; the client
		// checks the length it got against this trailer.
		w.Header().Set("Trailer", "X-Backup-Bytes")
		n, err := local.Backup(r.Context(), w)
		if err != nil {
			w.Header().Set("X-Backup-Bytes", "-1")
			return
		}
		w.Header().Set("X-Backup-Bytes", strconv.FormatInt(n, 10))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		<-done
		return err
	case err := <-done:
		return err
	}
}

// flushWriter sends what a command prints as it prints it (progress).
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}

func httpError(w http.ResponseWriter, err error) {
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if errors.Is(err, store.ErrAlreadySent) {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// Client asks a running daemon.
type Client struct {
	http *http.Client
}

// Dial returns a client of the daemon at the socket path, or an error when no
// daemon answers there.
func Dial(path string) (*Client, error) {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return nil, err
	}
	c.Close()
	return &Client{http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}}, nil
}

func (c *Client) get(ctx context.Context, path string) (*http.Response, error) {
	return c.do(ctx, http.MethodGet, path)
}

func (c *Client) do(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://alliancebot"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask the daemon: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("%w (%s)", store.ErrNotFound, string(bytesTrim(msg)))
		}
		if resp.StatusCode == http.StatusConflict {
			return nil, fmt.Errorf("%w (%s)", store.ErrAlreadySent, string(bytesTrim(msg)))
		}
		return nil, fmt.Errorf("daemon: %s: %s", resp.Status, bytesTrim(msg))
	}
	return resp, nil
}

func bytesTrim(b []byte) string {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return string(b)
}

func (c *Client) List(ctx context.Context, fn func(*store.Message) error) error {
	return listJSON(c, ctx, "/messages", fn)
}

func (c *Client) Authorities(ctx context.Context, fn func(*store.Authority) error) error {
	return listJSON(c, ctx, "/authorities", fn)
}

// listJSON reads a JSON-lines listing from the daemon, one T a line.
func listJSON[T any](c *Client, ctx context.Context, path string, fn func(*T) error) error {
	resp, err := c.get(ctx, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("read %s from the daemon: %w", path, err)
		}
		var ce struct {
			ControlError string `json:"control_error"`
		}
		if json.Unmarshal(raw, &ce) == nil && ce.ControlError != "" {
			return errors.New(ce.ControlError)
		}
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("read %s from the daemon: %w", path, err)
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
}

func (c *Client) Get(ctx context.Context, id uint64) (*store.Message, error) {
	resp, err := c.get(ctx, "/messages/"+strconv.FormatUint(id, 10))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var m store.Message
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return nil, fmt.Errorf("read message %d from the daemon: %w", id, err)
	}
	return &m, nil
}

func (c *Client) Raw(ctx context.Context, id uint64) ([]byte, error) {
	resp, err := c.get(ctx, "/messages/"+strconv.FormatUint(id, 10)+"/raw")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func (c *Client) Backup(ctx context.Context, w io.Writer) (int64, error) {
	resp, err := c.get(ctx, "/backup")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("read backup from the daemon: %w", err)
	}
	if want := resp.Trailer.Get("X-Backup-Bytes"); want != strconv.FormatInt(n, 10) {
		return n, fmt.Errorf("backup from the daemon is incomplete: got %d bytes, daemon says %s", n, want)
	}
	return n, nil
}

func (c *Client) Outbox(ctx context.Context, fn func(*store.Outgoing) error) error {
	return listJSON(c, ctx, "/outbox", fn)
}

func (c *Client) GetOutgoing(ctx context.Context, id uint64) (*store.Outgoing, error) {
	return c.outgoing(ctx, http.MethodGet, "/outbox/"+strconv.FormatUint(id, 10))
}

func (c *Client) Retry(ctx context.Context, id uint64) (*store.Outgoing, error) {
	return c.outgoing(ctx, http.MethodPost, "/outbox/"+strconv.FormatUint(id, 10)+"/retry")
}

func (c *Client) outgoing(ctx context.Context, method, path string) (*store.Outgoing, error) {
	resp, err := c.do(ctx, method, path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var o store.Outgoing
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
		return nil, fmt.Errorf("read %s from the daemon: %w", path, err)
	}
	return &o, nil
}

func (c *Client) OutgoingRaw(ctx context.Context, id uint64) ([]byte, error) {
	resp, err := c.get(ctx, "/outbox/"+strconv.FormatUint(id, 10)+"/raw")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// ErrExec is the error of a command that failed inside the daemon.
var ErrExec = errors.New("daemon")

// Exec runs the command line args inside the daemon and copies what it
// prints to w.
func (c *Client) Exec(ctx context.Context, args []string, w io.Writer) error {
	body, err := json.Marshal(map[string][]string{"args": args})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://alliancebot/exec", bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("ask the daemon: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%w: %s: %s", ErrExec, resp.Status, bytesTrim(msg))
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read from the daemon: %w", err)
	}
	if e := resp.Trailer.Get("X-Exec-Error"); e != "" {
		return errors.New(e)
	}
	return nil
}
