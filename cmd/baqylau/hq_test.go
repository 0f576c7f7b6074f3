package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestLiveQueueAcrossTwoNodes runs two real `baqylau serve` processes on
// one PostgreSQL database: an incident accepted by node A reaches a lawyer
// of its region connected to node B's live stream, and a lawyer never
// receives another region's incident. Skipped without PostgreSQL, except
// under CI=true.
func TestLiveQueueAcrossTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two servers")
	}
	dsn := storetest.DSN(t, store.Postgres) // skips (or fails under CI) without PostgreSQL
	const pw = "correct horse battery staple\n"
	for _, args := range [][]string{
		{"user", "add", "--db", dsn, "--email", "admin@example.org", "--role", "admin", "--password-stdin"},
		{"user", "add", "--db", dsn, "--email", "lawyer@example.org", "--role", "lawyer", "--region", "KZ-75", "--password-stdin"},
	} {
		if out, err := cli(t, pw, args...); err != nil {
			t.Fatalf("%v: %v %s", args, err, out)
		}
	}
	token := func(email string) string {
		out, err := cli(t, "", "token", "issue", "--db", dsn, "--email", email)
		if err != nil {
			t.Fatalf("token: %v %s", err, out)
		}
		return strings.TrimSpace(out)
	}
	admin, lawyer := token("admin@example.org"), token("lawyer@example.org")
	out, err := cli(t, "", "election", "add", "--db", dsn, "--name", "Mazhilis 2023", "--kind", "mazhilis", "--date", "2023-03-19")
	if err != nil {
		t.Fatalf("election: %v %s", err, out)
	}
	eid := strings.TrimSpace(out)
	if out, err := cli(t, "", "import", "stations", "--db", dsn, "--election", eid, writeFile(t, "stations.csv", stationsCSV)); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}

	bin := filepath.Join(t.TempDir(), "baqylau")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	nodeA, nodeB := startNode(t, bin, dsn), startNode(t, bin, dsn)

	// The lawyer of Almaty (KZ-75) watches node B.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", nodeB+"/hq/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+lawyer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("stream on node B: %d", resp.StatusCode)
	}
	rows := make(chan int64, 10)
	go func() {
		defer close(rows)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = line[7:]
			case strings.HasPrefix(line, "data: ") && event == "row":
				var d struct{ ID int64 }
				if json.Unmarshal([]byte(line[6:]), &d) == nil {
					rows <- d.ID
				}
			}
		}
	}()

	// Node A accepts a Karaganda incident, then an Almaty one.
	submit := func(clientID, station string) int64 {
		body := fmt.Sprintf(`{"client_id":%q,"station":%q,"category":"ballot_stuffing","description":"a stack of ballots in the box"}`, clientID, station)
		req, err := http.NewRequest("POST", nodeA+"/api/v1/elections/"+eid+"/incidents", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("incident on node A: %d %s %v", resp.StatusCode, b, err)
		}
		var a struct{ ID int64 }
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	other := submit("12121212-2222-4333-8444-555555555555", "KZ-35-002")
	start := time.Now()
	mine := submit("12121212-2222-4333-8444-555555555556", "KZ-75-001")
	select {
	case id, ok := <-rows:
		if !ok {
			t.Fatal("node B's stream ended")
		}
		if id != mine {
			t.Fatalf("the Almaty lawyer on node B first received incident %d, want %d (never %d of Karaganda)", id, mine, other)
		}
		t.Logf("incident accepted by node A reached node B's stream in %v", time.Since(start))
	case <-time.After(2 * time.Second):
		t.Fatal("the incident accepted by node A did not reach node B's stream within 2 s")
	}
}

// startNode runs `baqylau serve` as a process on a free port and returns
// its base URL; the process is stopped (SIGINT, then killed) at the end.
func startNode(t *testing.T, bin, dsn string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	t.Cleanup(func() {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Errorf("stop node: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("node exited with %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("node did not stop within 15 s of SIGINT (open streams must not hold a shutdown)")
			if err := cmd.Process.Kill(); err != nil {
				t.Error(err)
			}
			<-done
		}
	})
	re := regexp.MustCompile(`open (http://[0-9.:]+)/`)
	sc := bufio.NewScanner(stdout)
	base := ""
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	go func() {
		_, _ = io.Copy(io.Discard, stdout) // keep the pipe drained until the process ends
		done <- cmd.Wait()
	}()
	if base == "" {
		t.Fatal("serve printed no address")
	}
	return base
}
