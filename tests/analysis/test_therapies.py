"""The therapies side by side: what each does on the cells, its regimen and evidence."""

from igesweep import load_catalogue
from igesweep.analysis.therapies import cell_action, overview
from tests.processes import igesweep


def test_cell_action_follows_the_parameters():
    assert cell_action({"bound_ige_kon": 0.0, "fceri_drug_kon": 0.0}) == "none"
    assert "cannot bridge" in cell_action({"bound_ige_kon": 1.0, "valency": 1.0})
    assert "can bridge" in cell_action({"fceri_drug_kon": 1.0, "valency": 10.0})
    assert "IgE on FcεRI and free FcεRI" in cell_action(
        {"bound_ige_kon": 1.0, "fceri_drug_kon": 1.0, "valency": 2.0})


def test_overview_marks_borrowed_values_and_what_reaches_the_cells():
    rows = {r.therapy: r for r in overview(load_catalogue(), "igesweep-2")}
    assert rows["omalizumab"].borrowed == {}
    assert rows["omalizumab"].on_cells == "none"
    assert rows["cmab007"].borrowed["omalizumab"] >= 10
    assert "can bridge" in rows["strategy_b_bivalent_anti_ige"].on_cells
    assert "cannot bridge" in rows["anti_ige_scfv"].on_cells
    assert "plus 300 mg on day 0" in rows["dupilumab"].regimen   # 600 mg on day 0 in all
    for r in rows.values():
        assert r.n_parameters == sum(int(x.rsplit(" ", 1)[1]) for x in r.evidence.split(", "))


def test_cli_flags_the_strategy_b_entry_and_not_omalizumab():
    proc = igesweep("therapies", "--hazard", timeout=300)
    assert proc.returncode == 0, proc.stderr
    blocks = {b.split()[0]: b for b in proc.stdout.split("\n") if b and not b.startswith(" ")}
    assert set(blocks) >= {"omalizumab", "strategy_b_bivalent_anti_ige"}
    text = proc.stdout
    strategy_b = text[text.index("strategy_b_bivalent_anti_ige"):]
    assert "PREDICTED DEGRANULATION" in strategy_b.split("\n")[4]
    omalizumab = text[text.index("omalizumab  "):]
    assert "peak cross-link hazard at the usual regimen: 0 (below threshold)" in omalizumab.split(
        "\n")[4]
