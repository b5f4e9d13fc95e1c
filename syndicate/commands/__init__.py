"""The commands: one run each (``build``, ``check``, ``digest``, ``publish``, ``new``), on top of everything else."""
