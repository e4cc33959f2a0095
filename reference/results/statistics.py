"""The statistics behind experiment results, as pure functions of per-variant counts.

PostHog (era A) estimates these by Monte Carlo; here they are computed exactly or by quadrature,
so the same counts always give the same numbers (method: ``shared/reference/stats.md``).

Funnels: each variant's conversion rate has the posterior Beta(success + 1, failure + 1).
Trends: each variant's event rate has the posterior Gamma(count + 1, rate = relative exposure).
Variants are ordered control first; probabilities of tests are computed and the control's is
what the tests leave, as PostHog does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats

FF_DISTRIBUTION_THRESHOLD = 100  # participants every variant needs before anything is significant
MIN_PROBABILITY_FOR_SIGNIFICANCE = 0.9
EXPECTED_LOSS_SIGNIFICANCE_LEVEL = 0.01
P_VALUE_SIGNIFICANCE_LEVEL = 0.05
SRM_P_VALUE_THRESHOLD = 0.001  # GrowthBook's threshold for a sample ratio mismatch

_TAIL = 1e-15  # posterior mass left outside the integration window
_BREAKPOINT_Z = np.arange(-8.5, 8.75, 0.5)  # panel edges at these normal scores of every posterior
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(8)

Floats = NDArray[np.float64]


class Posterior(Protocol):
    def cdf(self, x: Floats) -> Floats: ...
    def sf(self, x: Floats) -> Floats: ...
    def logpdf(self, x: Floats) -> Floats: ...
    def quantile(self, q: Floats) -> Floats: ...
    def upper_quantile(self, q: Floats) -> Floats:
        """The point with mass ``q`` above it (accurate for tiny ``q``)."""
        ...


@dataclass(frozen=True)
class BetaPosterior:
    alpha: float
    beta: float

    def cdf(self, x: Floats) -> Floats:
        return np.asarray(special.betainc(self.alpha, self.beta, x))

    def sf(self, x: Floats) -> Floats:
        return np.asarray(special.betaincc(self.alpha, self.beta, x))

    def logpdf(self, x: Floats) -> Floats:
        log = special.xlogy(self.alpha - 1, x) + special.xlog1py(self.beta - 1, -x)
        return np.asarray(log - special.betaln(self.alpha, self.beta))

    def quantile(self, q: Floats) -> Floats:
        return np.asarray(special.betaincinv(self.alpha, self.beta, q))

    def upper_quantile(self, q: Floats) -> Floats:
        return np.asarray(special.betainccinv(self.alpha, self.beta, q))


@dataclass(frozen=True)
class GammaPosterior:
    shape: float
    rate: float

    def cdf(self, x: Floats) -> Floats:
        return np.asarray(special.gammainc(self.shape, self.rate * x))

    def sf(self, x: Floats) -> Floats:
        return np.asarray(special.gammaincc(self.shape, self.rate * x))

    def logpdf(self, x: Floats) -> Floats:
        log = self.shape * np.log(self.rate) + special.xlogy(self.shape - 1, x) - self.rate * x
        return np.asarray(log - special.gammaln(self.shape))

    def quantile(self, q: Floats) -> Floats:
        return np.asarray(special.gammaincinv(self.shape, q) / self.rate)

    def upper_quantile(self, q: Floats) -> Floats:
        return np.asarray(special.gammainccinv(self.shape, q) / self.rate)


@dataclass(frozen=True)
class FunnelVariant:
    key: str
    success_count: int
    failure_count: int

    @property
    def participants(self) -> int:
        return self.success_count + self.failure_count

    @property
    def posterior(self) -> BetaPosterior:
        return BetaPosterior(self.success_count + 1, self.failure_count + 1)


@dataclass(frozen=True)
class TrendVariant:
    key: str
    count: int
    exposure: float  # relative to the control's
    absolute_exposure: int

    @property
    def posterior(self) -> GammaPosterior:
        return GammaPosterior(self.count + 1, self.exposure)


@dataclass(frozen=True)
class Significance:
    code: str  # one of PostHog's significance codes
    value: float  # the expected loss (funnels) or p-value (trends); 1 when a gate stopped it

    @property
    def significant(self) -> bool:
        return self.code == "significant"


# --- the integrals -----------------------------------------------------------------------------


def _grid(posteriors: Sequence[Posterior], low: float, high: float) -> tuple[Floats, Floats]:
    """Gauss-Legendre nodes and weights on panels whose edges follow every posterior's quantiles."""
    edges = [np.array([low, high])]
    scores = special.ndtr(_BREAKPOINT_Z)
    for posterior in posteriors:
        below, above = scores[_BREAKPOINT_Z <= 0], special.ndtr(-_BREAKPOINT_Z[_BREAKPOINT_Z > 0])
        points = np.concatenate([posterior.quantile(below), posterior.upper_quantile(above)])
        edges.append(points[(points > low) & (points < high)])
    cuts = np.unique(np.concatenate(edges))
    left, width = cuts[:-1], np.diff(cuts)
    nodes = (left[:, None] + width[:, None] * (_NODES + 1) / 2).ravel()
    weights = (width[:, None] * _WEIGHTS / 2).ravel()
    return nodes, weights


def probabilities_to_be_best(posteriors: Sequence[Posterior]) -> list[float]:
    """Pr(variant i's rate exceeds every other's), for each i: integral of f_i(x) prod_{j!=i} F_j(x) dx."""
    low = min(float(p.quantile(np.array(_TAIL))) for p in posteriors)
    high = max(float(p.upper_quantile(np.array(_TAIL))) for p in posteriors)
    nodes, weights = _grid(posteriors, low, high)
    cdfs = np.array([p.cdf(nodes) for p in posteriors])
    found = []
    for i, posterior in enumerate(posteriors):
        log_density = posterior.logpdf(nodes)
        # Scaled so that its largest value is 1; dividing by its own quadrature cancels the
        # normalising constant and its rounding, which is what limits accuracy at 10^7 counts.
        density = np.exp(log_density - log_density.max())
        others = np.prod(np.delete(cdfs, i, axis=0), axis=0)
        found.append(float(np.sum(weights * density * others) / np.sum(weights * density)))
    return found


def expected_loss(target: Posterior, others: Sequence[Posterior]) -> float:
    """E[max(0, max(others) - target)] = integral of F_target (1 - prod F_other) dt: the rate given up by
    choosing ``target``."""
    low = float(target.quantile(np.array(_TAIL)))
    high = max(float(p.upper_quantile(np.array(_TAIL))) for p in others)
    if high <= low:
        return 0.0
    nodes, weights = _grid([target, *others], low, high)
    if len(others) == 1:
        beaten = others[0].sf(nodes)
    else:
        with np.errstate(divide="ignore"):
            beaten = -np.expm1(np.sum([np.log(p.cdf(nodes)) for p in others], axis=0))
    return float(max(0.0, np.sum(weights * target.cdf(nodes) * beaten)))


def _control_rule(test_probabilities: Sequence[float]) -> list[float]:
    """PostHog's list: the control gets what the tests leave, so the list never sums above 1."""
    return [max(0.0, 1.0 - sum(test_probabilities)), *test_probabilities]


# --- funnels ----------------------------------------------------------------------------------


def funnel_probabilities(variants: Sequence[FunnelVariant]) -> list[float]:
    """Probability to be best of each variant (control first)."""
    return _control_rule(probabilities_to_be_best([v.posterior for v in variants])[1:])


def funnel_significance(variants: Sequence[FunnelVariant], probabilities: Sequence[float]) -> Significance:
    control, tests = variants[0], variants[1:]
    if gated := _gate([v.participants for v in variants], probabilities):
        return gated
    best = max(tests, key=lambda t: t.success_count / t.participants)  # max keeps the first of equals
    if best.success_count / best.participants > control.success_count / control.participants:
        loss = expected_loss(best.posterior, [control.posterior])
    else:
        loss = expected_loss(control.posterior, [best.posterior])
    return Significance("high_loss" if loss >= EXPECTED_LOSS_SIGNIFICANCE_LEVEL else "significant", loss)


def funnel_credible_intervals(variants: Sequence[FunnelVariant]) -> dict[str, tuple[float, float]]:
    return {v.key: _interval(v.posterior) for v in variants}


# --- trends -----------------------------------------------------------------------------------


def trend_probabilities(variants: Sequence[TrendVariant]) -> list[float]:
    return _control_rule(probabilities_to_be_best([v.posterior for v in variants])[1:])


def poisson_p_value(control_count: int, test_count: int, control_exposure: float, test_exposure: float) -> float:
    """Two-sided exact conditional test of two Poisson rates, as PostHog doubles the smaller tail
    (both tails include the observed count)."""
    share = test_exposure / (control_exposure + test_exposure)
    total = control_count + test_count
    low = stats.binom.cdf(test_count, total, share)
    high = stats.binom.sf(test_count - 1, total, share)
    return float(min(1.0, 2 * min(low, high)))


def trend_significance(variants: Sequence[TrendVariant], probabilities: Sequence[float]) -> Significance:
    control, tests = variants[0], variants[1:]
    if gated := _gate([v.absolute_exposure for v in variants], probabilities):
        return gated
    best = max(tests, key=lambda t: t.count)  # the largest count, not rate, as PostHog compares
    p_value = poisson_p_value(control.count, best.count, control.exposure, best.exposure)
    return Significance("high_p_value" if p_value >= P_VALUE_SIGNIFICANCE_LEVEL else "significant", p_value)


def trend_credible_intervals(variants: Sequence[TrendVariant]) -> dict[str, tuple[float, float]]:
    """Events per exposed unit; none at all when any variant has no exposure (as PostHog)."""
    if any(v.absolute_exposure <= 0 for v in variants):
        return {}
    return {v.key: _interval(GammaPosterior(v.count + 1, v.absolute_exposure)) for v in variants}


# --- shared -----------------------------------------------------------------------------------


def _gate(participants: Sequence[int], probabilities: Sequence[float]) -> Significance | None:
    """PostHog's first two gates: too few participants in any variant, then no likely winner."""
    if any(count < FF_DISTRIBUTION_THRESHOLD for count in participants):
        return Significance("not_enough_exposure", 1)
    control, tests = probabilities[0], probabilities[1:]
    if control < MIN_PROBABILITY_FOR_SIGNIFICANCE and sum(tests) < MIN_PROBABILITY_FOR_SIGNIFICANCE:
        return Significance("low_win_probability", 1)
    return None


def _interval(posterior: Posterior) -> tuple[float, float]:
    low, high = posterior.quantile(np.array([0.025, 0.975]))
    return float(low), float(high)


@dataclass(frozen=True)
class SampleRatio:
    p_value: float
    expected: dict[str, float]  # configured share of each variant
    observed: dict[str, int]

    @property
    def detected(self) -> bool:
        return self.p_value < SRM_P_VALUE_THRESHOLD


def sample_ratio_mismatch(observed: dict[str, int], weights: dict[str, float]) -> SampleRatio:
    """Chi-squared goodness of fit of participants per variant against the configured split.

    Variants with weight 0 add nothing to the statistic but count in the degrees of freedom.
    """
    keys = list(weights)
    total_weight = sum(weights.values())
    shares = {key: weights[key] / total_weight if total_weight else 0.0 for key in keys}
    counts = {key: observed.get(key, 0) for key in keys}
    total = sum(counts.values())
    if total == 0 or len(keys) < 2:
        return SampleRatio(1.0, shares, counts)
    statistic = sum((counts[key] - total * shares[key]) ** 2 / (total * shares[key]) for key in keys if shares[key] > 0)
    return SampleRatio(float(stats.chi2.sf(statistic, len(keys) - 1)), shares, counts)
