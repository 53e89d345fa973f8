"""Quarterly summaries: one document per team and quarter (HTML, PDF, XLSX, CSV).

How a summary is made, in the order the data flows:

- snapshot.py  `build_summary` reads the database once and returns a `Summary` snapshot;
- types.py     the snapshot's shape (TypedDicts): plain data, stored with each document;
- html.py      the snapshot as an HTML page (Plotly charts; PNG images when printed to PDF);
- static_charts.py  those PNG images (matplotlib), for the PDF;
- pdf.py       the HTML page printed to PDF (WeasyPrint, loaded only when a PDF is made);
- tabular.py   the snapshot as CSV and XLSX;
- services.py  ask for a summary (queued), generate and store it, mail it; the scheduled
               quarterly run;
- views.py     the summaries page: ask, watch the progress, view, download, regenerate.

The Celery tasks are in goals.tasks, the form in goals.forms, the API in goals.api and the
command in goals/management/commands/export_summary.py. Everything after the snapshot is a
pure function of it: no format reads the database.
"""
