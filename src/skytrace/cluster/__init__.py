"""cluster: the pipeline partitioned by aircraft address over NATS JetStream (partial).

See docs/cluster.md for what exists and what is not done.
"""
