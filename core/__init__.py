"""Audio Space Explorer's engine: load a catalog, cluster it, answer questions on it.

Importable without Dash. The entry point for callers is ``core.engine.Engine``.
"""
