package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/baqylau/baqylau/internal/browsertest"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestBrowser drives the real UI in Chromium: sign in, switch language,
// create an election, import stations from a file and find a station.
func TestBrowser(t *testing.T) {
	ctx := browsertest.Start(t)
	dsn := storetest.DSN(t, store.SQLite)
	if _, err := cli(t, "correct horse battery staple\n", "user", "add", "--db", dsn, "--email", "admin@example.org", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	base := startServer(t, "--db", dsn)
	file := writeFile(t, "stations.csv", stationsCSV)

	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	step("sign in",
		chromedp.Navigate(base+"/elections"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery staple"),
		chromedp.Click(chromedp.CSS("form.form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#new-election")),
	)
	// Each wait names an element only the page being opened has: the page
	// being left may have the same heading, and acting on it fails.
	step("switch to Kazakh", chromedp.Click(chromedp.CSS(`a[hreflang="kk"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="kk"] #new-election`)))
	if got := text("#new-election"); got != "Жаңа сайлау" {
		t.Errorf("heading in Kazakh = %q", got)
	}
	step("switch to English", chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #new-election`)))
	if got := text("#new-election"); got != "New election" {
		t.Errorf("heading in English = %q", got)
	}

	step("create an election",
		chromedp.SendKeys(chromedp.CSS("#name"), "Mazhilis 2023"),
		chromedp.SetValue(chromedp.CSS("#kind"), "mazhilis"),
		chromedp.SetValue(chromedp.CSS("#date"), "2023-03-19"),
		chromedp.Submit(chromedp.CSS("#name")),
		chromedp.WaitVisible(chromedp.CSS("#import-heading")),
	)
	step("import stations",
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Submit(chromedp.CSS("#file")),
		chromedp.WaitVisible(chromedp.CSS("#q")), // the station list, where the import leads
	)
	if got := text(".flash"); !strings.Contains(got, "3 stations created") {
		t.Errorf("after import: %q", got)
	}
	step("find a station",
		chromedp.SendKeys(chromedp.CSS("#q"), "Francisco"),
		chromedp.Submit(chromedp.CSS("#q")),
		chromedp.WaitVisible(chromedp.CSS(`input#q[value="Francisco"]`)), // the results page
		chromedp.Click(chromedp.CSS(`a[href$="/stations/US-SF"]`)),
		chromedp.WaitVisible(chromedp.CSS("#closes-ref")),
	)
	if got := text("#closes-local"); got != "19 March 2023, 20:00 (UTC−07:00)" {
		t.Errorf("closes local = %q", got)
	}
	if got := text("#closes-ref"); got != "20 March 2023, 09:00 (UTC+06:00)" {
		t.Errorf("closes in Astana time = %q", got)
	}
}
