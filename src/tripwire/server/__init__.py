"""The dashboard (`tripwire serve`): pages and a JSON API over the history store."""
