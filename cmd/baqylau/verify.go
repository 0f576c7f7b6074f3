package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/baqylau/baqylau/internal/ledger"
)

// The verify commands check the tamper-evident log (docs/ledger.md):
// receipt and log over HTTP against a server's signed tree heads, figures
// from an export file, and the operator's own database with --db. They
// trust nothing the server says that they can check themselves: every
// proof is verified here, with the library's verifier.

const verifyUsage = `Usage:
  baqylau verify receipt --server URL [--key HEX] RECEIPT
  baqylau verify log --server URL [--key HEX] [--save FILE] OLD-TREE-HEAD.json [NEW-TREE-HEAD.json]
  baqylau verify figures [--server URL] EXPORT.json
  baqylau verify --db PATH|postgres://URL
`

// errVerifyFailed is returned when a check finds something wrong (exit
// status 1, after the findings are printed).
var errVerifyFailed = errors.New("verification failed")

func (e env) verify(ctx context.Context, args []string) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "receipt":
			return e.verifyReceipt(ctx, args[1:])
		case "log":
			return e.verifyLog(ctx, args[1:])
		case "figures":
			return e.verifyFigures(ctx, args[1:])
		}
		fmt.Fprint(e.stderr, verifyUsage)
		return usagef("unknown verify command %q", args[0])
	}
	return e.verifyDB(ctx, args)
}

// verifyDB is the operator's check: every row against its leaf, every
// leaf against the signed tree heads.
func (e env) verifyDB(ctx context.Context, args []string) error {
	fs, dsn := e.flags("verify")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("verify --db takes no arguments")
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.VerifyLedger(ctx)
	if err != nil {
		return err
	}
	for _, f := range rep.Findings {
		fmt.Fprintln(e.stdout, f)
	}
	if faults := rep.Faults(); len(faults) > 0 {
		fmt.Fprintf(e.stdout, "%d problems in a log of %d entries (%d signed tree heads checked)\n", len(faults), rep.Size, rep.Heads)
		return errVerifyFailed
	}
	fmt.Fprintf(e.stdout, "OK: %d entries match their rows and %d signed tree heads (%d with erased personal text)\n",
		rep.Size, rep.Heads, len(rep.Findings))
	return nil
}

// ledgerClient fetches from a server's log API.
type ledgerClient struct {
	base string
	c    *http.Client
}

func (e env) serverFlags(name string) (*flag.FlagSet, *string, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	server := fs.String("server", os.Getenv("BAQYLAU_SERVER"), "the Baqylau server's address, e.g. https://baqylau.example.org (env BAQYLAU_SERVER)")
	key := fs.String("key", "", "the organisation's public key in hex, as the press centre shows it (default: trust the keys the server lists)")
	return fs, server, key
}

func newLedgerClient(server string) (*ledgerClient, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--server %q is not an http(s) URL", server)
	}
	return &ledgerClient{base: strings.TrimSuffix(server, "/"), c: &http.Client{Timeout: 5 * time.Minute}}, nil
}

// get decodes the JSON answer of path into v.
func (l *ledgerClient) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", l.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := l.c.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(b)))
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// keys returns the keys to check tree heads with: the pinned one, or the
// server's list.
func (l *ledgerClient) keys(ctx context.Context, pinned string, out io.Writer) ([]ledger.PublicKey, error) {
	if pinned != "" {
		b, err := hex.DecodeString(strings.TrimSpace(pinned))
		if err != nil || len(b) != 32 {
			return nil, usagef("--key must be the 64 hex digits of an Ed25519 public key")
		}
		return []ledger.PublicKey{{ID: ledger.KeyID(b), Key: b}}, nil
	}
	var v struct {
		Keys []ledger.PublicKey `json:"public_keys"`
	}
	if err := l.get(ctx, "/api/v1/ledger/keys", &v); err != nil {
		return nil, err
	}
	fmt.Fprintln(out, "note: checking signatures with the keys the server lists; pass --key (from the press centre) to pin the organisation's key")
	return v.Keys, nil
}

func (e env) verifyReceipt(ctx context.Context, args []string) error {
	fs, server, key := e.serverFlags("verify receipt")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *server == "" {
		fmt.Fprint(e.stderr, verifyUsage)
		return usagef("verify receipt needs --server and one receipt")
	}
	receipt := strings.ToLower(strings.TrimSpace(fs.Arg(0)))
	if b, err := hex.DecodeString(receipt); err != nil || len(b) != 32 {
		return usagef("a receipt is 64 hex digits, not %q", fs.Arg(0))
	}
	l, err := newLedgerClient(*server)
	if err != nil {
		return err
	}
	keys, err := l.keys(ctx, *key, e.stderr)
	if err != nil {
		return err
	}
	var head ledger.TreeHead
	if err := l.get(ctx, "/api/v1/ledger/tree-head", &head); err != nil {
		return err
	}
	if err := head.Verify(keys); err != nil {
		return err
	}
	var a struct {
		Entry     ledger.ExportEntry `json:"entry"`
		TreeSize  uint64             `json:"tree_size"`
		AuditPath []ledger.Hex       `json:"audit_path"`
	}
	if err := l.get(ctx, fmt.Sprintf("/api/v1/ledger/proof/inclusion?receipt=%s&tree_size=%d", receipt, head.Size), &a); err != nil {
		return err
	}
	// The entry must be the observer's: its public part names the receipt.
	var pub struct {
		Receipt string `json:"receipt"`
	}
	if err := json.Unmarshal(a.Entry.Public, &pub); err != nil || pub.Receipt != receipt {
		return fmt.Errorf("%w: the server answered with an entry that is not this receipt's", errVerifyFailed)
	}
	if a.TreeSize != head.Size {
		return fmt.Errorf("%w: the proof is for a tree of %d entries, not the signed %d", errVerifyFailed, a.TreeSize, head.Size)
	}
	path := make([][]byte, len(a.AuditPath))
	for i, p := range a.AuditPath {
		path[i] = p
	}
	if err := ledger.VerifyInclusion(a.Entry.Index, head.Size, a.Entry.Entry().LeafHash(), path, head.Root); err != nil {
		return fmt.Errorf("%w: %v", errVerifyFailed, err)
	}
	fmt.Fprintf(e.stdout, "OK: receipt %s is entry %d (%s %d) of the log, included in the tree head of %d entries signed at %s by key %s\n",
		receipt, a.Entry.Index, a.Entry.Kind, a.Entry.Ref, head.Size, head.Timestamp.Format(time.RFC3339), head.KeyID)
	return nil
}

func readTreeHead(path string) (ledger.TreeHead, error) {
	var h ledger.TreeHead
	b, err := os.ReadFile(path)
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("%s is not a tree head: %w", path, err)
	}
	return h, nil
}

func (e env) verifyLog(ctx context.Context, args []string) error {
	fs, server, key := e.serverFlags("verify log")
	save := fs.String("save", "", "write the newer tree head to this file, to check against next time")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 || *server == "" {
		fmt.Fprint(e.stderr, verifyUsage)
		return usagef("verify log needs --server, a saved tree head and optionally a newer one")
	}
	l, err := newLedgerClient(*server)
	if err != nil {
		return err
	}
	keys, err := l.keys(ctx, *key, e.stderr)
	if err != nil {
		return err
	}
	old, err := readTreeHead(fs.Arg(0))
	if err != nil {
		return err
	}
	var cur ledger.TreeHead
	if fs.NArg() == 2 {
		if cur, err = readTreeHead(fs.Arg(1)); err != nil {
			return err
		}
	} else if err := l.get(ctx, "/api/v1/ledger/tree-head", &cur); err != nil {
		return err
	}
	for _, h := range []ledger.TreeHead{old, cur} {
		if err := h.Verify(keys); err != nil {
			return fmt.Errorf("%w: %v", errVerifyFailed, err)
		}
	}
	if old.Size > cur.Size {
		old, cur = cur, old
	}
	var a struct {
		Path []ledger.Hex `json:"consistency_path"`
	}
	if err := l.get(ctx, fmt.Sprintf("/api/v1/ledger/proof/consistency?first=%d&second=%d", old.Size, cur.Size), &a); err != nil {
		return err
	}
	path := make([][]byte, len(a.Path))
	for i, p := range a.Path {
		path[i] = p
	}
	if old.Size == 0 {
		if !bytes.Equal(old.Root, ledger.EmptyRoot()) {
			return fmt.Errorf("%w: the empty tree head has the wrong root", errVerifyFailed)
		}
	} else if err := ledger.VerifyConsistency(old.Size, cur.Size, path, old.Root, cur.Root); err != nil {
		return fmt.Errorf("%w: %v", errVerifyFailed, err)
	}
	if *save != "" {
		b, _ := json.MarshalIndent(cur, "", "  ")
		if err := os.WriteFile(filepath.Clean(*save), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "OK: the log only grew: the tree of %d entries (signed %s) extends the tree of %d (signed %s)\n",
		cur.Size, cur.Timestamp.Format(time.RFC3339), old.Size, old.Timestamp.Format(time.RFC3339))
	return nil
}

func (e env) verifyFigures(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("verify figures", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	server := fs.String("server", os.Getenv("BAQYLAU_SERVER"), "compare with the figures this server publishes (env BAQYLAU_SERVER)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprint(e.stderr, verifyUsage)
		return usagef("verify figures needs one export file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	// One pass, in constant memory but for the figures: an export of
	// millions of entries is never held whole.
	var check *ledger.Checker
	count := ledger.NewCounter()
	x, err := ledger.ScanExport(f, func(x *ledger.Export) error {
		var err error
		if check, err = ledger.NewChecker(x); err != nil {
			return fmt.Errorf("%w: %v", errVerifyFailed, err)
		}
		return nil
	}, func(en ledger.ExportEntry) error {
		if err := check.Add(en); err != nil {
			return fmt.Errorf("%w: %v", errVerifyFailed, err)
		}
		return count.Add(en)
	})
	if err != nil {
		return err
	}
	if check == nil {
		if check, err = ledger.NewChecker(x); err != nil {
			return fmt.Errorf("%w: %v", errVerifyFailed, err)
		}
	}
	size, root, err := check.Finish()
	if err != nil {
		return fmt.Errorf("%w: %v", errVerifyFailed, err)
	}
	fmt.Fprintf(e.stdout, "OK: %d entries rebuild the tree (root %x) and match all %d signed tree heads\n", size, root, len(x.TreeHeads))
	figs := count.Figures()
	var l *ledgerClient
	if *server != "" {
		if l, err = newLedgerClient(*server); err != nil {
			return err
		}
	}
	failed := false
	for _, id := range ledger.SortedElections(figs) {
		fg := figs[id]
		fmt.Fprintf(e.stdout, "election %d: ballots_cast %d, stations_reporting %d, stations_closed %d, reports %d, incidents %d\n",
			id, fg.BallotsCast, fg.StationsReporting, fg.StationsClosed, fg.Reports, fg.Incidents)
		if l == nil {
			continue
		}
		var pub struct {
			Turnout struct {
				BallotsCast       int64 `json:"ballots_cast"`
				StationsReporting int   `json:"stations_reporting"`
				StationsClosed    int   `json:"stations_closed"`
			} `json:"turnout"`
		}
		if err := l.get(ctx, fmt.Sprintf("/api/v1/press/figures?election=%d", id), &pub); err != nil {
			return err
		}
		t := pub.Turnout
		if t.BallotsCast != fg.BallotsCast || t.StationsReporting != fg.StationsReporting || t.StationsClosed != fg.StationsClosed {
			failed = true
			fmt.Fprintf(e.stdout, "  DIFFERS from the published ballots_cast %d, stations_reporting %d, stations_closed %d\n",
				t.BallotsCast, t.StationsReporting, t.StationsClosed)
		} else {
			fmt.Fprintln(e.stdout, "  matches the published figures")
		}
	}
	if failed {
		return fmt.Errorf("%w: the published figures differ from the log (reports that arrived after the export's latest tree head also count there)", errVerifyFailed)
	}
	return nil
}
