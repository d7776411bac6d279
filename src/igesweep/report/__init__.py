"""The workflow's HTML report: figures (matplotlib) and one self-contained page."""
