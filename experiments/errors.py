"""Errors that launch.py reports as one line on stderr, without a traceback."""


class ConfigError(ValueError):
    """A config value, flag or workdir that cannot be used; nothing was written."""


class NonFiniteLossError(RuntimeError):
    """Training produced a non-finite loss; the last good checkpoint is kept."""


class WriteError(OSError):
    """A checkpoint or metrics write failed (a full disk, a quota): the run stopped with
    its previous checkpoint intact. launch.py exits with `EXIT_CODE` (sysexits' EX_IOERR)."""

    EXIT_CODE = 74
