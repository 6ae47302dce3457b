"""Fingertips comparators: a recorded response (never the network) saved as a snapshot with its
sidecar, read back offline as percentages, a changed snapshot stopped by its checksum, the unit
checked against the counts, and the snapshot's precedence over the ONS reference."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pandas as pd
import pytest
from support import REPO, SHARED

from birthgaps.core.errors import InputError
from birthgaps.ingest import fingertips
from birthgaps.ingest.national import read_reference

retrieve_data = pytest.importorskip("fingertips_py.retrieve_data")

SAMPLE = SHARED / "data" / "fingertips-format-sample" / "indicators-CountyUA.data.csv"
#: The 26 columns of every Fingertips CSV download, in order.
LAYOUT = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
    "Count", "Denominator", "Value note", "Recent Trend", "Compared to England value or percentiles",
    "Compared to Region value or percentiles", "Time period Sortable", "New data", "Compared to goal",
]  # fmt: skip
# (indicator, name, code, area name, area type, category type, period, count, denominator); the
# values are made up for the test, in each indicator's unit (91743 per 1,000, 20101 percent)
RECORDED = [
    (91743, "Premature births\n(less than 37 weeks gestation)", "E92000001", "England", "England", "", "2023", 44000, 580000),
    (91743, "Premature births\n(less than 37 weeks gestation)", "E12000004", "East Midlands region", "Region", "", "2023", 3600, 46000),
    (91743, "Premature births\n(less than 37 weeks gestation)", "E06000016", "Leicester", "UA", "", "2023", 420, 4300),
    (91743, "Premature births\n(less than 37 weeks gestation)", "E92000001", "England", "England", "UA deprivation deciles", "2023", 6000, 70000),
    (91743, "Premature births\n(less than 37 weeks gestation)", "E92000001", "England", "England", "", "2021 - 23", 130000, 1750000),
    (20101, "Low birth weight of term babies", "E92000001", "England", "England", "", "2023", 15000, 515000),
]  # fmt: skip


def recorded_response(path) -> None:
    """Write the recorded response in the Fingertips download layout."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LAYOUT)
        for indicator, name, code, area, kind, category, period, count, denominator in RECORDED:
            unit = fingertips.UNITS[indicator]
            row = dict.fromkeys(LAYOUT, "")
            row.update(
                {
                    "Indicator ID": indicator,
                    "Indicator Name": name,
                    "Area Code": code,
                    "Area Name": area,
                    "Area Type": kind,
                    "Sex": "Persons",
                    "Age": "All ages",
                    "Category Type": category,
                    "Time period": period,
                    "Value": unit * count / denominator,
                    "Count": count,
                    "Denominator": denominator,
                }
            )
            writer.writerow(row.values())


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """fingertips-py's network read (``pd.read_csv`` of the API URL) answered from the recording."""
    recorded = tmp_path / "recorded.csv"
    recorded_response(recorded)
    urls = []

    class RecordedPandas:
        def __getattr__(self, name):
            return getattr(pd, name)

        @staticmethod
        def read_csv(url, **kwargs):
            urls.append(str(url))
            assert str(url).startswith("https://"), "only the API URL is answered"
            return pd.read_csv(recorded, **kwargs)

    monkeypatch.setattr(retrieve_data, "pd", RecordedPandas())
    return urls


def _snapshot(tmp_path):
    when = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    indicators = {"preterm": 91743, "term_lbw": 20101}
    return fingertips.fetch_snapshot(indicators, tmp_path / "ft" / "snapshot.csv", now=when)


def test_the_recorded_layout_is_fingertips():
    if SAMPLE.exists():
        with SAMPLE.open(newline="", encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == LAYOUT


def test_snapshot_round_trip(tmp_path, offline):
    path = _snapshot(tmp_path)
    assert len(offline) == 1 and "indicator_ids=20101,91743" in offline[0]
    assert "child_area_type_id=402" in offline[0] and "parent_area_type_id=15" in offline[0]
    meta = json.loads(fingertips.sidecar(path).read_text())
    assert meta["fetched"] == "2026-12-04T09:30:00Z"
    assert meta["sha256"] == fingertips.sha256_of(path)
    assert meta["indicators"] == {"preterm": 91743, "term_lbw": 20101}
    rows = fingertips.read_snapshot(path)
    # per 1,000 -> percent: 44,000 / 580,000 = 75.86 per 1,000 = 7.5862%
    england = rows[(rows["geography_code"] == "E92000001") & (rows["outcome"] == "preterm")]
    assert len(england) == 1  # the deprivation-decile and three-year rows are left out
    assert england["percent"].iloc[0] == pytest.approx(100 * 44000 / 580000, abs=1e-4)
    assert england["geography_type"].iloc[0] == "country"
    kinds = dict(zip(rows["geography_code"], rows["geography_type"], strict=False))
    assert kinds["E12000004"] == "region" and kinds["E06000016"] == "local_authority"
    term = rows[rows["outcome"] == "term_lbw"].iloc[0]  # a percentage stays a percentage
    assert term["percent"] == pytest.approx(100 * 15000 / 515000, abs=1e-4)
    assert term["source"] == "OHID Fingertips indicator 20101 (fetched 2026-12-04)"


def test_a_changed_snapshot_stops(tmp_path, offline):
    path = _snapshot(tmp_path)
    text = path.read_text().replace("44000", "44001")
    path.write_text(text)
    with pytest.raises(InputError, match="sha256") as error:
        fingertips.read_snapshot(path)
    assert str(path) in str(error.value) and "comparators.fingertips.snapshot" in str(error.value)
    fingertips.sidecar(path).unlink()
    with pytest.raises(InputError, match="sidecar is missing"):
        fingertips.read_snapshot(path)


def test_snapshot_takes_precedence_for_the_years_it_covers(tmp_path, offline):
    reference = read_reference(REPO / "resources" / "comparators" / "ons_reference.csv")
    merged = fingertips.with_snapshot(reference, fingertips.read_snapshot(_snapshot(tmp_path)))
    england = merged[(merged["geography_code"] == "E92000001") & (merged["outcome"] == "preterm")]
    by_year = dict(zip(england["year"], england["source"], strict=True))
    assert by_year[2023].startswith("OHID Fingertips indicator 91743")
    assert "Table 8" in by_year[2022] and "Table 23" in by_year[2019]  # ONS where it has no value
    assert len(merged) == len(reference) + 4  # England, region, Leicester preterm; England term


def _sample_snapshot(tmp_path, indicator_unit: int):
    path = tmp_path / "sample.csv"
    path.write_bytes(SAMPLE.read_bytes())
    meta = {"fetched": "2025-03-31", "sha256": fingertips.sha256_of(path)}
    fingertips.sidecar(path).write_text(json.dumps({**meta, "indicators": {"preterm": 93356}}))
    return path


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/data is not present")
def test_the_unit_is_checked_against_the_counts_of_a_real_download(tmp_path, monkeypatch):
    # the real download is a rate per 100,000 (Leicester 2015: 177 / 342,627 = 51.66 per 100,000)
    path = _sample_snapshot(tmp_path, 100000)
    monkeypatch.setitem(fingertips.UNITS, 93356, 100_000)
    rows = fingertips.read_snapshot(path)
    leicester = rows[(rows["geography_code"] == "E06000016") & (rows["year"] == 2015)].iloc[0]
    assert leicester["percent"] == pytest.approx(100 * 177 / 342627, abs=1e-4)
    assert (leicester["numerator"], leicester["denominator"]) == (177, 342627)
    monkeypatch.setitem(fingertips.UNITS, 93356, 1000)  # read as per 1,000: every value is off
    with pytest.raises(InputError, match="not per 1,000") as error:
        fingertips.read_snapshot(path)
    assert "column: Value" in str(error.value)


def test_an_indicator_without_a_known_unit_stops(tmp_path, offline):
    with pytest.raises(InputError, match="comparators.fingertips.indicators"):
        fingertips.fetch_snapshot({"lbw": 12345}, tmp_path / "x.csv")
    assert offline == []
