"""Compare the omalizumab entry with Lowe 2009 and Hayashi 2007 on the label regimens."""

import logging

from igesweep.catalogue import load_catalogue
from igesweep.validation import (
    compare_patients,
    label_cell_patients,
    label_regimen_courses,
    plot_published_comparison,
)

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO)  # noqa: F821
grid = snakemake.params.grid  # noqa: F821
catalogue = load_catalogue(snakemake.input.catalogue)  # noqa: F821
if grid["patients"] == "label_cells":
    compared = label_cell_patients()
else:
    compared = [(w, ige) for ige in grid["ige_baseline_iu_ml"] for w in grid["weights_kg"]]
table = compare_patients(compared, with_steps=True, catalogue=catalogue)
table.to_csv(snakemake.output.table, index=False)  # noqa: F821
patients = sorted({(float(w), float(i)) for w, i in
                   zip(table.weight_kg, table.ige_baseline_iu_ml, strict=True)},
                  key=lambda p: p[1])
shown = [patients[0], patients[len(patients) // 2], patients[-1]]
shown = list(dict.fromkeys(shown))
fig = plot_published_comparison(label_regimen_courses(shown, catalogue=catalogue), table)
fig.savefig(snakemake.output.figure, dpi=90)  # noqa: F821
logging.info("%d patients compared; courses shown for %s", len(patients), shown)
