"""Long work (big exports, big import confirmations) as background jobs with progress.

The state of every job is a row of `jobs`, so all workers and servers agree on it; the queue
(`JOB_QUEUE`: in-process threads, or RQ on Redis) only says which worker runs it.
"""
