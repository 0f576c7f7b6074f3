package ledger

import "fmt"

// Problems an operator's check finds.
const (
	ProblemChanged  = "changed"    // the row differs from what its leaf committed to
	ProblemDeleted  = "deleted"    // the leaf's row is gone
	ProblemLeaf     = "leaf"       // the stored leaf differs from its stored parts
	ProblemTree     = "tree"       // the tree does not match a signed tree head or the head row
	ProblemNotInLog = "not_in_log" // a row without a leaf
	// ProblemErased is not a fault: personal text of the row was erased
	// on request, so only its public part can be checked.
	ProblemErased = "erased"
)

// Finding is one thing an operator's check found wrong, naming the entry
// and the row.
type Finding struct {
	Index   uint64 `json:"index"`
	Kind    Kind   `json:"kind"`
	Ref     int64  `json:"ref"`
	Problem string `json:"problem"`
	Detail  string `json:"detail"`
}

func (f Finding) String() string {
	if f.Kind == "" {
		return fmt.Sprintf("%s: %s", f.Problem, f.Detail)
	}
	if f.Problem == ProblemNotInLog {
		return fmt.Sprintf("%s %d: %s: %s", f.Kind, f.Ref, f.Problem, f.Detail)
	}
	return fmt.Sprintf("entry %d (%s %d): %s: %s", f.Index, f.Kind, f.Ref, f.Problem, f.Detail)
}

// Faults returns the findings that are faults (all but erasures).
func (r CheckReport) Faults() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Problem != ProblemErased {
			out = append(out, f)
		}
	}
	return out
}

// CheckReport is what an operator's check of the database found.
type CheckReport struct {
	Size     uint64    `json:"tree_size"`
	Heads    int       `json:"tree_heads_checked"`
	Findings []Finding `json:"findings"`
}
