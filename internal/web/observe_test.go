package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// hiddenValue picks a hidden field's value out of a page.
func hiddenValue(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no field %s in the page", name)
	}
	return m[1]
}

// postMultipart posts fields and an optional photo as multipart/form-data
// and returns the final page (redirects followed), unescaped.
func (b *browser) postMultipart(path string, fields url.Values, photo []byte, accept string) (int, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				b.t.Fatal(err)
			}
		}
	}
	if photo != nil {
		fw, err := mw.CreateFormFile("photo", "IMG_0001.jpg")
		if err != nil {
			b.t.Fatal(err)
		}
		if _, err := fw.Write(photo); err != nil {
			b.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, html.UnescapeString(readAll(b.t, resp.Body))
}

// gpsPhoto is a JPEG carrying an EXIF block with a GPS position.
func gpsPhoto(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		for y := range 24 {
			img.Set(x, y, color.RGBA{uint8(x * 8), uint8(y * 10), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	// A big-endian TIFF whose IFD0 points to a GPS IFD with a latitude.
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8,
		0, 1, // IFD0: one entry
		0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, // GPSInfo → 26
		0, 0, 0, 0,
		0, 1, // GPS IFD: one entry
		0, 1, 0, 2, 0, 0, 0, 2, 'N', 0, 0, 0, // GPSLatitudeRef "N"
		0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := append([]byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	jpg := b.Bytes()
	return append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
}

func pngPhoto(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestObserverPagesWithoutJavaScript(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		eid := f.newElection(admin)
		ctx := context.Background()
		akim := election.Contest{ElectionID: eid, Name: "Akim of Almaty", Region: "KZ-75", Options: []string{"Alpha", "Beta"}}
		if err := db.AddContest(ctx, &akim); err != nil {
			t.Fatal(err)
		}
		obs, o := f.deployedObserver(admin, eid, "001")
		station := "/observe/" + itoa(eid) + "/001"

		if _, page := obs.get("/my"); !strings.Contains(page, `href="`+station+`"`) {
			t.Errorf("/my does not link to the station page")
		}
		code, page := obs.get(station)
		if code != 200 {
			t.Fatalf("station page: %d", code)
		}
		for _, form := range []string{"opening", "turnout", "closing", "count", "incident"} {
			if !strings.Contains(page, `href="`+station+"/"+form+`"`) {
				t.Errorf("station page lacks the %s button", form)
			}
		}

		// Turnout in three fields: checkpoint (preselected), number, send.
		code, page = obs.get(station + "/turnout")
		if code != 200 || !strings.Contains(page, `inputmode="numeric"`) || strings.Count(page, `name="a_checkpoint"`) != 5 ||
			strings.Count(page, " checked") != 1 || !strings.Contains(page, "<legend>") {
			t.Fatalf("turnout page: %d\n%s", code, page)
		}
		cid := hiddenValue(t, page, "client_id")
		checkClientIDv7(t, cid, time.Now().Add(-time.Minute), time.Now())
		turnoutForm := url.Values{"client_id": {cid}, "a_checkpoint": {"12:00"}, "a_ballots_cast": {"1 200"}}
		code, page = obs.submit(station+"/turnout", turnoutForm)
		reps, err := db.StationReports(ctx, eid, "001")
		if err != nil || len(reps) != 1 {
			t.Fatalf("reports after the turnout post: %v %v", reps, err)
		}
		r := reps[0]
		if code != 200 || !strings.Contains(page, "Received. Receipt "+r.Receipt[:8]) || !strings.Contains(page, "<code>"+r.Receipt[:8]+"</code>") {
			t.Errorf("after the turnout post: %d\n%s", code, page)
		}
		if string(r.Answers["ballots_cast"]) != "1200" || string(r.Answers["checkpoint"]) != `"12:00"` || r.ObserverID != o.ID || r.ClientID != cid {
			t.Errorf("stored turnout = %+v", r)
		}
		// The same page sent twice is a safe retry.
		code, page = obs.submit(station+"/turnout", turnoutForm)
		if reps, _ := db.StationReports(ctx, eid, "001"); code != 200 || len(reps) != 1 || !strings.Contains(page, "already received. Receipt "+r.Receipt[:8]) {
			t.Errorf("double submit: %d, %d reports\n%s", code, len(reps), page)
		}
		// The next turnout page offers another checkpoint than the one sent.
		if _, page = obs.get(station + "/turnout"); regexp.MustCompile(`value="12:00"[^>]* checked`).MatchString(page) {
			t.Errorf("the checkpoint already reported is preselected again")
		}

		// Opening checklist: a missing answer is pointed out and what was
		// typed is kept; then it goes through.
		_, page = obs.get(station + "/opening")
		opening := url.Values{"client_id": {hiddenValue(t, page, "client_id")}, "a_time_opened": {"07:00"}, "a_comments": {"Queue <b>outside</b>"}}
		for _, q := range []string{"opened_on_time", "boxes_empty_sealed", "ballots_counted", "voter_lists_present", "materials_complete",
			"secrecy_booths", "observers_admitted", "observers_see_all", "commission_quorum", "unauthorized_persons"} {
			opening.Set("a_"+q, "yes")
		}
		code, page = obs.submit(station+"/opening", opening)
		if code != 422 || strings.Count(page, "This answer is required.") != 1 || !strings.Contains(page, `id="e-campaign_material"`) ||
			!strings.Contains(page, "Queue <b>outside</b></textarea>") || !regexp.MustCompile(`name="a_secrecy_booths" value="yes"[^>]* checked`).MatchString(page) {
			t.Fatalf("opening without an answer: %d\n%s", code, page)
		}
		opening.Set("a_campaign_material", "no")
		if code, page = obs.submit(station+"/opening", opening); code != 200 || !strings.Contains(page, "Received.") {
			t.Fatalf("opening: %d\n%s", code, page)
		}
		reps, _ = db.StationReports(ctx, eid, "001")
		var op report.Report
		for _, r := range reps {
			if r.Form == report.Opening {
				op = r
			}
		}
		if string(op.Answers["campaign_material"]) != "false" || string(op.Answers["secrecy_booths"]) != "true" ||
			string(op.Answers["time_opened"]) != `"07:00"` || string(op.Answers["comments"]) != `"Queue \u003cb\u003eoutside\u003c/b\u003e"` {
			t.Errorf("stored opening answers = %s", jsonOf(op.Answers))
		}
		if code, page = obs.submit(station+"/closing", url.Values{"client_id": {"x"}, "a_ballots_cast": {"many"}}); code != 422 || !strings.Contains(page, "Enter a whole number") {
			t.Errorf("closing with a word for a number: %d", code)
		}

		// The count protocol asks for the contest first, then the votes of
		// each option; figures that do not add up are flagged in words.
		_, page = obs.get(station + "/count")
		if !strings.Contains(page, "?contest="+itoa(akim.ID)) || !strings.Contains(page, "Party lists") {
			t.Fatalf("count page does not offer the station's contests:\n%s", page)
		}
		_, page = obs.get(station + "/count?contest=" + itoa(akim.ID))
		if !strings.Contains(page, `<label for="v-0">Alpha</label>`) || !strings.Contains(page, `data-o="Beta"`) {
			t.Fatalf("count page lacks the options:\n%s", page)
		}
		count := url.Values{"client_id": {hiddenValue(t, page, "client_id")}, "a_contest": {itoa(akim.ID)}, "a_registered": {"1500"},
			"a_received": {"1500"}, "a_issued": {"900"}, "a_cast": {"890"}, "a_spoiled": {"10"}, "a_unused": {"590"},
			"a_valid": {"880"}, "a_invalid": {"5"}, "a_votes.0": {"500"}, "a_votes.1": {"380"}, "a_protocol_posted": {"yes"}, "a_copy_received": {"no"}}
		code, page = obs.submit(station+"/count?contest="+itoa(akim.ID), count)
		if code != 200 || !strings.Contains(page, "the protocol's figures do not add up: valid 880 + invalid 5 = 885, but cast is 890") {
			t.Errorf("count with a gap: %d\n%s", code, page)
		}
		reps, _ = db.StationReports(ctx, eid, "001")
		var cnt report.Report
		for _, r := range reps {
			if r.Form == report.Count {
				cnt = r
			}
		}
		if string(cnt.Answers["votes"]) != `{"Alpha":500,"Beta":380}` || string(cnt.Answers["contest"]) != itoa(akim.ID) || len(cnt.Flags) == 0 {
			t.Errorf("stored count = %s %v", jsonOf(cnt.Answers), cnt.Flags)
		}

		// An incident with a photo: the incident first, then the photo,
		// stored without its GPS position.
		_, page = obs.get(station + "/incident")
		if !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, `accept="image/*"`) || !strings.Contains(page, `maxlength="5000"`) ||
			!strings.Contains(page, "Carousel voting") || !strings.Contains(page, `type="time"`) {
			t.Fatalf("incident page:\n%s", page)
		}
		photo := gpsPhoto(t)
		incident := url.Values{"client_id": {hiddenValue(t, page, "client_id")}, "a_category": {"carousel"}, "a_severity": {"high"},
			"a_description": {"A bus brought the same voters twice."}, "observed_time": {"00:00"}}
		code, page = obs.postMultipart(station+"/incident", incident, photo, "")
		if code != 200 || !strings.Contains(page, "The photo was stored.") || !strings.Contains(page, "Carousel voting") || !strings.Contains(page, "1 photo") {
			t.Fatalf("incident with a photo: %d\n%s", code, page)
		}
		incs, _, err := db.Incidents(ctx, report.IncidentQuery{ElectionID: eid, Station: "001"})
		if err != nil || len(incs) != 1 || incs[0].Severity != report.High || incs[0].ObserverID != o.ID {
			t.Fatalf("incidents = %+v %v", incs, err)
		}
		inc := incs[0]
		if code, page = obs.postMultipart(station+"/incident", incident, photo, ""); code != 200 || !strings.Contains(page, "already received") {
			t.Errorf("incident sent twice: %d", code)
		}
		ev, err := db.EvidenceList(ctx, inc.ID)
		if err != nil || len(ev) != 1 {
			t.Fatalf("evidence = %v %v", ev, err)
		}
		_, data, err := db.EvidenceData(ctx, ev[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("Exif")) || ev[0].ContentType != "image/jpeg" || ev[0].SHA256 == ev[0].OriginalHash {
			t.Errorf("stored evidence keeps its EXIF block or was not re-encoded: %+v", ev[0])
		}
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			t.Errorf("stored evidence is not a JPEG: %v", err)
		}

		// The evidence endpoint: the reporter's further photos; nobody
		// else's; images only.
		evidence := "/observe/incidents/" + itoa(inc.ID) + "/evidence"
		if code, body := obs.postMultipart(evidence, nil, pngPhoto(t), "application/json"); code != 201 || !strings.Contains(body, `"content_type":"image/png"`) {
			t.Errorf("second photo: %d %s", code, body)
		}
		if code, body := obs.postMultipart(evidence, nil, []byte("<script>alert(1)</script>"), "application/json"); code != 422 {
			t.Errorf("a script as a photo: %d %s", code, body)
		}
		other, _ := f.deployedObserver(admin, eid, "002")
		if code, _ := other.postMultipart(evidence, nil, pngPhoto(t), "application/json"); code != 403 {
			t.Errorf("another observer adds evidence: %d", code)
		}

		// Stations not assigned are refused, pages and posts alike.
		for _, p := range []string{"/observe/" + itoa(eid) + "/002", "/observe/" + itoa(eid) + "/002/turnout", "/observe/" + itoa(eid) + "/NOPE"} {
			if code, _ := obs.get(p); code != 403 {
				t.Errorf("GET %s by an observer of 001: %d, want 403", p, code)
			}
		}
		if code, _ := obs.submit("/observe/"+itoa(eid)+"/002/turnout", turnoutForm); code != 403 {
			t.Errorf("POST turnout for 002 by an observer of 001: %d", code)
		}
		if reps, _ := db.StationReports(ctx, eid, "002"); len(reps) != 0 {
			t.Errorf("a refused post was stored: %v", reps)
		}

		// The desk enters a phoned-in figure for any station.
		desk := newBrowser(t, f)
		desk.c.Transport = bearer{admin, desk.c.Transport}
		code, page = desk.get("/observe/" + itoa(eid) + "/SF-1/turnout")
		if code != 200 || !strings.Contains(page, `name="observer"`) {
			t.Fatalf("desk turnout page: %d", code)
		}
		code, _ = desk.submit("/observe/"+itoa(eid)+"/SF-1/turnout", url.Values{"client_id": {hiddenValue(t, page, "client_id")},
			"a_checkpoint": {"10:00"}, "a_ballots_cast": {"40"}, "observer": {o.Number}})
		reps, _ = db.StationReports(ctx, eid, "SF-1")
		if code != 200 || len(reps) != 1 || reps[0].EnteredBy == 0 || reps[0].ObserverID != o.ID || reps[0].Channel != report.Phone {
			t.Errorf("desk report: %d %+v", code, reps)
		}
	})
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// TestObserverPageWeight checks DESIGN.md's target: an observer page with
// its scripts and styles weighs under 60 KB. Responses are not compressed
// by the server, so the bytes counted are the bytes sent; the gzip size a
// compressing proxy would send is logged beside.
func TestObserverPageWeight(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	admin := f.user(auth.Admin, "admin@example.org")
	eid := f.newElection(admin)
	obs, _ := f.deployedObserver(admin, eid, "001")
	station := "/observe/" + itoa(eid) + "/001"
	asset := regexp.MustCompile(`<(?:script[^>]* src|link[^>]* href)="(/static/[^"]+)"`)
	for _, path := range []string{station, station + "/turnout", station + "/incident"} {
		resp, err := obs.c.Get(obs.base + path)
		if err != nil {
			t.Fatal(err)
		}
		page := readAll(t, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		raw, gz := len(page), gzipSize(t, page)
		for _, m := range asset.FindAllStringSubmatch(page, -1) {
			code, body := obs.get(m[1])
			if code != 200 {
				t.Fatalf("%s: %d", m[1], code)
			}
			raw += len(body)
			gz += gzipSize(t, body)
		}
		t.Logf("%s: %d bytes with scripts and styles (%d gzipped)", path, raw, gz)
		if raw >= 60<<10 {
			t.Errorf("%s weighs %d bytes, over 60 KB", path, raw)
		}
	}
}

func gzipSize(t *testing.T, s string) int {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Len()
}

func TestServiceWorkerScope(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	resp := f.do("GET", "/observe/sw.js", "", "", nil)
	body := readAll(t, resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
		resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("Service-Worker-Allowed") != "/observe/" || !strings.Contains(body, "addEventListener('fetch'") {
		t.Errorf("sw.js: %d %v", resp.StatusCode, resp.Header)
	}
}

// checkClientIDv7 checks that id is a UUIDv7 made between from and to.
func checkClientIDv7(t *testing.T, id string, from, to time.Time) {
	t.Helper()
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 7 {
		t.Errorf("client id %q is not a UUIDv7 (%v)", id, err)
		return
	}
	sec, nsec := u.Time().UnixTime()
	if made := time.Unix(sec, nsec); made.Before(from.Truncate(time.Millisecond)) || made.After(to) {
		t.Errorf("client id %q says it was made at %v, not between %v and %v", id, made, from, to)
	}
}
