//go:build !linux

package store

// ReleaseMapped does nothing on this system.
func (db *DB) ReleaseMapped() error { return nil }
