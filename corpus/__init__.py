"""Corpus stage: read reports, clean them with an exact offset map, cut sentences."""
