"""Traces: rich renderables and JSON documents built from results.

Every module here takes a `Masker` and masks before anything is printed or
serialised (guarantees P12): `json` (documents), `exchange` (one request and
its response), `auction` (one lead), `batch` (progress and summary).
"""
