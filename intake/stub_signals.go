package intake

// Placeholders until bounce.go, autoreply.go and unsubscribe.go land.

func findBounce(m *message) *Bounce { return nil }

func isAutoReply(m *message) bool { return false }

func findUnsubscribe(m *message, opt *Options) *Unsubscribe { return nil }
