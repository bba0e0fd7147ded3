package store_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/coe-congress/alliancebot/store"
)

func ExampleDB_Put() {
	dir, err := os.MkdirTemp("", "alliancebot-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := store.Open(filepath.Join(dir, "alliancebot.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	raw := []byte("From: mairie@example.fr\r\nMessage-ID: <q1@example.fr>\r\nSubject: Questionnaire\r\n\r\nBonjour.\r\n")
	in := store.Incoming{Raw: raw, Msg: store.Message{
		MessageID: "<q1@example.fr>",
		Subject:   "Questionnaire",
		Source:    store.Location{Mailbox: "INBOX", UIDValidity: 1, UID: 42},
		Folder:    "Processed",
	}}
	// The same message fetched twice in one batch is stored once.
	res, err := db.Put([]store.Incoming{in, in})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", res)

	m, err := db.Get(res[0].ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.ID, m.MessageID, m.Subject, m.Size, m.State)

	if err := db.Check(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// [{ID:1 Duplicate:false Folder:Processed} {ID:1 Duplicate:true Folder:Processed}]
	// 1 <q1@example.fr> Questionnaire 90 stored
}
