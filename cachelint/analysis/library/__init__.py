"""Library models: what the evaluator knows of the standard library and third-party packages.

A new model is one module here with a `register(registry)` function (see registry.py for the
keys a model can be found by), listed in catalog.MODULES, plus its tests.
"""
