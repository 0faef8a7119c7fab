"""Chinese text in matplotlib figures: the Noto Sans CJK font from Debian's fonts-noto-cjk."""

from __future__ import annotations

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.font_manager import FontProperties

from ganpo.errors import GanpoError

CJK_FAMILY = "Noto Sans CJK SC"


class MissingFontError(GanpoError, RuntimeError):
    """The Chinese font the charts and maps need is not installed."""

    def __init__(self, family: str = CJK_FAMILY) -> None:
        self.family = family
        super().__init__(
            f"Chinese font {family!r} not found; install the Debian package fonts-noto-cjk "
            "(apt-get install fonts-noto-cjk) or run `make setup`"
        )


def _find(family: str) -> str:
    return str(font_manager.findfont(FontProperties(family=family), fallback_to_default=False))


def _rescan_fonts() -> None:
    """Rebuild matplotlib's font list, for a font installed after its cache was written.

    The new list is copied into the existing manager because the renderers hold a
    reference to that object.
    """
    fresh = font_manager._load_fontmanager(try_read_cache=False)  # type: ignore[attr-defined]
    current = font_manager.fontManager
    if fresh is not current:
        current.ttflist = fresh.ttflist
        current.afmlist = fresh.afmlist
    current._findfont_cached.cache_clear()  # type: ignore[attr-defined]


def use_cjk_font() -> str:
    """Make matplotlib render Chinese with Noto Sans CJK SC; return the font file path.

    Raises :class:`MissingFontError` when the font is not installed.
    """
    try:
        path = _find(CJK_FAMILY)
    except ValueError:
        _rescan_fonts()
        try:
            path = _find(CJK_FAMILY)
        except ValueError:
            raise MissingFontError() from None
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [CJK_FAMILY, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False
    return path
