from enum import StrEnum


class GetOpsStaticNameName(StrEnum):
    OPS_CSS = "ops.css"
    OPS_JS = "ops.js"

    def __str__(self) -> str:
        return str(self.value)
