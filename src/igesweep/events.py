"""Event kinds a regimen can hold (model.md §6); what each does is declared by the model."""

from __future__ import annotations

EVENT_SC = 0
EVENT_IV = 1
EVENT_APHERESIS = 2
#: Event kind names of scenario files mapped to the codes the kernels receive.
EVENT_CODES: dict[str, int] = {"sc": EVENT_SC, "iv": EVENT_IV, "apheresis": EVENT_APHERESIS}
