"""A TensorBoard scalar writer that needs no TensorFlow.

TensorBoard reads "event files": a sequence of TFRecord records, each a
serialised `tensorflow.Event` protocol buffer. Scalars need only a handful of
fields, so this module encodes them directly:

    Event       { double wall_time = 1; int64 step = 2; string file_version = 3;
                  Summary summary = 5; SessionLog session_log = 6; }
    Summary     { repeated Value value = 1; }
    Value       { string tag = 1; float simple_value = 2; }
    SessionLog  { SessionStatus status = 1; }   // START = 1

    TFRecord    uint64 length, uint32 masked_crc32c(length),
                bytes data,   uint32 masked_crc32c(data)        (little endian)
"""

from __future__ import annotations

import os
import socket
import struct
import time


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum of TFRecord files."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _length_delimited(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _event(step: int, wall_time: float, body: bytes) -> bytes:
    return (_varint(1 << 3 | 1) + struct.pack("<d", wall_time)
            + _varint(2 << 3 | 0) + _varint(int(step)) + body)


def _scalar_summary(values: dict[str, float]) -> bytes:
    summary = b""
    for tag, value in values.items():
        encoded = (_length_delimited(1, tag.encode())
                   + _varint(2 << 3 | 5) + struct.pack("<f", float(value)))
        summary += _length_delimited(1, encoded)
    return _length_delimited(5, summary)


def tfrecord(data: bytes) -> bytes:
    """Frames `data` as one TFRecord record."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", _masked_crc(length)) + data
            + struct.pack("<I", _masked_crc(data)))


class SummaryWriter:
    """Appends scalar summaries to a new event file in `logdir`.

    Each writer starts its file with a SessionLog START event, so TensorBoard
    discards the points a resumed run writes again for steps it had already
    logged before it was interrupted.
    """

    def __init__(self, logdir: str, *, start_step: int = 0):
        os.makedirs(logdir, exist_ok=True)
        name = (f"events.out.tfevents.{time.time():.6f}.{socket.gethostname()}"
                f".{os.getpid()}.recurrent")
        self.path = os.path.join(logdir, name)
        self._file = open(self.path, "ab")
        now = time.time()
        self._write(_event(0, now, _length_delimited(3, b"brain.Event:2")))
        self._write(_event(start_step, now, _length_delimited(6, _varint(1 << 3) + _varint(1))))
        self.flush()

    def _write(self, event: bytes) -> None:
        self._file.write(tfrecord(event))

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """Writes one scalar per tag at `step`."""
        if values:
            self._write(_event(step, time.time(), _scalar_summary(values)))

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()
