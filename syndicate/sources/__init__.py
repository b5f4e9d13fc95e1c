"""Stage 1, sources: the configuration and the posts, read into frozen dataclasses (``Site``, ``Post``).

Nothing here renders or writes, and nothing here knows of the incremental
layer: a reader of many posts takes the ``map`` it is given.
"""
