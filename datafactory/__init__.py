"""The platform's Data Factory code: `adf/` loaded and checked (artifacts), the copy pipeline's
interface (copy_pipeline), and the offline runs on Microsoft's engine (engine, runner,
dry_run). platform_config/ holds configuration only.

`artifacts` and `copy_pipeline` need nothing beyond the standard library and are what
`make synth` uses; `engine`, `runner` and `dry_run` load .NET and are for the tests, authors
and `make demo`.
"""
