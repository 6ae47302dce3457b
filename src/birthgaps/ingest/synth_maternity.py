"""Maternity-level columns of the synthetic release (maternity id, delivery method, booking
gestation, smoking at delivery, BMI at booking), drawn per delivery from a known true model and
calibrated to published national levels (docs/synthetic-data.md), with their deliberate dirt.

Every value belongs to the delivery, so the babies of a twin delivery carry identical values. The
draws use their own random stream, so the columns that existed before are unchanged.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from birthgaps.ingest.synth_draws import hex_ids, pick_disjoint, truncnorm
from birthgaps.ingest.synth_truth import (
    calibrate_intercept,
    cell_probabilities,
    within_cell_probabilities,
)

#: Columns written after the existing canonical ones, in the order of the issue-12 contract.
MATERNITY_COLUMNS = [
    "maternity_id",
    "delivery_method",
    "booking_gestation_days",
    "smoking_at_delivery",
    "mother_bmi",
]
#: Id of the random stream of these columns (seeded with [seed, stream]).
MATERNITY_STREAM = 11

#: NHS Data Dictionary DELIVERY METHOD codes: 7 elective and 8 emergency caesarean section; the
#: vaginal codes share the rest in these proportions (0 spontaneous vertex, 1 spontaneous other
#: cephalic, 2 low forceps, 3 other forceps, 4 ventouse, 5 breech, 6 breech extraction, 9 other).
#: Rough shares chosen so that about 47% of all deliveries are spontaneous and about 12%
#: instrumental, near the HES figures of NHS Maternity Statistics, England, 2022-23.
VAGINAL_CODES = ["0", "1", "2", "3", "4", "5", "6", "9"]
VAGINAL_SHARES = [0.775, 0.010, 0.060, 0.045, 0.095, 0.008, 0.002, 0.005]
#: Within-cell odds ratios of an emergency caesarean (invented, plausible directions): preterm
#: delivery (< 37 weeks), twin delivery, mother obese at booking.
EMERGENCY_CS_MODIFIER_OR = {"preterm": 2.2, "twin": 2.5, "obese": 1.5}
#: Elective caesarean among the other deliveries: odds ratios by age band (<20 .. 40+; NHS
#: Maternity Statistics: the caesarean share rises steeply with age) and for twins (invented).
ELECTIVE_CS_AGE_OR = [0.35, 0.6, 1.0, 1.45, 1.9, 2.4]
ELECTIVE_CS_TWIN_OR = 3.0
#: Within-cell odds ratio of smoking at delivery when a baby of the delivery is under 2,500 g
#: (smoking roughly doubles the risk of low birth weight).
SMOKING_LBW_OR = 2.0
#: Booking gestation (days): a timely booking (by 12+6 weeks) is normal(65, 11) truncated to
#: [35, 91); a late one is 91 + exponential(mean 50) days, before the delivery.
BOOKING_TIMELY = (65.0, 11.0, 35.0, 91.0)
BOOKING_LATE_FROM, BOOKING_LATE_MEAN = 91, 50.0
#: A booking dated after the delivery (dirt) stays at or under 44 weeks (308 days), so that it is
#: found by comparison with the gestation at delivery, not by the 44-week limit.
BOOKING_MAX_DAYS = 308
#: BMI at booking (kg/m2, one decimal): not obese normal(24.5, 3.3) truncated to [16, 30);
#: obese 30 + gamma(shape 1.4, scale 3.2), at most 65.
BMI_NOT_OBESE = (24.5, 3.3, 16.0, 30.0)
BMI_OBESE_GAMMA, BMI_MAX = (1.4, 3.2), 65.0

#: Values used for the deliberate dirt.
DELIVERY_METHOD_INVALID = ["X", "10"]
BOOKING_IMPLAUSIBLE = np.array([-14, -1, 320, 400, 999])
BMI_SENTINELS = np.array([0.0, 99.9])
BMI_IMPLAUSIBLE = np.array([4.5, 8.0, 75.0, 88.0, 120.0])


def simulate_maternity(p: dict, d: dict) -> dict[str, np.ndarray]:
    """Per-delivery maternity columns from the checked settings ``p`` and the deliveries ``d``.

    ``d`` holds numpy arrays over deliveries: ``cell`` (true quintile x group x age band index),
    ``band`` (age band index), ``twin`` (0/1), ``preterm`` (< 37 weeks), ``any_lbw`` (a baby
    under 2,500 g), ``gestation_days`` (true days at delivery); ``n_cells``. Returns arrays over
    deliveries: ``maternity_id`` (object, None = missing), ``delivery_method`` (object),
    ``booking`` (int64) with ``booking_mask``, ``smoking`` (bool) with ``smoking_mask``, ``bmi``
    (float) with ``bmi_mask`` (True = missing).
    """
    rng = np.random.default_rng([p["seed"], MATERNITY_STREAM])
    n = len(d["cell"])
    cell_n = np.bincount(d["cell"], minlength=d["n_cells"]).astype(float)

    def truth(name: str) -> np.ndarray:
        return cell_probabilities(p["log_or"][name], cell_n, p["target_rates"][name], "odds")

    ids = hex_ids(rng, n, prefix="MAT").astype(object)

    # obesity (no modifier), then BMI values consistent with it
    obese = rng.random(n) < truth("obesity")[d["cell"]]
    mean, sd, lo, hi = BMI_NOT_OBESE
    lean = np.floor(truncnorm(rng, np.full(n, mean), sd, lo, hi) * 10) / 10
    heavy = 30.0 + np.floor(rng.gamma(*BMI_OBESE_GAMMA, size=n) * 10) / 10
    bmi = np.where(obese, np.minimum(heavy, BMI_MAX), np.minimum(lean, 29.9))

    # smoking at delivery: true cell rates, more often with a low-birth-weight baby
    p_smoke = within_cell_probabilities(
        d["cell"],
        d["any_lbw"].astype(np.int64),
        np.array([0.0, np.log(SMOKING_LBW_OR)]),
        truth("smoking_at_delivery"),
    )
    smoking = rng.random(n) < p_smoke

    # booking: late (after 12+6 weeks) from the true model, days within the chosen range
    late = rng.random(n) < truth("booking_after_12_6_weeks")[d["cell"]]
    mean, sd, lo, hi = BOOKING_TIMELY
    timely_days = np.floor(truncnorm(rng, np.full(n, mean), sd, lo, hi)).astype(np.int64)
    room = np.maximum(d["gestation_days"] - BOOKING_LATE_FROM, 1).astype(float)
    u = rng.random(n)  # truncated exponential on [0, room) by the inverse CDF
    extra = -BOOKING_LATE_MEAN * np.log1p(-u * (1 - np.exp(-room / BOOKING_LATE_MEAN)))
    late_days = BOOKING_LATE_FROM + np.minimum(np.floor(extra), room - 1).astype(np.int64)
    booking = np.where(late, late_days, timely_days)

    # delivery method: emergency caesarean from the true model with within-cell modifiers, then
    # elective caesarean among the rest, then the vaginal codes
    mods = EMERGENCY_CS_MODIFIER_OR
    level = d["preterm"].astype(np.int64) + 2 * d["twin"] + 4 * obese
    offsets = np.array(
        [
            np.log(mods["preterm"]) * (k & 1)
            + np.log(mods["twin"]) * ((k >> 1) & 1)
            + np.log(mods["obese"]) * ((k >> 2) & 1)
            for k in range(8)
        ]
    )
    p_em = within_cell_probabilities(d["cell"], level, offsets, truth("emergency_caesarean"))
    emergency = rng.random(n) < p_em
    lin = np.log(ELECTIVE_CS_AGE_OR)[d["band"]] + np.log(ELECTIVE_CS_TWIN_OR) * d["twin"]
    others = ~emergency
    target = p["target_rates"]["elective_caesarean"] / max(others.mean(), 1e-12)
    b0 = calibrate_intercept(lin[others], np.ones(int(others.sum())), min(target, 0.99))
    elective = others & (rng.random(n) < expit(b0 + lin))
    shares = np.cumsum(VAGINAL_SHARES) / np.sum(VAGINAL_SHARES)
    vaginal = np.minimum(np.searchsorted(shares, rng.random(n), side="right"), len(shares) - 1)
    method = np.where(
        emergency, "8", np.where(elective, "7", np.array(VAGINAL_CODES)[vaginal])
    ).astype(object)

    out = {
        "maternity_id": ids,
        "delivery_method": method,
        "booking": booking.astype(np.int64),
        "booking_mask": np.zeros(n, dtype=bool),
        "smoking": smoking,
        "smoking_mask": np.zeros(n, dtype=bool),
        "bmi": bmi,
        "bmi_mask": np.zeros(n, dtype=bool),
    }
    _dirt(rng, out, p["dirt"], d["gestation_days"])
    return out


def _dirt(rng: np.random.Generator, out: dict, dirt: dict, gestation_days: np.ndarray) -> None:
    """Missing and implausible values per delivery, disjoint within each column."""
    n = len(gestation_days)
    (ids,) = pick_disjoint(rng, n, [dirt["maternity_id_missing"]])
    out["maternity_id"][ids] = None
    miss, bad = pick_disjoint(
        rng, n, [dirt["delivery_method_missing"], dirt["delivery_method_invalid"]]
    )
    out["delivery_method"][miss] = None
    out["delivery_method"][bad] = rng.choice(DELIVERY_METHOD_INVALID, size=len(bad))
    miss, after, bad = pick_disjoint(
        rng,
        n,
        [dirt["booking_missing"], dirt["booking_after_delivery"], dirt["booking_implausible"]],
    )
    out["booking_mask"][miss] = True
    later = gestation_days[after] + rng.integers(1, 61, size=len(after))
    out["booking"][after] = np.minimum(
        later, np.maximum(BOOKING_MAX_DAYS, gestation_days[after] + 1)
    )
    out["booking"][bad] = rng.choice(BOOKING_IMPLAUSIBLE, size=len(bad))
    (miss,) = pick_disjoint(rng, n, [dirt["smoking_missing"]])
    out["smoking_mask"][miss] = True
    miss, sentinel, bad = pick_disjoint(
        rng, n, [dirt["bmi_missing"], dirt["bmi_sentinel"], dirt["bmi_implausible"]]
    )
    out["bmi_mask"][miss] = True
    out["bmi"][sentinel] = rng.choice(BMI_SENTINELS, size=len(sentinel))
    out["bmi"][bad] = rng.choice(BMI_IMPLAUSIBLE, size=len(bad))
