package newsletter

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/coe-congress/alliancebot/store"
	"github.com/coe-congress/alliancebot/templates"
)

// Handler serves the one-click unsubscribe links (RFC 8058) under
// /unsubscribe/TOKEN:
//
//   - GET shows a page that asks to confirm, with a button; it changes
//     nothing, so that a link checker that follows every link unsubscribes
//     nobody;
//   - POST unsubscribes at once: what the button sends, and what a mail
//     client sends for List-Unsubscribe-Post ("List-Unsubscribe=One-Click").
//
// It also serves the pictures of news items (/images/NAME), which the
// digest shows. It sets no cookie and never redirects. The address is suppressed in the
// store, so every mailing from then on leaves it out. The paths are under
// the path of Config.PublicURL (a proxy may forward https://host/bot/... as
// it is).
func (n *Newsletter) Handler() http.Handler {
	prefix := ""
	if u, err := url.Parse(n.cfg.PublicURL); err == nil {
		prefix = strings.TrimRight(u.Path, "/")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"/unsubscribe/{token}", func(w http.ResponseWriter, r *http.Request) {
		n.unsubscribe(w, r, false)
	})
	mux.HandleFunc("POST "+prefix+"/unsubscribe/{token}", func(w http.ResponseWriter, r *http.Request) {
		n.unsubscribe(w, r, true)
	})
	mux.HandleFunc("GET "+prefix+"/images/{name}", func(w http.ResponseWriter, r *http.Request) {
		ct, data, err := n.db.Image(r.PathValue("name"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(data)
	})
	mux.HandleFunc("GET "+prefix+"/healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	return mux
}

func (n *Newsletter) unsubscribe(w http.ResponseWriter, r *http.Request, post bool) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	page := templates.UnsubscribePage{Lang: "en", State: "invalid"}
	if strings.Contains(r.Header.Get("Accept-Language"), "fr") {
		page.Lang = "fr"
	}
	status := http.StatusNotFound
	id, ok := n.tokens.Check(PurposeUnsubscribe, r.PathValue("token"))
	var m *store.Member
	if ok {
		var err error
		m, err = n.db.MemberByID(id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			http.Error(w, "The list cannot be reached just now; please try again in a few minutes.", http.StatusServiceUnavailable)
			return
		}
	}
	if m != nil {
		page.Email, page.Lang = m.Email, m.Language
		page.Action = r.URL.Path
		status, page.State = http.StatusOK, "confirm"
		if post {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			reason := "unsubscribe page"
			if r.PostFormValue("List-Unsubscribe") == "One-Click" {
				reason = "one-click unsubscribe (RFC 8058)"
			}
			if _, err := n.db.Suppress(store.Suppression{Email: m.Email, Kind: "unsubscribe", Reason: reason}); err != nil {
				n.log.Error("unsubscribe", slog.String("email", m.Email), slog.Any("err", err))
				http.Error(w, "The list cannot be reached just now; please try again in a few minutes.", http.StatusServiceUnavailable)
				return
			}
			n.log.Info("unsubscribed", slog.String("email", m.Email), slog.String("how", reason))
			page.State = "done"
		}
	}
	body, err := n.t.UnsubscribePage(page)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
