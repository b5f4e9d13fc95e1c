"""Sending a digest by SMTP, with retries for what a retry can fix.

The message goes out byte for byte as the ``.eml`` file on disk, to
``email.to`` (a list's address), from ``email.from``. The password is read
from the environment variable that ``smtp.password_env`` names, never from
the configuration file.

Temporary failures (4xx replies, a refused or dropped connection, a timeout)
are retried a few times with growing pauses; if they last, the run fails and
the next run tries again. Permanent failures (5xx replies, a certificate that
does not verify, a server without STARTTLS) fail at once and say so.

The message counts as sent the moment the server answers 250 to the end of
its data: the caller's ``accepted`` runs then, before QUIT, whose answer (or
silence) changes nothing. A connection that drops, or a server that stays
silent, after the whole message went and before that answer leaves the
outcome unknown (the server may have taken it): that is not retried within
the run (``Unanswered``).
"""

from __future__ import annotations

import email.policy
import os
import re
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr
from typing import Callable, Sequence

from syndicate.sources.config import Site
from syndicate.errors import ConfigError, PublishError

# Pauses between attempts, in seconds: four attempts over about 40 s, well
# inside a five-minute cron interval.
RETRY_DELAYS = (2.0, 8.0, 30.0)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class TemporaryFailure(PublishError):
    """The server or network failed in a way that may pass; the next run retries."""


class PermanentFailure(PublishError):
    """The server refused the message for good (5xx), or the setup cannot work."""


class Unanswered(PublishError):
    """The whole message reached the server but its answer did not reach us: it may have been accepted."""


@dataclass(frozen=True)
class Envelope:
    """Who the message is from and to, as SMTP sees it."""

    sender: str
    recipients: tuple[str, ...]


def envelope(site: Site, message: bytes) -> Envelope:
    """The SMTP envelope from the message's own From and To headers.

    Raises ConfigError when either is missing: ``email.from`` (or the site
    author's email) and ``email.to`` (the list's address) must be set.
    """
    headers = BytesHeaderParser(policy=email.policy.default).parsebytes(message)
    sender = parseaddr(str(headers.get("From", "")))[1]
    recipients = tuple(address for _, address in getaddresses([str(v) for v in headers.get_all("To", [])])
                       if "@" in address)
    if "@" not in sender:
        raise ConfigError("email.from must be set to send a digest (e.g. \"News <news@example.com>\")",
                          site.config_file)
    if not recipients:
        raise ConfigError("email.to must be set to send a digest: the list's address", site.config_file)
    return Envelope(sender, recipients)


def password(site: Site) -> str | None:
    """The SMTP password from the environment variable ``smtp.password_env`` names."""
    smtp = site.smtp
    if not smtp.username:
        return None
    if not smtp.password_env:
        raise ConfigError("smtp.username is set but smtp.password_env is not: name the environment "
                          "variable that holds the password", site.config_file)
    value = os.environ.get(smtp.password_env)
    if not value:
        raise ConfigError(f"the environment variable {smtp.password_env} (smtp.password_env) is not set",
                          site.config_file)
    if smtp.security == "none" and smtp.host not in LOCAL_HOSTS:
        raise ConfigError(f"smtp.security = \"none\" would send the password to {smtp.host} unencrypted; "
                          "use \"starttls\" or \"ssl\"", site.config_file)
    return value


def _connect(site: Site) -> smtplib.SMTP:
    smtp = site.smtp
    if smtp.security == "ssl":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout,
                                context=ssl.create_default_context())
    connection = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    if smtp.security == "starttls":
        try:
            connection.starttls(context=ssl.create_default_context())
        except BaseException:
            connection.close()
            raise
    return connection


def _transfer(connection: smtplib.SMTP, env: Envelope, message: bytes) -> dict:
    """MAIL, RCPT and DATA on an open connection, as ``SMTP.sendmail``; returns the refused recipients.

    Raises ``_NoAnswer`` when the connection drops, or the server stays silent,
    after the last byte of the message went and before the server answered it.
    """
    connection.ehlo_or_helo_if_needed()
    size = [f"size={len(message)}"] if connection.does_esmtp and connection.has_extn("size") else []
    code, reply = connection.mail(env.sender, size)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, env.sender)
    refused = {}
    for address in env.recipients:
        code, reply = connection.rcpt(address)
        if code not in (250, 251):
            refused[address] = (code, reply)
    if len(refused) == len(env.recipients):
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = connection.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    data = re.sub(rb"(?m)^\.", b"..", message)  # dot-stuffing (RFC 5321 4.5.2)
    connection.send(data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    try:
        code, reply = connection.getreply()
    except smtplib.SMTPServerDisconnected as exc:
        raise _NoAnswer(str(exc)) from None
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return refused


class _NoAnswer(Exception):
    """What ``_transfer`` raises when the server's answer to the message never came."""


def _deliver(site: Site, message: bytes, env: Envelope, secret: str | None) -> tuple[smtplib.SMTP, dict]:
    """Connect and hand the message over; returns the open connection and the refused recipients."""
    connection = _connect(site)
    try:
        if secret is not None:
            connection.login(site.smtp.username, secret)
        return connection, _transfer(connection, env, message)
    except BaseException:
        connection.close()
        raise


def _quit(connection: smtplib.SMTP) -> None:
    """Say QUIT and close; the message was accepted already, so no answer (or silence) matters."""
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        connection.close()


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}".strip()


def classify(exc: BaseException) -> tuple[bool, str]:
    """(whether a retry may help, what went wrong in one line) for a sending error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.items())
        temporary = any(400 <= code < 500 for _, (code, _) in replies)
        return temporary, "; ".join(f"{address}: {_reply(code, text)}" for address, (code, text) in replies)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500, _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False, f"TLS certificate does not verify: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return False, f"TLS failed ({exc.reason or exc}); check smtp.security and smtp.port"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return False, str(exc)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True, f"the server closed the connection ({exc})" if str(exc) else "the server closed the connection"
    if isinstance(exc, ConnectionRefusedError):
        return True, "connection refused"
    if isinstance(exc, TimeoutError):
        return True, "timed out"
    if isinstance(exc, (OSError, smtplib.SMTPException)):
        return True, str(exc) or type(exc).__name__
    raise exc


def send_message(site: Site, message: bytes, *, accepted: Callable[[], None] = lambda: None,
                 sleep: Callable[[float], None] | None = None,
                 delays: Sequence[float] | None = None) -> tuple[str, ...]:
    """Send ``message`` (a complete .eml) to ``email.to``; returns the refused recipients.

    Returns only once a server has accepted the message for at least one
    recipient; ``accepted`` is called the moment it did, before the
    connection is closed. Raises TemporaryFailure after the last retry,
    PermanentFailure at the first 5xx, Unanswered (not retried) when the
    server's answer to the whole message never came, ConfigError for an
    incomplete setup. ``sleep`` and ``delays`` default to time.sleep and
    RETRY_DELAYS.
    """
    sleep = sleep or time.sleep
    delays = RETRY_DELAYS if delays is None else delays
    env = envelope(site, message)
    secret = password(site)
    server = f"{site.smtp.host}:{site.smtp.port}"
    attempts = len(delays) + 1
    for pause in [*delays, None]:
        try:
            connection, refused = _deliver(site, message, env, secret)
            break
        except _NoAnswer as exc:
            raise Unanswered(f"{server} took the whole message but its answer never came ({exc})") from None
        except Exception as exc:  # classify() re-raises what it does not know
            temporary, what = classify(exc)
            if not temporary:
                raise PermanentFailure(f"{server} refused it permanently: {what}; "
                                       f"check [smtp] and [email] in {site.config_file}") from None
            if pause is None:
                raise TemporaryFailure(f"{server} failed {attempts} times, last: {what}; "
                                       "the next run tries again") from None
        sleep(pause)
    try:
        accepted()
    finally:
        _quit(connection)
    return tuple(sorted(refused))
