package intake

import "testing"

func TestImages(t *testing.T) {
	raw := "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n" +
		"--r\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:one@x\"><img src=\"cid:missing@x\">\r\n" +
		"--r\r\nContent-Type: image/png\r\nContent-ID: <one@x>\r\n\r\nPNGDATA\r\n" +
		"--r\r\nContent-Type: image/png\r\nContent-ID: <unused@x>\r\n\r\nOTHER\r\n" +
		"--r\r\nContent-Type: application/pdf\r\nContent-ID: <doc@x>\r\n\r\n%PDF\r\n--r--\r\n"
	imgs, err := Images([]byte(raw), Limits{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 || imgs[0].ContentID != "one@x" || imgs[0].ContentType != "image/png" || string(imgs[0].Data) != "PNGDATA" {
		t.Errorf("Images = %+v, want the one image the HTML shows", imgs)
	}
	if imgs, _ := Images([]byte(raw), Limits{}, 0); len(imgs) != 0 {
		t.Errorf("Images(max 0) = %d images", len(imgs))
	}
}

func FuzzImages(f *testing.F) {
	f.Add([]byte("Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: text/html\r\n\r\n<img src=cid:a>\r\n--r\r\nContent-Type: image/png\r\nContent-ID: <a>\r\n\r\nx\r\n--r--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		Images(raw, Limits{MaxSize: 1 << 16}, 5)
	})
}
