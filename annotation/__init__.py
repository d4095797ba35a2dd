"""Annotation stage: the schema, Label Studio config and sync, converters, gold data."""
