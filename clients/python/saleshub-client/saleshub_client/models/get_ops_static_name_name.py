from enum import StrEnum


class GetOpsStaticNameName(StrEnum):
    OPS_BATCHES_JS = "ops-batches.js"
    OPS_CORE_JS = "ops-core.js"
    OPS_CSS = "ops.css"
    OPS_FAIRNESS_JS = "ops-fairness.js"
    OPS_JS = "ops.js"
    OPS_OVERVIEW_JS = "ops-overview.js"
    OPS_VIEWS_JS = "ops-views.js"

    def __str__(self) -> str:
        return str(self.value)
