package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup", "[--config FILE] FILE")
	load := configFlag(fs, e)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("backup: want one FILE to write")
	}
	dest := fs.Arg(0)
	cfg, err := load()
	if err != nil {
		return err
	}
	r, done, err := openReader(cfg)
	if err != nil {
		return err
	}
	defer done()

	// Write beside the destination and rename, so that FILE is either the old
	// file or a whole new copy, never half of one.
	tmp, err := os.CreateTemp(filepath.Dir(dest), filepath.Base(dest)+".tmp-*")
	if err != nil {
		return fmt.Errorf("back up: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("back up: %w", err)
	}
	n, err := r.Backup(ctx, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("back up to %s: %w", dest, err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return fmt.Errorf("back up: %w", err)
	}
	fmt.Fprintf(e.stdout, "backed up %s (%d bytes) to %s\n", cfg.Store.Path, n, dest)
	return nil
}
