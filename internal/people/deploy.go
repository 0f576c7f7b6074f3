package people

import "time"

// Assignment deploys an observer to a polling station for an election
// day. A mobile team is several observers assigned to the same stations
// under one team name.
type Assignment struct {
	ID          int64
	ElectionID  int64
	StationCode string
	ObserverID  int64
	Team        string
	ByUserID    int64
	CreatedAt   time.Time
}

// Coverage counts, for one region (or one country abroad), how many
// stations have at least one observer.
type Coverage struct {
	Key      string // region code, or ISO country code abroad
	Abroad   bool
	Stations int
	Covered  int
}
