"""Closing the loop with the Trusts: what a Trust analyst gets back about their returns.

``annotated``: a copy of a return with every failing cell marked and explained, which the
analyst fixes in Excel and resubmits; ``failures_book``: one Trust's failures as a workbook;
``outbox``: after every load, a folder per Trust and period with receipts and those workbooks.
"""
