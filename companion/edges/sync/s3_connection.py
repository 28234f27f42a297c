"""S3 plumbing the target shares: credentials, error codes in words, the connection test."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from companion.edges.secrets import SecretStore, SecretStoreError
from companion.edges.sync.targets import ConnectionReport, SyncError

ACCESS_KEY_SECRET = "s3-access-key-id"
SECRET_KEY_SECRET = "s3-secret-access-key"
SESSION_TOKEN_SECRET = "s3-session-token"
NOT_FOUND = ("404", "NoSuchKey", "NotFound")


@dataclass(frozen=True)
class S3Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:  # never print a secret into a log
        return f"S3Credentials(access_key_id={self.access_key_id!r}, secret_access_key=***)"


def credentials_from_secrets(secrets: SecretStore) -> Callable[[], S3Credentials]:
    """Credentials read from the OS keyring when needed (never from a settings file)."""

    def read() -> S3Credentials:
        try:
            key_id = secrets.get(ACCESS_KEY_SECRET)
            secret = secrets.get(SECRET_KEY_SECRET)
            token = secrets.get(SESSION_TOKEN_SECRET)
        except SecretStoreError as error:
            raise SyncError(f"{error} {error.fix}") from error
        if not key_id or not secret:
            raise SyncError(
                "No S3 access key is stored in the keyring; enter it in Settings > Sync."
            )
        return S3Credentials(key_id, secret, token or None)

    return read


CLIENT_PROBLEMS = {
    "NoSuchBucket": (
        "no_bucket",
        "The bucket '{bucket}' does not exist on the storage server; check its name.",
    ),
    "InvalidAccessKeyId": (
        "credentials",
        "The storage server does not know this access key; check the key in Settings > Sync.",
    ),
    "SignatureDoesNotMatch": (
        "credentials",
        "The secret key does not match the access key; re-enter it in Settings > Sync.",
    ),
    "InvalidClientTokenId": (
        "credentials",
        "The storage server does not know this access key; check the key in Settings > Sync.",
    ),
    "ExpiredToken": ("credentials", "The storage credentials have expired; renew them."),
    "AccessDenied": (
        "permission",
        "The storage server refused access: this key may not use the bucket '{bucket}'; "
        "ask your administrator for list, read and write permission.",
    ),
    "AllAccessDisabled": (
        "permission",
        "All access to the bucket '{bucket}' is disabled; ask your administrator.",
    ),
}


def error_code(error: Exception) -> str:
    """The S3 error code of a botocore ClientError ("" for anything else)."""
    response: dict[str, Any] = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def sync_error(error: Exception, action: str, bucket: str) -> SyncError:
    """A botocore error as a sentence for the rep."""
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        code = error_code(error)
        if code in CLIENT_PROBLEMS:
            text = CLIENT_PROBLEMS[code][1].format(bucket=bucket)
            return SyncError(f"Could not {action}: {text}")
        return SyncError(f"Could not {action}: the storage server answered {code}.")
    return SyncError(f"Could not {action}: {error}")


class BucketAccess(Protocol):
    """What the connection test needs of a target (the S3 target is the one there is)."""

    bucket: str
    prefix: str
    region: str
    endpoint_url: str | None
    connect_timeout: float

    def credentials(self) -> S3Credentials: ...

    def client(self) -> Any: ...


def connection_report(target: BucketAccess) -> ConnectionReport:
    """Name resolution, then TCP, then an authenticated list: each failure in words."""
    try:
        target.credentials()
    except SyncError as error:
        return ConnectionReport(False, str(error), "credentials")
    host, port = host_and_port(target.endpoint_url, target.region)
    network = reach(host, port, target.connect_timeout)
    if network is not None:
        return network
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = target.bucket
    try:
        target.client().list_objects_v2(Bucket=bucket, MaxKeys=1, Prefix=target.prefix)
    except ClientError as error:
        code = error_code(error)
        if code in CLIENT_PROBLEMS:
            kind, text = CLIENT_PROBLEMS[code]
            return ConnectionReport(False, text.format(bucket=bucket), kind)
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 403:
            text = CLIENT_PROBLEMS["AccessDenied"][1].format(bucket=bucket)
            return ConnectionReport(False, text, "permission")
        return ConnectionReport(
            False, f"The storage server answered with an error ({code or status}).", "other"
        )
    except BotoCoreError as error:
        return ConnectionReport(False, f"The storage server could not be used: {error}", "network")
    return ConnectionReport(True, missing=protections_missing(target))


def protections_missing(target: BucketAccess) -> tuple[str, ...]:
    """What the bucket lacks of what keeps delivered calls safe: versioning (an overwrite
    or delete keeps the earlier bytes) and Object Lock (retention no key can shorten)."""
    from botocore.exceptions import BotoCoreError, ClientError

    client, bucket, missing = target.client(), target.bucket, []
    try:
        versioning = client.get_bucket_versioning(Bucket=bucket).get("Status")
    except (ClientError, BotoCoreError) as error:
        missing.append(
            f"versioning of bucket {bucket} could not be checked "
            f"({error_code(error) or type(error).__name__}): "
            "give the laptop's key s3:GetBucketVersioning (see docs/admin.md)."
        )
    else:
        if versioning != "Enabled":
            missing.append(
                f"bucket {bucket} has no versioning: an overwritten or deleted call package "
                "cannot be recovered. Ask IT to enable versioning on the bucket."
            )
    try:
        lock = client.get_object_lock_configuration(Bucket=bucket)
        enabled = lock.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"
    except ClientError as error:
        if error_code(error) not in (
            "ObjectLockConfigurationNotFoundError",
            "NoSuchObjectLockConfiguration",
        ):
            missing.append(
                f"Object Lock of bucket {bucket} could not be checked ({error_code(error)}): "
                "give the laptop's key s3:GetBucketObjectLockConfiguration."
            )
            return tuple(missing)
        enabled = False
    except BotoCoreError as error:
        missing.append(f"Object Lock of bucket {bucket} could not be checked ({error}).")
        return tuple(missing)
    if not enabled:
        missing.append(
            f"bucket {bucket} has no Object Lock: the policy's retention is not enforced by "
            "the store, and a leaked key could delete delivered calls. Object Lock can only "
            "be turned on when a bucket is created: ask IT for a bucket made with it."
        )
    return tuple(missing)


def host_and_port(endpoint_url: str | None, region: str) -> tuple[str, int]:
    url = endpoint_url or f"https://s3.{region}.amazonaws.com"
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.hostname or "", parts.port or default


def reach(host: str, port: int, timeout: float) -> ConnectionReport | None:
    where = f"{host}:{port}"
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return ConnectionReport(
            False,
            f"The storage server name '{host}' could not be found (DNS); "
            "check the address and your network.",
            "dns",
        )
    family, kind, proto, _name, address = addresses[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.settimeout(timeout)
            probe.connect(address)
    except ConnectionRefusedError:
        return ConnectionReport(
            False,
            f"The storage server at {where} refused the connection: nothing is listening "
            "there; check the port and that the service is running.",
            "refused",
        )
    except TimeoutError:
        return ConnectionReport(
            False,
            f"The storage server at {where} did not answer within {timeout:g} s; "
            "a firewall may be blocking it.",
            "timeout",
        )
    except OSError as error:
        return ConnectionReport(
            False, f"The storage server at {where} cannot be reached: {error.strerror}.", "network"
        )
    return None
