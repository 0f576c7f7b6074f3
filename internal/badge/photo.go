package badge

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // photos may be PNG
	"math"

	"golang.org/x/image/draw"
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

// preparePhoto checks and decodes a JPEG or PNG photo, applies its EXIF
// orientation, crops it to 3:4 around the centre, scales it down and
// re-encodes it as a fresh JPEG, which drops all metadata (GPS and the
// like) and anything else the original file carried.
func preparePhoto(data []byte) ([]byte, error) {
	if len(data) > maxPhotoBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrPhotoTooLarge, len(data), maxPhotoBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPhotoInvalid, err)
	}
	if format != "jpeg" && format != "png" {
		return nil, fmt.Errorf("%w: format %s", ErrPhotoInvalid, format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%w: size %d×%d", ErrPhotoInvalid, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPhotoPixels {
		return nil, fmt.Errorf("%w: %d×%d pixels (%.1f megapixels), at most %d megapixels allowed",
			ErrPhotoTooLarge, cfg.Width, cfg.Height, float64(px)/1e6, maxPhotoPixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPhotoInvalid, err)
	}
	o := 1
	if format == "jpeg" {
		o = exifOrientation(data)
	}
	// Crop and scale first, then turn the small result upright: a centred
	// crop commutes with turning, and turning pixel by pixel is cheap only
	// on a small image.
	sw, sh := photoW, photoH
	if o >= 5 { // turned by 90°: the stored image is landscape for portrait
		sw, sh = photoH, photoW
	}
	small := image.NewRGBA(image.Rect(0, 0, sw, sh))
	draw.CatmullRom.Scale(small, small.Bounds(), img, cropRect(img.Bounds(), sw, sh), draw.Src, nil)
	upright := orient(small, o)
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

// exifOrientation returns the EXIF Orientation (1–8) of a JPEG file, or 1
// when it has none or it cannot be read. Phones store photos as the sensor
// saw them and record the rotation here; re-encoding drops the tag, so it
// has to be applied first.
func exifOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	p := 2
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return 1
		}
		marker := data[p+1]
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			p += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data starts: no EXIF before it
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 from the first IFD of a TIFF block.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[off:]))
	for i := 0; i < count; i++ {
		e := off + 2 + 12*i
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient returns img turned upright according to an EXIF orientation.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2: // mirrored horizontally
				dx, dy = w-1-x, y
			case 3: // rotated 180°
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // rotated 90° clockwise to display
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // rotated 90° anticlockwise to display
				dx, dy = y, w-1-x
			}
			dst.Set(dx, dy, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}
