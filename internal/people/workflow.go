package people

import (
	"strings"

	"github.com/baqylau/baqylau"
)

// next lists the steps allowed from each status. Journalists need no
// training, so they may go from applied straight to accredited.
var next = map[Status][]Status{
	Applied:    {Trained, Revoked},
	Trained:    {Accredited, Revoked},
	Accredited: {Deployed, Revoked},
	Deployed:   {Accredited, Revoked}, // back to accredited when unassigned
	Revoked:    {Applied},
}

// CheckTransition says whether an observer may move from its status to
// to, and refuses a revocation without a reason.
func CheckTransition(o Observer, to Status, reason string) error {
	if to == Revoked && strings.TrimSpace(reason) == "" {
		return baqylau.Errorf(baqylau.EINVALID, "a revocation needs a reason")
	}
	if o.Kind == KindJournalist && o.Status == Applied && to == Accredited {
		return nil
	}
	for _, s := range next[o.Status] {
		if s == to {
			return nil
		}
	}
	return baqylau.Errorf(baqylau.ECONFLICT, "an observer who is %s cannot become %s", o.Status, to)
}
