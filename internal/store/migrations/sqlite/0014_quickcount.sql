-- The quick-count sample of an election: its design and published seed
-- (one per election; drawing again replaces it), its strata and the
-- stations drawn, sample or reserve, with their rank in the stratum.
CREATE TABLE quickcount_samples (
    election_id      INTEGER PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE,
    seed             TEXT NOT NULL,
    margin           REAL NOT NULL,
    confidence       REAL NOT NULL,
    turnout          REAL NOT NULL,
    icc              REAL NOT NULL,
    reserve_share    REAL NOT NULL,
    fixed_stations   INTEGER NOT NULL,
    size_voters      REAL NOT NULL,
    voters_per_station REAL NOT NULL,
    design_effect    REAL NOT NULL,
    size_stations    INTEGER NOT NULL,
    median_voters    INTEGER NOT NULL,
    drawn_by         INTEGER REFERENCES users (id),
    drawn_at         TEXT NOT NULL
);

CREATE TABLE quickcount_strata (
    election_id INTEGER NOT NULL REFERENCES quickcount_samples (election_id) ON DELETE CASCADE,
    stratum     TEXT NOT NULL,
    stations    INTEGER NOT NULL,
    registered  INTEGER NOT NULL,
    sample      INTEGER NOT NULL,
    reserve     INTEGER NOT NULL,
    PRIMARY KEY (election_id, stratum)
);

CREATE TABLE quickcount_stations (
    election_id  INTEGER NOT NULL REFERENCES quickcount_samples (election_id) ON DELETE CASCADE,
    station_code TEXT NOT NULL,
    stratum      TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('sample', 'reserve')),
    draw_rank    INTEGER NOT NULL,
    PRIMARY KEY (election_id, station_code)
);
