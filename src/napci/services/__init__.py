"""Use cases and read models: what the CLI, the API and the pages call."""
