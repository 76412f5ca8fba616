"""A device, in words a user recognises, from the `User-Agent` its browser or app sent."""

import re

# The first that matches names it: the order matters (Edge and Opera say "Chrome" too, every
# browser on iOS says "Safari", Android says "Linux").
_BROWSERS = (
    (r"\bEdg(e|A|iOS)?/", "Edge"),
    (r"\bOPR/|\bOpera\b", "Opera"),
    (r"\bSamsungBrowser/", "Samsung Internet"),
    (r"\bFirefox/|\bFxiOS/", "Firefox"),
    (r"\bChrome/|\bCriOS/", "Chrome"),
    (r"\bSafari/", "Safari"),
    (r"\bcurl/", "curl"),
    (r"\bokhttp/", "app Android"),
    (r"\bCFNetwork/", "app iOS"),
)
_SYSTEMS = (
    (r"\biPhone\b", "iPhone"),
    (r"\biPad\b", "iPad"),
    (r"\bAndroid\b", "Android"),
    (r"\bWindows\b", "Windows"),
    (r"\bMac OS X\b|\bMacintosh\b", "macOS"),
    (r"\bCrOS\b", "ChromeOS"),
    (r"\bLinux\b", "Linux"),
)

UNKNOWN_DEVICE = "Dispositivo sconosciuto"


def describe_device(user_agent: str | None) -> str:
    """`Firefox su Windows`, `Safari su iPhone`; what is not recognised, said as such."""
    if not user_agent:
        return UNKNOWN_DEVICE
    browser = _first(_BROWSERS, user_agent)
    system = _first(_SYSTEMS, user_agent)
    if browser and system:
        return f"{browser} su {system}"
    return browser or system or UNKNOWN_DEVICE


def _first(patterns: tuple[tuple[str, str], ...], text: str) -> str | None:
    return next((name for pattern, name in patterns if re.search(pattern, text)), None)
