"""The one write path: everything any source brings in goes through here.

File importers (metrics.importers), API connectors (metrics.connectors) and the bulk API
hand records (records.py) to an ingest session (session.py), which, for one account:
normalises them, classifies posts, merges each post with what other sources said about it
(precedence.py: the rules, pure), upserts posts and daily observations (writer.py), derives
the daily conversation metrics (rollup.py) and links mentions to the brand's answers
(mentions.py). The merge rules make the result independent of the order sources arrive in.

records.py is pure (no Django) so that parsers and connectors can import it; the rest of the
package talks to the database.
"""
