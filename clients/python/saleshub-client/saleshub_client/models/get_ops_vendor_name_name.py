from enum import StrEnum


class GetOpsVendorNameName(StrEnum):
    UPLOT_IIFE_MIN_JS = "uPlot.iife.min.js"
    UPLOT_MIN_CSS = "uPlot.min.css"

    def __str__(self) -> str:
        return str(self.value)
