"""Parsers for the export files the platforms give their users (README “Importing export
files”).

A parser reads one export format and knows nothing of the database. registry.detect()
picks the Format whose sniff() recognises the upload by its content (never by its name);
Format.parse(source, ctx) then streams records (metrics.ingest.records) to the one write
path:

- ExportInfo first, when the export itself says when it was made (a manifest, a column,
  the name the platform gives its files; never the import day): the later export wins,
  whatever the order of the imports;
- AccountInfo: the account the file belongs to, when it names it;
- PostRecord and ObservationRecord: the posts and the daily numbers;
- RowError: a row that cannot be read, with its line and column (the import then fails
  as a whole). A file that cannot be read at all raises ImportFailed.
A parser may return a ParseSummary (rows skipped on purpose, notes for the user).

Where things live:
- one module per platform: x/ (analytics CSVs, archive), mastodon, bluesky, meta
  (Facebook and Instagram), linkedin, youtube, tiktok;
- common.py: what every parser takes, gives and raises: Source (a file, a zip or a
  folder, within Limits), ParseContext, Format, ImportFailed;
- text.py (encodings), numbers.py (locale-tolerant numbers), dates.py (every date and time
  the exports write, TikTok's days without a year too), tables.py (CSV files as tables of
  named columns, rows read into RowErrors), accounts.py (one account per export),
  exports.py (when an export was made), jsonutil.py (saved JSON files);
- what a platform writes the same way in its exports and its API (how a retweet or a
  mention is written, how an API entity becomes a post) is in metrics.platforms, shared
  with the API connectors (metrics.connectors).
"""
