"""The ``slurm`` GPU backend: jobs go to a Slurm cluster through slurmrestd (rest.py), run the same headless runner
on a compute node, and come back through a job folder on the shared filesystem (queue.py). Tokens: tokens.py."""
