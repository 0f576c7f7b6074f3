package badge

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"

	"golang.org/x/image/draw"

	"github.com/baqylau/baqylau/internal/imaging"
)

// Limits on photos. The pixel limit is checked from the header before
// anything is decoded, so a small file that declares a huge image cannot
// exhaust memory.
const (
	maxPhotoPixels = 40_000_000
	maxPhotoBytes  = 25 << 20
	// photoW×photoH is the pixel size of the re-encoded photo: 3:4, about
	// 340 dpi at the printed 20×26.7 mm.
	photoW = 270
	photoH = 360
)

// Photo errors, for errors.Is.
var (
	ErrPhotoTooLarge = errors.New("photo is too large")
	ErrPhotoInvalid  = errors.New("photo is not a readable JPEG or PNG image")
)

// preparePhoto checks and decodes a JPEG or PNG photo (through
// internal/imaging, which sniffs the format and checks the pixel count
// before decoding), crops it to 3:4 around the centre, scales it down,
// turns it upright by its EXIF orientation and re-encodes it as a fresh
// JPEG, which drops all metadata (GPS and the like) and anything else the
// original file carried.
func preparePhoto(data []byte) ([]byte, error) {
	if len(data) > maxPhotoBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrPhotoTooLarge, len(data), maxPhotoBytes)
	}
	img, _, o, err := imaging.Decode(data, maxPhotoPixels, imaging.JPEG, imaging.PNG)
	if err != nil {
		var ie *imaging.Error
		if errors.As(err, &ie) && ie.Kind == imaging.ErrTooLarge {
			return nil, fmt.Errorf("%w: %s", ErrPhotoTooLarge, ie.Detail)
		}
		return nil, fmt.Errorf("%w: %v", ErrPhotoInvalid, err)
	}
	// Crop and scale first, then turn the small result upright: a centred
	// crop commutes with turning, and turning is cheap only on a small
	// image.
	sw, sh := photoW, photoH
	if o >= 5 { // turned by 90°: the stored image is landscape for portrait
		sw, sh = photoH, photoW
	}
	small := image.NewRGBA(image.Rect(0, 0, sw, sh))
	draw.CatmullRom.Scale(small, small.Bounds(), img, cropRect(img.Bounds(), sw, sh), draw.Src, nil)
	upright := imaging.Orient(small, o)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, upright, &jpeg.Options{Quality: 88}); err != nil {
		return nil, fmt.Errorf("re-encode photo: %w", err)
	}
	return out.Bytes(), nil
}

// cropRect returns the largest centred part of b with the aspect ratio w:h.
func cropRect(b image.Rectangle, w, h int) image.Rectangle {
	bw, bh := b.Dx(), b.Dy()
	if bw*h > bh*w { // too wide
		cw := int(math.Round(float64(bh) * float64(w) / float64(h)))
		x := b.Min.X + (bw-cw)/2
		return image.Rect(x, b.Min.Y, x+cw, b.Max.Y)
	}
	ch := int(math.Round(float64(bw) * float64(h) / float64(w)))
	y := b.Min.Y + (bh-ch)/2
	return image.Rect(b.Min.X, y, b.Max.X, y+ch)
}
