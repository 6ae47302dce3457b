"""ingest: the raw extract file(s) and official lookups in (any supported format and source mapping, checked
before any job by ``preflight``); the canonical births table, the LSOA -> IMD lookup and the validation report out."""
