package badge

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"
	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"

	"github.com/baqylau/baqylau/internal/imaging"
)

var kazakhNames = []string{
	"Әлихан Бөкейхан",
	"Қанат Ғалымұлы Үсенов",
	"Іңкәр Өтегенова",
	"Ёлкин Йосиф",
	"Һәкім Ұлықпан Ғабиденұлы",
}

func sampleCard(i int) Card {
	kinds := []string{KindObserver, KindJournalist}
	langs := []string{"kk", "ru", "en"}
	c := Card{
		Name:         kazakhNames[i%len(kazakhNames)],
		Organization: "Қазақстандық сайлау бақылаушылары қауымдастығы",
		Mission:      "Мәжіліс сайлауы 2026 – ұзақ мерзімді бақылау миссиясы",
		Number:       fmt.Sprintf("KZ-2026-%05d", i+1),
		Kind:         kinds[i%2],
		ValidUntil:   "31.12.2026",
		VerifyURL:    fmt.Sprintf("https://baqylau.example/v/KZ-2026-%05d?c=9f8e7d6c", i+1),
		Lang:         langs[i%3],
	}
	if i%3 != 2 {
		c.Photo = testPhoto(400+i, 500, "jpeg")
	}
	return c
}

// testPhoto returns a w×h gradient as JPEG or PNG. Encoding to memory
// cannot fail, so it panics rather than taking a *testing.T.
func testPhoto(w, h int, format string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 0x80, 0xFF})
		}
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		panic(err)
	}
	return buf.Bytes()
}

var pageRE = regexp.MustCompile(`/Type\s*/Page\b[^s]`)

func render(t *testing.T, cards []Card) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, cards); err != nil {
		t.Fatalf("Render: %v", err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("output does not start with %%PDF-: %q", b[:min(len(b), 16)])
	}
	return b
}

// needTool returns the path of a command-line tool; it skips the test when
// the tool is missing, except in CI, where a missing tool is a failure.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: install Debian package %s", name, pkg)
		}
		t.Skipf("%s not found (Debian package %s): skipping", name, pkg)
	}
	return p
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool := needTool(t, "pdftotext", "poppler-utils")
	dir := t.TempDir()
	in := filepath.Join(dir, "badges.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

func TestRenderOne(t *testing.T) {
	c := sampleCard(0)
	b := render(t, []Card{c})
	if n := len(pageRE.FindAll(b, -1)); n != 1 {
		t.Errorf("pages = %d, want 1", n)
	}
	text := pdfText(t, b)
	for _, want := range []string{c.Name, "АККРЕДИТТЕУ", "БАЙҚАУШЫ", c.Number, c.ValidUntil, "Ұйым"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

func TestRenderBatch(t *testing.T) {
	cards := make([]Card, 17)
	for i := range cards {
		cards[i] = sampleCard(i)
	}
	b := render(t, cards)
	if n := len(pageRE.FindAll(b, -1)); n != 3 {
		t.Errorf("pages = %d, want 3", n)
	}
	text := pdfText(t, b)
	for _, name := range kazakhNames {
		if !strings.Contains(text, name) {
			t.Errorf("text lacks name %q", name)
		}
	}
	for _, want := range []string{"АККРЕДИТАЦИЯ", "ACCREDITATION", "НАБЛЮДАТЕЛЬ", "JOURNALIST", "KZ-2026-00017"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if strings.Count(text, "\f") != 3 {
		t.Errorf("pdftotext saw %d pages, want 3", strings.Count(text, "\f"))
	}
}

func TestRenderErrors(t *testing.T) {
	hugePNG := pngHeader(20000, 20000)
	tests := []struct {
		name string
		card Card
		want []string
		is   error
	}{
		{"huge photo", Card{Name: "A", Number: "N-1", Kind: KindObserver, Photo: hugePNG}, []string{`card "N-1"`, "20000×20000", "40 megapixels"}, ErrPhotoTooLarge},
		{"corrupt photo", Card{Name: "A", Number: "N-2", Kind: KindObserver, Photo: []byte("\x89PNG\r\n\x1a\nnot really")}, []string{`card "N-2"`, "not a readable JPEG or PNG"}, ErrPhotoInvalid},
		{"truncated jpeg", Card{Name: "A", Number: "N-3", Kind: KindObserver, Photo: testPhoto(50, 50, "jpeg")[:300]}, []string{`card "N-3"`}, ErrPhotoInvalid},
		{"gif", Card{Name: "A", Number: "N-4", Kind: KindObserver, Photo: []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")}, []string{`card "N-4"`}, ErrPhotoInvalid},
		{"no name", Card{Name: "  ", Number: "N-5", Kind: KindObserver}, []string{`card "N-5"`, "name"}, nil},
		{"bad kind", Card{Name: "A", Kind: "voter"}, []string{"card #1 (no number)", "voter"}, nil},
		{"bad lang", Card{Name: "A", Number: "N-7", Kind: KindJournalist, Lang: "de"}, []string{`"de"`}, nil},
		{"url too long", Card{Name: "A", Number: "N-8", Kind: KindObserver, VerifyURL: "https://x/" + strings.Repeat("é", 3000)}, []string{`card "N-8"`, "QR"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Render(&buf, []Card{tt.card})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "badge: card ") {
				t.Errorf("error %q lacks the badge: card prefix", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", buf.Len())
			}
		})
	}
	if err := Render(&bytes.Buffer{}, nil); !errors.Is(err, ErrNoCards) {
		t.Errorf("empty list: err = %v, want ErrNoCards", err)
	}
}

// pngHeader returns the start of a PNG file whose header declares w×h.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	data := make([]byte, 13)
	binary.BigEndian.PutUint32(data[0:], w)
	binary.BigEndian.PutUint32(data[4:], h)
	data[8], data[9] = 8, 2 // 8-bit RGB
	chunk := append([]byte("IHDR"), data...)
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
	b.Write(chunk)
	b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(chunk)))
	return b.Bytes()
}

func TestPNGHeaderIsReadable(t *testing.T) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(pngHeader(20000, 20000)))
	if err != nil || format != "png" || cfg.Width != 20000 {
		t.Fatalf("test header not understood: %v %s %+v", err, format, cfg)
	}
}

func testPDF(t *testing.T) *fpdf.Fpdf {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(fontFamily, "", dejavusans.TTF)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", dejavusansbold.TTF)
	pdf.AddPage()
	if err := pdf.Error(); err != nil {
		t.Fatal(err)
	}
	return pdf
}

func TestLongTextStaysInside(t *testing.T) {
	long := string([]rune(strings.Repeat("Қанат Ғалымұлы Үсенов-Бөкейханов ", 7))[:200])
	noSpaces := strings.Repeat("Әлихан", 40)
	pdf := testPDF(t)
	for _, s := range []string{long, noSpaces, "Ё", kazakhNames[1]} {
		lines, pt := fitText(pdf, "B", clean(s), cardW-2*pad, nameH, 2, 14, 6.5)
		if len(lines) == 0 || len(lines) > 2 {
			t.Fatalf("%q: %d lines", s, len(lines))
		}
		if h := float64(len(lines)) * pt * ptToMM * lineFactor; h > nameH {
			t.Errorf("%q: height %.1f mm > %.1f", s, h, nameH)
		}
		pdf.SetFont(fontFamily, "B", pt)
		for _, l := range lines {
			if w := pdf.GetStringWidth(l); w > cardW-2*pad+0.01 {
				t.Errorf("%q: line %q is %.1f mm wide", s, l, w)
			}
		}
	}
	// The short name gets one line at full size.
	if lines, pt := fitText(pdf, "B", kazakhNames[1], cardW-2*pad, nameH, 2, 14, 6.5); len(lines) != 1 || pt != 14 {
		t.Errorf("short name: %d lines at %.1f pt", len(lines), pt)
	}

	c := sampleCard(0)
	c.Name, c.Organization, c.Mission = long, long, noSpaces
	b := render(t, []Card{c})
	text := pdfText(t, b)
	if !strings.Contains(text, "…") {
		t.Errorf("long name not cut with an ellipsis:\n%s", text)
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"  Әлихан\t\nБөкейхан ": "Әлихан Бөкейхан",
		"a\x00b":                "a b",
		"x\u200by":              "xy",
		"bad\xffutf8":           "bad\uFFFDutf8",
		"emoji 😀":               "emoji \uFFFD",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQRRoundTrip(t *testing.T) {
	tool := needTool(t, "zbarimg", "zbar-tools")
	for _, url := range []string{
		"https://baqylau.example/v/KZ-2026-00001?c=9f8e7d6c",
		"https://baqylau.example/v/Қ-12",
	} {
		b, err := qrPNG(url)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "qr.png")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(tool, "--quiet", "--raw", "-Sbinary", p).Output()
		if err != nil {
			t.Fatalf("zbarimg: %v", err)
		}
		if got := strings.TrimSuffix(string(out), "\n"); got != url {
			t.Errorf("QR decoded %q, want %q", got, url)
		}
	}
}

func TestPhotoReencoded(t *testing.T) {
	for _, format := range []string{"jpeg", "png"} {
		out, err := preparePhoto(testPhoto(640, 480, format))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		cfg, f, err := image.DecodeConfig(bytes.NewReader(out))
		if err != nil || f != "jpeg" || cfg.Width != photoW || cfg.Height != photoH {
			t.Errorf("%s: re-encoded as %s %dx%d (%v)", format, f, cfg.Width, cfg.Height, err)
		}
	}
}

// exifJPEG returns a JPEG of img with an EXIF block carrying orientation o.
func exifJPEG(t *testing.T, img image.Image, o uint16) []byte {
	t.Helper()
	var j bytes.Buffer
	if err := jpeg.Encode(&j, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, byte(o >> 8), byte(o), 0, 0, 0, 0, 0, 0}
	seg := append([]byte("Exif\x00\x00"), tiff...)
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)})
	b.Write(seg)
	b.Write(j.Bytes()[2:])
	return b.Bytes()
}

func TestExifOrientation(t *testing.T) {
	// A landscape image, red on its left half, stored with orientation 6
	// (display rotated 90° clockwise): upright it is portrait with red on top.
	img := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for y := 0; y < 300; y++ {
		for x := 0; x < 400; x++ {
			c := color.RGBA{0, 0, 0xFF, 0xFF}
			if x < 200 {
				c = color.RGBA{0xFF, 0, 0, 0xFF}
			}
			img.Set(x, y, c)
		}
	}
	data := exifJPEG(t, img, 6)
	if o := imaging.Orientation(data); o != 6 {
		t.Fatalf("orientation = %d, want 6", o)
	}
	out, err := preparePhoto(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if got.Bounds().Dx() != photoW || got.Bounds().Dy() != photoH {
		t.Fatalf("size %v", got.Bounds())
	}
	top, bottom := got.At(photoW/2, 10), got.At(photoW/2, photoH-10)
	if r, _, b, _ := top.RGBA(); r < b {
		t.Errorf("top is not red: %v", top)
	}
	if r, _, b, _ := bottom.RGBA(); b < r {
		t.Errorf("bottom is not blue: %v", bottom)
	}
	if o := imaging.Orientation(out); o != 1 {
		t.Errorf("re-encoded photo still has orientation %d", o)
	}
}

func FuzzPreparePhoto(f *testing.F) {
	f.Add(testPhoto(8, 8, "png"))
	f.Add(testPhoto(8, 8, "jpeg"))
	f.Add(pngHeader(20000, 20000))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := preparePhoto(data)
		if err == nil && len(out) == 0 {
			t.Fatal("no error and no photo")
		}
	})
}

// TestPrintedQRScans decodes the QR codes from a rasterised page, as a
// phone would see them after printing.
func TestPrintedQRScans(t *testing.T) {
	zbar := needTool(t, "zbarimg", "zbar-tools")
	ppm := needTool(t, "pdftoppm", "poppler-utils")
	cards := []Card{sampleCard(0), sampleCard(1), sampleCard(2)}
	dir := t.TempDir()
	in := filepath.Join(dir, "badges.pdf")
	if err := os.WriteFile(in, render(t, cards), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(ppm, "-png", "-r", "200", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	out, err := exec.Command(zbar, "--quiet", "--raw", filepath.Join(dir, "page-1.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	got := string(out)
	for _, c := range cards {
		if !strings.Contains(got, c.VerifyURL+"\n") {
			t.Errorf("page scan lacks %q; got:\n%s", c.VerifyURL, got)
		}
	}
}

// TestRenderConcurrent guards against shared state in the PDF library:
// web handlers render badges for several users at once.
func TestRenderConcurrent(t *testing.T) {
	errs := make(chan error, 4)
	for i := range 4 {
		go func() {
			errs <- Render(io.Discard, []Card{sampleCard(i), sampleCard(i + 1)})
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
