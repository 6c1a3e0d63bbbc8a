"""The GPU queue: one interface (queue.py), backends (local, later Slurm), the bridge API and the Hub service."""
