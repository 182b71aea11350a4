"""gunicorn's access log without phone numbers.

An admin search for a number (``/admin/can/alert/?q=%2B243…``) or a page reached from one (the
``Referer``) would otherwise write the number to the access log in clear. Start gunicorn with
``--logger-class monusco.gunicorn.RedactingLogger`` (the Dockerfile, docker-compose.yml and
bench/alerts.py do): the request line, path, query string, referer and every request header or
environment value a log format can name have their phone numbers masked, encoded or not, the
same way as the application's own log (``monusco.redaction``).
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from .redaction import mask_phone_numbers_in_url

# Atoms that carry what the client sent: the request line, path, query string and referer.
_URL_ATOMS = ("U", "q", "f")


def _request_line(line: str) -> str:
    """``GET /path?query HTTP/1.1``: only the target is masked, the method and protocol stay."""
    method, _, rest = line.partition(" ")
    target, space, protocol = rest.rpartition(" ")
    if not space:
        return mask_phone_numbers_in_url(line)
    return f"{method} {mask_phone_numbers_in_url(target)} {protocol}"


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        if isinstance(atoms.get("r"), str):
            atoms["r"] = _request_line(atoms["r"])
        for key, value in list(atoms.items()):
            if isinstance(value, str) and (key in _URL_ATOMS or key.startswith("{")):
                atoms[key] = mask_phone_numbers_in_url(value)
        return atoms
