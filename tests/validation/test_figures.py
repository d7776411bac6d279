"""The comparison figure: one row per patient plus the trough-ratio maps."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from igesweep.validation import (
    compare_label_regimens,
    label_regimen_courses,
    plot_published_comparison,
)


def test_figure_has_a_row_per_patient_and_the_ratio_maps() -> None:
    table = compare_label_regimens((60.0, 80.0), (150.0, 500.0), stop_day=56.0,
                                   trough_days=(28.0, 56.0))
    courses = label_regimen_courses([(80.0, 500.0)], stop_day=56.0)
    assert list(courses) == ["80 kg, 500 IU/mL: 375 mg q2w"]
    fig = plot_published_comparison(courses, table)
    assert isinstance(fig, Figure)
    axes = fig.axes[:6]                              # 2 rows × 3 panels, then the colour bar
    assert [len(ax.lines) for ax in axes[:3]] == [5, 5, 5]
    maps = [ax.images[0].get_array() for ax in axes[3:]]
    assert all(m.shape == (2, 2) for m in maps)
    assert np.isfinite(np.ma.filled(maps[0], np.nan)).all()
