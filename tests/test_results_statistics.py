"""The statistics module against closed forms, the reference values of ``shared/reference/stats.md``
(sections 7.1, 7.2 and 8), and properties every answer must have."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from reference.results.statistics import (
    BetaPosterior,
    FunnelVariant,
    GammaPosterior,
    TrendVariant,
    expected_loss,
    funnel_credible_intervals,
    funnel_probabilities,
    funnel_significance,
    poisson_p_value,
    probabilities_to_be_best,
    sample_ratio_mismatch,
    trend_credible_intervals,
    trend_probabilities,
    trend_significance,
)

EXACT = 1e-6  # stats.md: the exact values are correct to 1e-7


def funnel(*counts: tuple[int, int]) -> list[FunnelVariant]:
    keys = ["control", *(f"test_{i}" for i in range(1, len(counts)))]
    return [FunnelVariant(key, s, f) for key, (s, f) in zip(keys, counts, strict=True)]


def trend(*counts: tuple[int, float, int]) -> list[TrendVariant]:
    keys = ["control", *(f"test_{i}" for i in range(1, len(counts)))]
    return [TrendVariant(key, n, e, a) for key, (n, e, a) in zip(keys, counts, strict=True)]


def closed_form_beta(a_a: float, b_a: float, a_b: float, b_b: float) -> float:
    """Evan Miller's sum for Pr(p_B > p_A), integer parameters."""
    terms = [
        math.exp(
            special.betaln(a_a + i, b_a + b_b)
            - math.log(b_b + i)
            - special.betaln(1 + i, b_b)
            - special.betaln(a_a, b_a)
        )
        for i in range(int(a_b))
    ]
    return math.fsum(terms)


# --- reference values ---------------------------------------------------------------------------

FUNNEL_CASES = [
    # (counts control first, probabilities, code, significance value) — stats.md 7.1 and 7.2
    (((100, 10), (100, 18)), [0.918341, 0.081659], "significant", 0.00164703),
    (((100, 18), (100, 10), (100, 3)), [0.000372, 0.032865, 0.966764], "significant", 8.52722e-06),
    (((267, 2031), (286, 2014)), [0.197722, 0.802278], "low_win_probability", 1),
    (((10, 90), (15, 85)), [0.146716, 0.853284], "low_win_probability", 1),
    (((5, 45), (8, 42)), [0.194414, 0.805586], "not_enough_exposure", 1),
    (((2, 0), (1, 2)), [0.885714, 0.114286], "not_enough_exposure", 1),
    (((0, 0), (0, 0)), [0.5, 0.5], "not_enough_exposure", 1),
    (((50, 50), (60, 40)), [0.0785738, 0.9214262], "significant", 0.0024684),
    (((200, 800), (230, 770)), [0.0513817, 0.9486183], "significant", 0.0003962),
    (((100_000, 900_000), (101_000, 899_000)), [0.0093413, 0.9906587], "significant", 1.336244e-6),
    (((1_000_000, 9_000_000), (1_003_000, 8_997_000)), [0.0127225, 0.9872775], "significant", 5.943299e-7),
    (((100, 900), (120, 880), (110, 890)), [0.0462083, 0.7268865, 0.2269052], "significant", 0.0004846),
]


@pytest.mark.parametrize(("counts", "probabilities", "code", "value"), FUNNEL_CASES)
def test_funnel_reference_values(
    counts: tuple[tuple[int, int], ...], probabilities: list[float], code: str, value: float
) -> None:
    variants = funnel(*counts)
    found = funnel_probabilities(variants)
    assert found == pytest.approx(probabilities, abs=EXACT)
    significance = funnel_significance(variants, found)
    assert significance.code == code
    assert significance.value == pytest.approx(value, rel=1e-4, abs=1e-10)
    assert significance.significant is (code == "significant")


def test_funnel_credible_intervals() -> None:
    intervals = funnel_credible_intervals(funnel((50, 50), (60, 40)))
    assert intervals["control"] == pytest.approx((0.4036431, 0.5963569), abs=EXACT)
    assert intervals["test_1"] == pytest.approx((0.5017441, 0.6906915), abs=EXACT)
    assert funnel_credible_intervals(funnel((0, 0), (0, 0)))["control"] == pytest.approx((0.025, 0.975), abs=EXACT)


def test_expected_loss_values() -> None:
    assert expected_loss(BetaPosterior(1, 1), [BetaPosterior(1, 1)]) == pytest.approx(1 / 6, abs=1e-9)
    control, first, second = (v.posterior for v in funnel((100, 900), (120, 880), (110, 890)))
    assert expected_loss(first, [control, second]) == pytest.approx(0.0022927, abs=EXACT)
    # a loss is zero when one posterior lies wholly above the other (PostHog asserts 0.0)
    assert expected_loss(BetaPosterior(2001, 8001), [BetaPosterior(1001, 9001)]) == pytest.approx(0, abs=1e-12)


TREND_CASES = [
    # (count, relative exposure, absolute exposure) control first; probabilities; code; p-value
    (((20, 1, 200), (30, 1, 200)), [0.080390, 0.919610], "high_p_value", 0.202639),
    (((2, 1, 200), (1, 1, 200)), [0.687500, 0.312500], "low_win_probability", 1),
    (((14, 1, 1), (29, 1, 1)), [0.011314, 0.988686], "not_enough_exposure", 1),
    (((14, 10, 10), (29, 10, 10)), [0.011314, 0.988686], "not_enough_exposure", 1),
    (((20, 1, 200), (26, 1, 200), (19, 1, 200)), [0.160081, 0.724489, 0.115431], "low_win_probability", 1),
    (((4, 1, 2), (5, 0.5, 1)), [0.076564, 0.923436], "not_enough_exposure", 1),
    (((3, 1, 1), (2, 1, 1), (1, 1, 1)), [0.582605, 0.298740, 0.118656], "not_enough_exposure", 1),
    (((0, 1, 1000), (0, 1, 1000)), [0.5, 0.5], "low_win_probability", 1),
    (((100, 1, 1000), (120, 1, 1000)), [0.0891908, 0.9108092], "high_p_value", 0.2000922),
    (((50, 1, 500), (80, 1.2, 600)), [0.0555956, 0.9444044], "high_p_value", 0.1290170),
    (((1_000_000, 1, 10**7), (1_002_000, 1, 10**7)), [0.0787534, 0.9212466], "high_p_value", 0.1577145),
    (((100, 1, 1000), (120, 1.1, 1100), (90, 0.9, 900)), [0.1973394, 0.5937642, 0.2088964], "low_win_probability", 1),
]


@pytest.mark.parametrize(("counts", "probabilities", "code", "value"), TREND_CASES)
def test_trend_reference_values(
    counts: tuple[tuple[int, float, int], ...], probabilities: list[float], code: str, value: float
) -> None:
    variants = trend(*counts)
    found = trend_probabilities(variants)
    assert found == pytest.approx(probabilities, abs=EXACT)
    significance = trend_significance(variants, found)
    assert significance.code == code
    assert significance.value == pytest.approx(value, abs=EXACT)


def test_trend_significant_when_the_p_value_is_small() -> None:
    variants = trend((1000, 1, 1000), (1200, 1, 1000))
    significance = trend_significance(variants, trend_probabilities(variants))
    assert significance.code == "significant"
    assert significance.value < 0.05


def test_poisson_p_value_doubles_the_smaller_tail() -> None:
    # not scipy's binomtest, whose two-sided rule differs when exposures differ (stats.md 3.4)
    assert poisson_p_value(50, 80, 1, 1.2) == pytest.approx(0.1290170, abs=EXACT)
    assert poisson_p_value(10, 3, 1, 0.25) == pytest.approx(0.9966956, abs=EXACT)
    assert poisson_p_value(100, 120, 1, 1.1) == pytest.approx(0.5656557, abs=EXACT)
    assert poisson_p_value(0, 0, 1, 1) == 1


def test_trend_credible_intervals() -> None:
    intervals = trend_credible_intervals(trend((0, 1, 1000), (0, 1, 1000)))
    assert intervals["control"] == pytest.approx((0.0000253, 0.0036889), abs=EXACT)
    assert trend_credible_intervals(trend((20, 1, 200), (30, 1, 200)))["test_1"] == pytest.approx(
        (0.1053, 0.2141), abs=5e-4
    )
    assert trend_credible_intervals(trend((5, 1, 0), (5, 1, 100))) == {}  # PostHog: none when an exposure is 0


@pytest.mark.parametrize(
    ("observed", "weights", "p_value", "detected"),
    [
        ({"a": 1000, "b": 1200}, {"a": 50, "b": 50}, 2.0078656e-5, True),
        ({"a": 5000, "b": 5100}, {"a": 50, "b": 50}, 0.3197182, False),
        ({"a": 1000, "b": 1100, "c": 1000}, {"a": 33, "b": 33, "c": 34}, 0.0106766, False),
        ({"a": 640, "b": 360}, {"a": 70, "b": 30}, 3.4671e-5, True),
        ({"a": 700, "b": 300}, {"a": 70, "b": 30}, 1.0, False),
        ({"a": 500, "b": 480, "c": 20}, {"a": 50, "b": 50, "c": 0}, 0.6703200, False),
        ({}, {"a": 50, "b": 50}, 1.0, False),
    ],
)
def test_sample_ratio_mismatch(
    observed: dict[str, int], weights: dict[str, float], p_value: float, detected: bool
) -> None:
    found = sample_ratio_mismatch(observed, weights)
    assert found.p_value == pytest.approx(p_value, rel=1e-4)
    assert found.detected is detected


# --- closed forms and properties ----------------------------------------------------------------

counts = st.integers(min_value=0, max_value=5000)


@settings(max_examples=60, deadline=None)
@given(counts, counts, counts, counts)
def test_two_funnel_variants_match_the_closed_form(s_a: int, f_a: int, s_b: int, f_b: int) -> None:
    found = probabilities_to_be_best([BetaPosterior(s_a + 1, f_a + 1), BetaPosterior(s_b + 1, f_b + 1)])
    assert found[1] == pytest.approx(closed_form_beta(s_a + 1, f_a + 1, s_b + 1, f_b + 1), abs=1e-8)


@settings(max_examples=60, deadline=None)
@given(counts, counts, st.floats(0.05, 20), st.floats(0.05, 20))
def test_two_trend_variants_match_the_closed_form(k_a: int, k_b: int, e_a: float, e_b: float) -> None:
    found = probabilities_to_be_best([GammaPosterior(k_a + 1, e_a), GammaPosterior(k_b + 1, e_b)])
    assert found[1] == pytest.approx(special.betainc(k_a + 1, k_b + 1, e_a / (e_a + e_b)), abs=1e-8)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(counts, counts), min_size=2, max_size=10))
def test_funnel_probabilities_sum_to_one_and_are_deterministic(pairs: list[tuple[int, int]]) -> None:
    variants = funnel(*pairs)
    first = funnel_probabilities(variants)
    assert sum(first) == pytest.approx(1, abs=1e-8)
    assert all(0 <= p <= 1 for p in first)
    assert funnel_probabilities(variants) == first  # the same data, the same numbers


@settings(max_examples=40, deadline=None)
@given(counts, counts, counts, counts)
def test_swapping_variants_swaps_probabilities(s_a: int, f_a: int, s_b: int, f_b: int) -> None:
    forward = probabilities_to_be_best([BetaPosterior(s_a + 1, f_a + 1), BetaPosterior(s_b + 1, f_b + 1)])
    backward = probabilities_to_be_best([BetaPosterior(s_b + 1, f_b + 1), BetaPosterior(s_a + 1, f_a + 1)])
    assert forward == pytest.approx(backward[::-1], abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 2000))
def test_more_conversions_never_lower_the_probability(success: int, failure: int, other: int) -> None:
    control = BetaPosterior(other + 1, 2001 - other)
    before = probabilities_to_be_best([control, BetaPosterior(success + 1, failure + 2)])[1]
    after = probabilities_to_be_best([control, BetaPosterior(success + 2, failure + 1)])[1]
    assert after >= before - 1e-12


@pytest.mark.parametrize("k", [2, 3, 5, 10])
def test_identical_variants_share_the_win_equally(k: int) -> None:
    found = probabilities_to_be_best([GammaPosterior(1001, 10.0)] * k)
    assert found == pytest.approx([1 / k] * k, abs=1e-8)
    assert np.isclose(sum(funnel_probabilities(funnel(*[(300, 700)] * k))), 1)
