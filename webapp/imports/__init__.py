"""Nhập từ Excel: upload a filled template, check it, preview, confirm (see services.py)."""
