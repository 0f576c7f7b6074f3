package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/baqylau/baqylau/internal/ledger"
	"github.com/baqylau/baqylau/internal/store"
)

// ledgerKeyFile is the signing key's file name by default.
const ledgerKeyFile = "baqylau-ledger.key"

// defaultLedgerKey is where the key lives unless --ledger-key says: next
// to the SQLite file, or in the working directory for PostgreSQL. Never in
// the database: whoever can change the database must not be able to sign.
func defaultLedgerKey(dsn string) string {
	if strings.Contains(dsn, "://") {
		return ledgerKeyFile
	}
	path, _, _ := strings.Cut(dsn, "?")
	return filepath.Join(filepath.Dir(path), ledgerKeyFile)
}

// startLedger loads (or on first start creates) the signing key and signs
// tree heads in the background until ctx ends or stop is called; stop
// waits for the signer, so call it before closing db.
func (e env) startLedger(ctx context.Context, db *store.DB, dsn, keyPath string, log *slog.Logger) (stop func(), err error) {
	if keyPath == "" {
		keyPath = defaultLedgerKey(dsn)
	}
	key, created, err := ledger.LoadOrCreateKey(keyPath)
	if err != nil {
		return nil, err
	}
	s := ledger.NewSigner(key)
	pub := s.Public()
	if created {
		fmt.Fprintf(e.stdout, "Created the log signing key %s (keep it safe, outside the database; see docs/ledger.md)\n", keyPath)
	}
	fmt.Fprintf(e.stdout, "Signing the log with key %s, public key %x\n", pub.ID, []byte(pub.Key))
	ctx, cancel := context.WithCancel(ctx)
	done := ledger.KeepSigning(ctx, db, s, ledger.DefaultSignEvery, ledger.DefaultMaxAge, log)
	return func() { cancel(); <-done }, nil
}
