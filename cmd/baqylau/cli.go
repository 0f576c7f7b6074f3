package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/demo"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
)

const usage = `Baqylau — election observation.

Usage:
  baqylau serve [--db PATH|postgres://URL] [--addr HOST:PORT] [--demo]
        [--tls-cert FILE --tls-key FILE] [--trusted-proxies CIDR,...]
        [--metrics-addr HOST:PORT] [--log-format text|json] [--drain-delay 5s]
  baqylau migrate [--db ...]
  baqylau user add --email E --role ROLE [--region CODE] --password-stdin [--db ...]
  baqylau token issue --email E [--db ...]
  baqylau election add --name N --kind K --date YYYY-MM-DD [--tz ZONE] [--contest NAME]... [--db ...]
  baqylau import stations --election ID FILE [--db ...]
  baqylau import observers [--election ID] FILE [--db ...]
  baqylau demo [--db ...]
  baqylau quickcount redraw --seed S [--margin E] [--stations N] ... (FILE | --election ID [--db ...])
  baqylau backup [--db ...] FILE
  baqylau restore [--force] [--db TARGET] FILE
  baqylau erase (--person ID|NUMBER|EMAIL | --election ID --older-than 180d | --log) [--by WHO] [--db ...]
  baqylau verify receipt|log|figures ... | baqylau verify --db ...   (see docs/ledger.md)

--db defaults to $BAQYLAU_DB or baqylau.db (SQLite); --addr to $BAQYLAU_ADDR
or 127.0.0.1:8080. Roles: admin, coordinator, regional_coordinator, lawyer,
trainer, mission_head, delegation_head, observer, journalist.
`

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env bundles the process's streams for subcommands.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// run dispatches a command line; main and the tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{stdin, stdout, stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	sub := ""
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		sub = rest[0]
	}
	switch {
	case cmd == "serve":
		return e.serve(ctx, rest)
	case cmd == "migrate":
		return e.migrate(ctx, rest)
	case cmd == "demo":
		return e.demo(ctx, rest)
	case cmd == "backup":
		return e.backup(ctx, rest)
	case cmd == "restore":
		return e.restore(ctx, rest)
	case cmd == "erase":
		return e.erase(ctx, rest)
	case cmd == "user" && sub == "add":
		return e.userAdd(ctx, rest[1:])
	case cmd == "token" && sub == "issue":
		return e.tokenIssue(ctx, rest[1:])
	case cmd == "election" && sub == "add":
		return e.electionAdd(ctx, rest[1:])
	case cmd == "import" && sub == "stations":
		return e.importStations(ctx, rest[1:])
	case cmd == "import" && sub == "observers":
		return e.importObservers(ctx, rest[1:])
	case cmd == "quickcount" && sub == "redraw":
		return e.quickcountRedraw(ctx, rest[1:])
	case cmd == "verify":
		return e.verify(ctx, rest)
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usagef("unknown command %q", strings.TrimSpace(cmd+" "+sub))
}

// flags returns a FlagSet with the --db flag every subcommand takes.
func (e env) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	db := fs.String("db", envOr("BAQYLAU_DB", "baqylau.db"), "SQLite file or postgres:// URL (env BAQYLAU_DB)")
	return fs, db
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

func openDB(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDSN(dsn), err)
	}
	return db, nil
}

// redactDSN hides a password in a postgres:// URL before it is printed.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndex(dsn, "@"); at > i {
			userinfo := dsn[i+3 : at]
			if c := strings.Index(userinfo, ":"); c >= 0 {
				return dsn[:i+3] + userinfo[:c] + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}

func (e env) migrate(ctx context.Context, args []string) error {
	fs, dsn := e.flags("migrate")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn) // Open migrates
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "schema version %d\n", v)
	return nil
}

func (e env) userAdd(ctx context.Context, args []string) error {
	fs, dsn := e.flags("user add")
	email := fs.String("email", "", "e-mail address (the sign-in name)")
	role := fs.String("role", "", "role")
	region := fs.String("region", "", "region code for regional roles, or \"abroad\"")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		return usagef("user add needs --email and --role")
	}
	if !*pwStdin {
		return usagef("user add needs --password-stdin (passwords are never taken as arguments)")
	}
	pw, err := readPassword(e.stdin)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	u := auth.User{Email: *email, Role: auth.Role(*role), Region: *region, PasswordHash: hash}
	if err := u.Validate(); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateUser(ctx, &u); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "user %d added: %s (%s)\n", u.ID, u.Email, u.Role)
	return nil
}

// readPassword reads the first line of r (at most 4 KiB).
func readPassword(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSuffix(pw, "\r"), nil
}

func (e env) tokenIssue(ctx context.Context, args []string) error {
	fs, dsn := e.flags("token issue")
	email := fs.String("email", "", "the user's e-mail")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return usagef("token issue needs --email")
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, auth.NormalizeEmail(*email))
	if err != nil {
		return err
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	if err := db.CreateToken(ctx, u.ID, hash); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, token)
	return nil
}

// repeated collects a flag given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ", ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func (e env) electionAdd(ctx context.Context, args []string) error {
	fs, dsn := e.flags("election add")
	name := fs.String("name", "", "election name")
	kind := fs.String("kind", "", "presidential, mazhilis, maslikhat, akim or referendum")
	date := fs.String("date", "", "election day, YYYY-MM-DD")
	tz := fs.String("tz", election.DefaultTimeZone, "reference time zone (IANA)")
	var contests repeated
	fs.Var(&contests, "contest", "a contest of the election (repeat for several)")
	if err := parse(fs, args); err != nil {
		return err
	}
	day, err := election.ParseDate(*date)
	if err != nil {
		return err
	}
	el := election.Election{Name: *name, Kind: election.Kind(*kind), Date: day, TimeZone: *tz}
	for _, c := range contests {
		el.Contests = append(el.Contests, election.Contest{Name: c})
	}
	if err := el.Validate(); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateElection(ctx, &el); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, el.ID)
	return nil
}

func (e env) importStations(ctx context.Context, args []string) error {
	fs, dsn := e.flags("import stations")
	id := fs.Int64("election", 0, "election id")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id <= 0 || fs.NArg() != 1 {
		return usagef("import stations needs --election ID and one FILE (.csv or .xlsx)")
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	stations, err := election.ParseStations(f, filepath.Base(path))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	sum, err := db.ImportStations(ctx, *id, stations)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d stations created, %d updated in election %s\n", path, sum.Created, sum.Updated, strconv.FormatInt(*id, 10))
	return nil
}

// importObservers loads an observers file; missions named in it are found
// or created in the election given by --election.
func (e env) importObservers(ctx context.Context, args []string) error {
	fs, dsn := e.flags("import observers")
	id := fs.Int64("election", 0, "election of the missions named in the file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("import observers needs one FILE (.csv or .xlsx)")
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := people.ParseObservers(f, filepath.Base(path))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, r := range rows {
		if r.Mission != "" && *id <= 0 {
			return usagef("%s: row %d names mission %q: give the election of the missions with --election ID", path, r.Row, r.Mission)
		}
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	sum, err := db.ImportObservers(ctx, *id, rows, 0)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(e.stdout, "%s: %d observers imported, %d organisations and %d missions created\n", path, sum.Observers, sum.Organizations, sum.Missions)
	return nil
}

func (e env) demo(ctx context.Context, args []string) error {
	fs, dsn := e.flags("demo")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return e.loadDemo(ctx, db)
}

// loadDemo loads the demo election and (re)sets a demo administrator whose
// new password is printed.
func (e env) loadDemo(ctx context.Context, db *store.DB) error {
	sum, err := demo.Load(ctx, db, demo.Options{})
	if err != nil {
		return fmt.Errorf("load demo: %w", err)
	}
	fmt.Fprintf(e.stdout, "demo election %d: %d stations at home, %d abroad in %d countries (%d registered abroad)\n",
		sum.ElectionID, sum.HomeStations, sum.AbroadStations, sum.Countries, sum.RegisteredAbroad)
	ps, err := demo.LoadPeople(ctx, db, db, sum.ElectionID, demo.Options{})
	if err != nil {
		return fmt.Errorf("load demo observers: %w", err)
	}
	fmt.Fprintf(e.stdout, "demo observers: %d international from %d organisations and %d states, %d in all with %d journalists; %d accredited, %d deployed (%d station assignments)\n",
		ps.International, ps.InternationalOrganizations, ps.Countries, ps.Observers, ps.Journalists, ps.Accredited, ps.Deployed, ps.Assignments)
	day, err := demo.LoadDay(ctx, db, db, db, sum.ElectionID, demo.Options{})
	if err != nil {
		return fmt.Errorf("load demo election day: %w", err)
	}
	fmt.Fprintf(e.stdout, "demo election day: %d reports from %d stations and %d incidents (%d reports and %d incidents new)\n",
		day.Reports, day.StationsReporting, day.Incidents, day.StoredReports, day.StoredIncidents)
	token, _, err := auth.NewToken()
	if err != nil {
		return err
	}
	pw := strings.TrimPrefix(token, "bq_")[:16]
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	u, err := db.UserByEmail(ctx, demoAdmin)
	switch {
	case err == nil:
		err = db.SetPassword(ctx, u.ID, hash)
	case baqylau.ErrorCode(err) == baqylau.ENOTFOUND:
		err = db.CreateUser(ctx, &auth.User{Email: demoAdmin, Role: auth.Admin, PasswordHash: hash})
	}
	if err != nil {
		return fmt.Errorf("demo administrator: %w", err)
	}
	fmt.Fprintf(e.stdout, "demo administrator: %s, password %s\n", demoAdmin, pw)
	return nil
}

const demoAdmin = "admin@demo.baqylau.kz"
