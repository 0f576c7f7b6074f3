package mission

// maxDiffCells bounds the memory of one diff (8 bytes a cell).
const maxDiffCells = 4_000_000

// DiffLine is one line of a line diff: Op is ' ' (kept), '-' (removed)
// or '+' (added).
type DiffLine struct {
	Op   byte
	Text string
}

// Diff compares two texts line by line (longest common subsequence):
// statements are a few hundred lines, so the quadratic table is small.
func Diff(a, b []string) []DiffLine {
	n, m := len(a), len(b)
	if n*m > maxDiffCells {
		// Too long to compare line by line: show all removed, all added.
		out := make([]DiffLine, 0, n+m)
		for _, l := range a {
			out = append(out, DiffLine{'-', l})
		}
		for _, l := range b {
			out = append(out, DiffLine{'+', l})
		}
		return out
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, DiffLine{' ', a[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{'-', a[i]})
			i++
		default:
			out = append(out, DiffLine{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, DiffLine{'-', a[i]})
	}
	for ; j < m; j++ {
		out = append(out, DiffLine{'+', b[j]})
	}
	return out
}
