"""The report page under construction: sections, figures (embedded and as PNG files), raw HTML."""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def png_bytes(fig: Figure) -> bytes:
    """A figure as PNG (90 dpi); the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


class Page:
    """Sections of HTML, with figures both embedded and written as PNG files.

    Parameters
    ----------
    figures_dir : Path
        Directory that receives every figure as ``<name>.png``.
    """

    def __init__(self, figures_dir: Path) -> None:
        self.parts: list[str] = []
        self.anchors: list[tuple[str, str]] = []
        self.figures_dir = figures_dir
        figures_dir.mkdir(parents=True, exist_ok=True)

    def section(self, anchor: str, title: str, text: str = "", *, nav: str | None = None
                ) -> None:
        """A level-2 heading (listed in the navigation as ``nav``, default the title) and text."""
        self.anchors.append((anchor, nav or title))
        body = f"<p>{text}</p>" if text else ""
        self.parts.append(f'<h2 id="{anchor}">{html.escape(title)}</h2>{body}')

    def figure(self, name: str, fig: Figure, caption: str) -> None:
        """A matplotlib figure, embedded and written as ``<name>.png``."""
        self.png(name, png_bytes(fig), caption)

    def png(self, name: str, data: bytes, caption: str) -> None:
        """PNG bytes, embedded and written as ``<name>.png``."""
        (self.figures_dir / f"{name}.png").write_bytes(data)
        uri = base64.b64encode(data).decode()
        self.parts.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{uri}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    def raw(self, text: str) -> None:
        """HTML as given."""
        self.parts.append(text)


@dataclass(frozen=True)
class ReportContext:
    """What a study's report section may read besides its own analysis.

    Attributes
    ----------
    results : Path
        The workflow's results directory (``<study>/analysis.json``, stores).
    config : mapping
        The workflow configuration.
    """

    results: Path
    config: Mapping[str, Any]

    @property
    def target_ng_ml(self) -> float:
        """The workflow's free-IgE target (ng/mL)."""
        return float(self.config["target_free_ige_ng_ml"])

    def study_config(self, study: str) -> Mapping[str, Any]:
        """A study's section of the configuration."""
        return self.config["studies"][study]

    def analysis(self, study: str) -> dict[str, Any]:
        """A study's ``analysis.json``."""
        return json.loads((self.results / study / "analysis.json").read_text())

    def store(self, study: str) -> Path:
        """A study's sweep store."""
        return self.results / study / f"{study}.zarr"
