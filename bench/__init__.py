"""`make bench`: Uptick's performance on one machine, the real services as separate processes (see run.py)."""
