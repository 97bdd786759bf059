"""Frames over NATS JetStream: one stream, one subject per partition, one durable per partition.

Owns the stream layout and the two ends of it: `publish_frames` (ingest: split a FrameBatch by
partition, one acknowledged publish per partition group) and `WorkerLoop` (worker: pull from its
partitions' durable consumers, hand the frames to a runtime, ack only after it took them).

Layout: stream ``SKYTRACE_FRAMES`` with subjects ``skytrace.frames.<partition>``; durable
consumer ``worker-p<partition>`` filtered to one subject, explicit ack. A partition whose worker
is down accumulates in the stream; an unacked message is redelivered after a restart.
Not thread-safe: one asyncio loop per object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from nats.js.errors import BadRequestError

from skytrace.cluster.wire import decode_batch, encode_batch, split_by_partition
from skytrace.model import FrameBatch

__all__ = ["BATCH_HEADER", "STREAM", "WorkerLoop", "ensure_stream", "publish_frames", "subject"]

STREAM = "SKYTRACE_FRAMES"
BATCH_HEADER = "Skytrace-Batch"


def subject(partition: int) -> str:
    return f"skytrace.frames.{partition}"


async def ensure_stream(js: JetStreamContext, *, replicas: int = 1) -> None:
    """Create the frames stream if it is not there (an existing one is left as it is)."""
    config = StreamConfig(name=STREAM, subjects=["skytrace.frames.*"], num_replicas=replicas)
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.stream_info(STREAM)


async def publish_frames(
    js: JetStreamContext, batch: FrameBatch, partitions: int, *, batch_id: str
) -> int:
    """Publish a batch as one message per partition it touches; the bytes sent.

    Every message carries ``batch_id`` so a worker processes the frames of one ingest batch
    together: the core is not indifferent to batch boundaries (a takeoff time interpolated
    over a batch moves by milliseconds), and keeping them gives the single-machine results.
    """
    sent = 0
    headers = {BATCH_HEADER: batch_id}
    for partition, group in sorted(split_by_partition(batch, partitions).items()):
        body = encode_batch(group)
        await js.publish(subject(partition), body, stream=STREAM, headers=headers)
        sent += len(body)
    return sent


def _concat(batches: list[FrameBatch]) -> FrameBatch:
    """One batch in arrival-time order (stable, so equal times keep stream order)."""
    merged = FrameBatch.concat(batches)  # indices are this worker's: names agree
    return merged.take(np.argsort(merged.time_s, kind="stable"))


@dataclass
class WorkerLoop:
    """Pulls a worker's partitions and feeds `process` (e.g. Runtime.process) in time order."""

    js: JetStreamContext
    partitions: tuple[int, ...]
    process: Callable[[FrameBatch], Any]
    fetch_messages: int = 1000
    ack_wait_s: float = 30.0  # an unacked message goes back to the partition after this
    receiver_index: dict[str, int] = field(default_factory=dict)
    _subs: dict[int, Any] = field(default_factory=dict)

    async def open(self) -> None:
        for p in self.partitions:
            durable = f"worker-p{p}"
            config = ConsumerConfig(
                durable_name=durable,
                ack_policy=AckPolicy.EXPLICIT,
                filter_subject=subject(p),
                ack_wait=self.ack_wait_s,
            )
            self._subs[p] = await self.js.pull_subscribe(
                subject(p), durable=durable, stream=STREAM, config=config
            )

    async def backlog(self) -> int:
        """Messages of its partitions not yet acked: waiting, or delivered and awaiting an ack."""
        total = 0
        for p in self.partitions:
            info = await self.js.consumer_info(STREAM, f"worker-p{p}")
            total += (info.num_pending or 0) + (info.num_ack_pending or 0)
        return total

    async def step(self, timeout_s: float = 0.2) -> int:
        """One round over the partitions; the frames processed (0 when nothing waited)."""
        msgs: list[Any] = []
        for sub in self._subs.values():
            try:
                msgs.extend(await sub.fetch(self.fetch_messages, timeout=timeout_s))
            except TimeoutError:
                continue
        if not msgs:
            return 0
        groups: dict[str, list[FrameBatch]] = {}
        for m in msgs:
            key = (m.headers or {}).get(BATCH_HEADER, "")
            groups.setdefault(key, []).append(decode_batch(m.data, self.receiver_index))
        ordered = sorted(groups.values(), key=lambda parts: min(float(p.time_s[0]) for p in parts))
        frames = 0
        for parts in ordered:
            merged = _concat(parts)
            self.process(merged)
            frames += len(merged)
        # Acked only after the runtime took the frames: a crash before this redelivers them.
        for m in msgs:
            await m.ack()
        return frames
