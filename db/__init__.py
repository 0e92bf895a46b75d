"""Persistence: typed models, query functions, the engine, migrations and the embedded server."""
