"""Reports: per queue, per local day or hour (Europe/Paris), from the recorded calls, legs and callbacks.

Pure parts (buckets, visits, aggregate, chart, csv_export, params) never do I/O; `fetch` reads PostgreSQL.
"""
