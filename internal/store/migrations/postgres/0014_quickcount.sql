-- The quick-count sample of an election: its design and published seed
-- (one per election; drawing again replaces it), its strata and the
-- stations drawn, sample or reserve, with their rank in the stratum.
CREATE TABLE quickcount_samples (
    election_id      BIGINT PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE,
    seed             TEXT NOT NULL,
    margin           DOUBLE PRECISION NOT NULL,
    confidence       DOUBLE PRECISION NOT NULL,
    turnout          DOUBLE PRECISION NOT NULL,
    icc              DOUBLE PRECISION NOT NULL,
    reserve_share    DOUBLE PRECISION NOT NULL,
    fixed_stations   INTEGER NOT NULL,
    size_voters      DOUBLE PRECISION NOT NULL,
    voters_per_station DOUBLE PRECISION NOT NULL,
    design_effect    DOUBLE PRECISION NOT NULL,
    size_stations    INTEGER NOT NULL,
    median_voters    INTEGER NOT NULL,
    drawn_by         BIGINT REFERENCES users (id),
    drawn_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE quickcount_strata (
    election_id BIGINT NOT NULL REFERENCES quickcount_samples (election_id) ON DELETE CASCADE,
    stratum     TEXT NOT NULL,
    stations    INTEGER NOT NULL,
    registered  BIGINT NOT NULL,
    sample      INTEGER NOT NULL,
    reserve     INTEGER NOT NULL,
    PRIMARY KEY (election_id, stratum)
);

CREATE TABLE quickcount_stations (
    election_id  BIGINT NOT NULL REFERENCES quickcount_samples (election_id) ON DELETE CASCADE,
    station_code TEXT NOT NULL,
    stratum      TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('sample', 'reserve')),
    draw_rank    INTEGER NOT NULL,
    PRIMARY KEY (election_id, station_code)
);
