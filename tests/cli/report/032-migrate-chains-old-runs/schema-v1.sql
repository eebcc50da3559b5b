-- the run store as oed 0.1.0 made it (schema version 1)
CREATE TABLE runs (  id INTEGER PRIMARY KEY,  tool TEXT NOT NULL,  argv TEXT NOT NULL,  params TEXT,  input_digest TEXT,  version TEXT NOT NULL,  started TEXT NOT NULL,  finished TEXT,  status TEXT NOT NULL DEFAULT 'running'    CHECK (status IN ('running','ok','failed','interrupted')));
CREATE INDEX runs_tool ON runs(tool, started);
CREATE TABLE metrics (  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,  name TEXT NOT NULL,  grp TEXT,  value REAL,  lo REAL,  hi REAL);
CREATE INDEX metrics_run ON metrics(run_id, name);
CREATE TABLE datasets (  id INTEGER PRIMARY KEY,  name TEXT NOT NULL UNIQUE,  created TEXT NOT NULL);
CREATE TABLE dataset_versions (  id INTEGER PRIMARY KEY,  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,  version INTEGER NOT NULL,  digest TEXT NOT NULL,  records INTEGER NOT NULL,  created TEXT NOT NULL,  run_id INTEGER REFERENCES runs(id),  UNIQUE (dataset_id, version),  UNIQUE (dataset_id, digest));
CREATE TABLE dataset_records (  version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,  seq INTEGER NOT NULL,  record TEXT NOT NULL,  PRIMARY KEY (version_id, seq)) WITHOUT ROWID;
CREATE TABLE drift_baselines (  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,  feature TEXT NOT NULL,  kind TEXT NOT NULL,  summary TEXT NOT NULL,  PRIMARY KEY (run_id, feature));

PRAGMA user_version = 1;
