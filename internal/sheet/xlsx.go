package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xmlInMemory is the size above which excelize unpacks a worksheet to a
// temporary file and streams it instead of holding it in memory.
const xmlInMemory = 16 << 20

// readXLSX reads the first visible worksheet of a workbook.
func readXLSX(data []byte, opts Options) (t *Table, err error) {
	if err := checkZip(data, opts.MaxUnzippedBytes); err != nil {
		return nil, err
	}
	// excelize is a large parser fed with hostile input: a panic in it must
	// become a refused file, not a crashed server.
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, fileErr("the workbook cannot be read: open it in Excel and save it again as .xlsx")
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    opts.MaxUnzippedBytes,
		UnzipXMLSizeLimit: min(opts.MaxUnzippedBytes, xmlInMemory),
	})
	if err != nil {
		return nil, workbookErr(0, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			t, err = nil, fmt.Errorf("sheet: close workbook: %w", cerr)
		}
	}()
	name, err := firstSheet(f)
	if err != nil {
		return nil, err
	}
	rows, err := f.Rows(name)
	if err != nil {
		return nil, workbookErr(0, err)
	}
	defer func() {
		if cerr := rows.Close(); cerr != nil && err == nil {
			t, err = nil, workbookErr(0, cerr)
		}
	}()
	b := builder{t: &Table{Format: FormatXLSX, Sheet: name}, opts: opts}
	// The iterator yields every row number in turn, including rows absent
	// from the file, so the count is the row's number.
	for number := 1; rows.Next(); number++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, workbookErr(number, err)
		}
		for len(cells) > 0 && strings.TrimSpace(cells[len(cells)-1]) == "" {
			cells = cells[:len(cells)-1]
		}
		if err := b.add(number, cells, true); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, workbookErr(0, err)
	}
	return b.table()
}

// checkZip refuses, before excelize unpacks anything, an archive that is
// not a workbook or that unpacks to more than max bytes. archive/zip
// refuses to inflate an entry past its declared size, so the declared
// sizes are a bound.
func checkZip(data []byte, max int64) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fileErr("the workbook's zip archive is damaged: open the file in Excel and save it again as .xlsx")
	}
	if len(zr.File) > maxZipFiles {
		return fileErr("the zip archive holds %d files, more than an Excel workbook does", len(zr.File))
	}
	var total uint64
	workbook := false
	for _, zf := range zr.File {
		if zf.UncompressedSize64 > uint64(max) || total+zf.UncompressedSize64 > uint64(max) {
			return &Error{Message: "the workbook unpacks to more than " + sizeString(max), cause: ErrTooLarge}
		}
		total += zf.UncompressedSize64
		if strings.EqualFold(strings.ReplaceAll(zf.Name, `\`, "/"), "xl/workbook.xml") {
			workbook = true
		}
	}
	if !workbook {
		return fileErr("the file is a zip archive but not an Excel workbook (it has no xl/workbook.xml)")
	}
	return nil
}

// firstSheet names the first visible worksheet (or the first one when all
// are hidden).
func firstSheet(f *excelize.File) (string, error) {
	names := f.GetSheetList()
	if len(names) == 0 {
		return "", fileErr("the workbook has no worksheet")
	}
	for _, n := range names {
		visible, err := f.GetSheetVisible(n)
		if err != nil {
			return "", workbookErr(0, err)
		}
		if visible {
			return n, nil
		}
	}
	return names[0], nil
}

// workbookErr reports what excelize refused. Its messages describe the
// file, except file-system failures, which are ours and not the user's.
func workbookErr(row int, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("sheet: read workbook: %w", err)
	}
	msg := fmt.Sprintf("cannot be read (%v): open the file in Excel and save it again as .xlsx", err)
	if row == 0 {
		msg = "the workbook " + msg
	}
	return &Error{Row: row, Message: msg}
}
