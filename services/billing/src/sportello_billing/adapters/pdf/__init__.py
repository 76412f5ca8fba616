"""A bill's PDFs (summary and detail, in the regulator's 2025 format) and the plico's cover."""

from sportello_billing.adapters.pdf.data import BillDocumentData, PlicoDocumentData, SupplierInfo
from sportello_billing.adapters.pdf.detail import render_detail
from sportello_billing.adapters.pdf.plico import render_plico
from sportello_billing.adapters.pdf.summary import render_summary

__all__ = [
    "BillDocumentData",
    "PlicoDocumentData",
    "SupplierInfo",
    "render_detail",
    "render_plico",
    "render_summary",
]
