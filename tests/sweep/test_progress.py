"""The progress line of a running sweep."""

import io

from igesweep.sweep.progress import Progress


def test_progress_line_counts_lanes_rate_and_eta():
    out = io.StringIO()
    progress = Progress(1000, stream=out)
    progress.update(250)
    progress.update(750)
    text = out.getvalue()
    assert "lanes 1,000/1,000 (100.0%)" in text and "lanes/s" in text and "ETA" in text
    quiet = io.StringIO()
    Progress(10, quiet=True, stream=quiet).update(10)
    assert quiet.getvalue() == ""
