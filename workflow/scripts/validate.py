"""Write results/validation/observations.json: the validation table and what it leaves out."""

import json
import logging
from pathlib import Path

from igesweep.catalogue import load_catalogue
from igesweep.models import DEFAULT_MODEL
from igesweep.validation.table import not_assessed_table, validation_table

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO)  # noqa: F821
catalogue = load_catalogue(snakemake.input.catalogue)  # noqa: F821
table = validation_table(catalogue, DEFAULT_MODEL)
logging.info("%d rows, %d agree", len(table), int(table.agrees.sum()))
Path(snakemake.output[0]).write_text(json.dumps({  # noqa: F821
    "catalogue_sha256": catalogue.sha256,
    "model": DEFAULT_MODEL,
    "rows": json.loads(table.to_json(orient="records")),
    "not_assessed": json.loads(not_assessed_table().to_json(orient="records")),
}, indent=1))
