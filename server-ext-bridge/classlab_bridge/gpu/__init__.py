"""The GPU queue: one interface (queue.py), backends (local, slurm/), the bridge API and the Hub service."""
