package badge

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode/qr"
)

const (
	// qrQuiet is the quiet zone around the code in modules, as the QR
	// standard asks; it is part of the image so the code scans even when
	// something is printed close to it.
	qrQuiet = 4
	// qrModulePx is the pixel size of one module in the embedded image.
	qrModulePx = 8
)

// qrImage returns a black-on-white QR code of s with error correction
// level M and a quiet zone.
func qrImage(s string) (*image.Gray, error) {
	code, err := qr.Encode(s, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	b := code.Bounds()
	n := b.Dx() + 2*qrQuiet
	img := image.NewGray(image.Rect(0, 0, n*qrModulePx, n*qrModulePx))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			if color.GrayModel.Convert(code.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y >= 0x80 {
				continue
			}
			x0, y0 := (x+qrQuiet)*qrModulePx, (y+qrQuiet)*qrModulePx
			for yy := y0; yy < y0+qrModulePx; yy++ {
				for xx := x0; xx < x0+qrModulePx; xx++ {
					img.Pix[yy*img.Stride+xx] = 0
				}
			}
		}
	}
	return img, nil
}

// qrPNG returns qrImage encoded as PNG, as embedded in the PDF.
func qrPNG(s string) ([]byte, error) {
	img, err := qrImage(s)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("QR code: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}
