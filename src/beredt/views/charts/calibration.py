"""Figures of the back-test: recorded vs simulated episodes, durations, reliability."""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np

from beredt.calibrate.backtest import Backtest

_LABELS = {
    "en": {
        "episodes": "Outage episodes a year",
        "recorded": "recorded",
        "simulated": "simulated (mean, 5–95 %)",
        "durations": "Duration of episodes (days)",
        "median": "median",
        "p90": "90th percentile",
        "reliability": "Reliability of P(notice within the year)",
        "forecast": "forecast probability",
        "observed": "observed frequency",
        "perfect": "perfect calibration",
        "cut": "cut",
    },
    "nb": {
        "episodes": "Utfallsepisoder per år",
        "recorded": "registrert",
        "simulated": "simulert (middel, 5–95 %)",
        "durations": "Varighet av episoder (dager)",
        "median": "median",
        "p90": "90-persentil",
        "reliability": "Pålitelighet for P(melding innen året)",
        "forecast": "prognosesannsynlighet",
        "observed": "observert hyppighet",
        "perfect": "perfekt kalibrering",
        "cut": "skjæringsdato",
    },
}


def labels(lang: str) -> Mapping[str, str]:
    """The figure texts in `lang` (``en`` or ``nb``)."""
    return _LABELS.get(lang, _LABELS["en"])


def backtest_png(result: Backtest, lang: str = "en") -> bytes:
    """Three panels: episodes a year, duration quantiles and the pooled reliability diagram."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = labels(lang)
    cuts = [c.cut.isoformat() for c in result.cuts]
    x = np.arange(len(cuts))
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    ax = axes[0]
    rec = [c.recorded["episodes_per_year"] for c in result.cuts]
    sim = [c.simulated["episodes_per_year"] for c in result.cuts]
    ax.bar(x - 0.2, rec, 0.4, label=t["recorded"], color="#4c72b0")
    mean = np.array([s["mean"] for s in sim])
    err = np.array([[s["mean"] - s["p5"] for s in sim], [s["p95"] - s["mean"] for s in sim]])
    ax.bar(x + 0.2, mean, 0.4, yerr=err, capsize=4, label=t["simulated"], color="#dd8452")
    ax.set_xticks(x, cuts)
    ax.set_xlabel(t["cut"])
    ax.set_title(t["episodes"])
    ax.legend(fontsize=8)
    ax = axes[1]
    for k, (key, marker) in enumerate((("median", "o"), ("p90", "s"))):
        r = [c.recorded["duration_days"][key] or np.nan for c in result.cuts]
        s = [c.simulated["duration_days"][key] or np.nan for c in result.cuts]
        ax.plot(x, r, marker=marker, color="#4c72b0", label=f"{t['recorded']}: {t[key]}")
        ax.plot(
            x,
            s,
            marker=marker,
            color="#dd8452",
            ls="--",
            label=f"{t['simulated'].split(' (')[0]}: {t[key]}",
        )
        del k
    ax.set_xticks(x, cuts)
    ax.set_xlabel(t["cut"])
    ax.set_title(t["durations"])
    ax.legend(fontsize=8)
    ax = axes[2]
    f = np.concatenate([[r["forecast"] for r in c.per_substance] for c in result.cuts])
    y = np.concatenate([[r["notice"] for r in c.per_substance] for c in result.cuts]).astype(float)
    edges = np.linspace(0, 1, 11)
    idx = np.clip(np.digitize(f, edges[1:-1]), 0, 9)
    px, py, n = [], [], []
    for b in range(10):
        sel = idx == b
        if sel.any():
            px.append(f[sel].mean())
            py.append(y[sel].mean())
            n.append(int(sel.sum()))
    ax.plot([0, 1], [0, 1], color="grey", ls=":", label=t["perfect"])
    ax.scatter(px, py, s=[max(10, 3 * m) for m in n], color="#dd8452", zorder=3)
    ax.plot(px, py, color="#dd8452")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(t["forecast"])
    ax.set_ylabel(t["observed"])
    ax.set_title(t["reliability"])
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
