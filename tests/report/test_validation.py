"""The report's validation section, from the JSON the workflow writes."""

from igesweep.report.validation import validation_section


def _row(key, role, agrees, high=2.0):
    return {"key": key, "role": role, "claim": f"claim {key}", "condition": "c", "published": 1.0,
            "low": 0.5, "high": high, "unit": "1", "simulated": 1.5 if agrees else 3.0,
            "agrees": agrees, "band": "b", "source": f"src {key}", "provenance": "F"}


def _calibration(relative):
    residual = {k: v for k, v in _row("cal", "calibration", True).items()
                if k not in ("role", "band")}
    return {"calibrations": [{"name": "fit_a", "objective": "o", "method": "m", "weakness": "w",
                              "fitted": [{"block": "patient", "name": "p", "value": 0.5,
                                          "unit": "1/day", "model": "igesweep-2",
                                          "label": "patient.p"}],
                              "residuals": [residual]}],
            "drift": [{"label": "patient.p", "catalogue_value": 0.5 * (1 + relative),
                       "fitted_value": 0.5, "evidence": "calibrated", "relative": relative}]}


OBSERVATIONS = {"model": "igesweep-2",
                "rows": [_row("a", "test", True), _row("b", "test", False, high=1e9),
                         _row("cal", "calibration", True), _row("inp", "input", False)],
                "not_assessed": [{"claim": "dendritic cells", "source": "Prussin",
                                  "reason": "not modelled"}]}


def test_counts_passes_and_marks_each_row():
    html = validation_section(_calibration(0.0), OBSERVATIONS)
    assert "1 of 2 agree" in html
    assert html.count(">pass<") == 2 and html.count(">fail<") == 2
    assert "a second source" in html and "claim inp" in html
    assert "0.5–∞" in html and "src a [F]" in html
    assert "dendritic cells" in html and "not modelled" in html
    assert "holds every fitted value" in html
    assert "Model <code>igesweep-2</code>" in html and "<code>patient.p</code>" in html


def test_stale_catalogue_is_flagged():
    html = validation_section(_calibration(0.1), OBSERVATIONS)
    assert "does not hold these fits" in html
    assert "igesweep calibrate --write" in html


def test_published_comparison_table_checks_the_stated_bands():
    import re

    from igesweep.report.validation import published_html
    from igesweep.validation import compare_label_regimens

    table = compare_label_regimens([70.0], [300.0], with_steps=True)
    text = re.sub(r"<[^>]+>", "|", published_html(table))
    assert "1 typical patients" in text
    assert text.count("|pass|") == 9 and "|fail|" not in text
    assert "|ige_turnover|" in text and "|kd_ratio_fixed|" in text
    moved = table.copy()
    sel = (moved.model == "igesweep_qe") & (moved.summary == "trough_ratio")
    moved.loc[sel, "value"] *= 3.0
    assert "|fail|" in re.sub(r"<[^>]+>", "|", published_html(moved))
