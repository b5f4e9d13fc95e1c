"""The speed-ups, a layer around the pipeline that no stage imports.

The posts index, the last run's record, partial runs and the worker pool
hand the pipeline its posts and bodies through its two interfaces
(``pipeline.PostSource``, ``pipeline.BodyRenderer``) and skip it whole when
nothing it depends on (``sources.inputs``) changed.
"""
