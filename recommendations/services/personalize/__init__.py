"""Amazon Personalize beside recsite's own models: data sync, training, serving (docs/personalize.md)."""
