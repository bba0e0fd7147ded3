package store

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// ReleaseMapped lets the kernel take back the pages of the database file
// that this process has read: bbolt reads through a shared, read-only
// memory mapping, and every page read stays in the process's resident set
// until memory runs short. A long pass over a large store (a digest to many
// members) would otherwise grow the resident set with the file. The pages
// stay in the page cache; the next read of one maps it again.
//
// It runs inside a read transaction, which keeps bbolt from moving the
// mapping meanwhile.
func (db *DB) ReleaseMapped() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		info := db.bolt.Info()
		size := uintptr(tx.Size())
		if size == 0 {
			return nil
		}
		_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, info.Data, size, syscall.MADV_DONTNEED)
		if errno != 0 {
			return errno
		}
		return nil
	})
}
