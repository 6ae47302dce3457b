"""clean: canonical births and the LSOA -> IMD lookup in; clean live births of the study areas and years (with
outcomes and groups derived), the exclusion flow and the cell table of counts out."""
