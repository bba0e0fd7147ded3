package dovecot

import "testing"

func TestZZMaildirDot(t *testing.T) {
	for _, f := range []string{FormatMaildir, FormatSdbox} {
		s := StartT(t, Options{Format: f})
		c := login(t, s.Addr, s.User, s.Password)
		err := c.Create("a.b", nil).Wait()
		t.Logf("%s CREATE a.b: %v", f, err)
		err = c.Append("INBOX", 0, nil).Close()
		_, err2 := c.Append("INBOX", 0, nil).Wait()
		t.Logf("%s APPEND empty: %v %v", f, err, err2)
	}
}
