"""The S3-compatible target of `deploy`: `s3://bucket/prefix/`, configured the way every AWS tool is.

Endpoint, region and credentials come from the usual environment (AWS_ENDPOINT_URL,
AWS_REGION/AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE) or
~/.aws/config: boto3 reads them itself. Each object is one PUT, so its ETag is its MD5.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from radiocast.errors import ConfigError, DeployError
from radiocast.i18n import _


class S3Target:
    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        if not parts.netloc:
            raise ConfigError(_("{target}: no bucket").format(target=target), hint=_("e.g. s3://bucket/podcast/"))
        self.target = target
        self.bucket = parts.netloc
        prefix = parts.path.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        try:
            self.client = boto3.session.Session().client("s3")
        except BotoCoreError as e:
            raise self._error(e) from e

    def listing(self) -> dict[str, tuple[int, str | None]]:
        found: dict[str, tuple[int, str | None]] = {}
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    etag = item.get("ETag", "").strip('"')
                    # A multipart upload's ETag ("…-3") is no MD5: compare it as unknown, upload again.
                    found[item["Key"].removeprefix(self.prefix)] = (item["Size"], None if "-" in etag else etag)
        except (BotoCoreError, ClientError) as e:
            raise self._error(e) from e
        return found

    def put(self, source: Path, name: str, *, content_type: str, cache_control: str, md5: str) -> None:
        try:
            with source.open("rb") as body:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self.prefix + name,
                    Body=body,
                    ContentType=content_type,
                    CacheControl=cache_control,
                    # The store checks the bytes it got against this: a cut upload never replaces the object.
                    ContentMD5=base64.b64encode(bytes.fromhex(md5)).decode(),
                )
        except (BotoCoreError, ClientError) as e:
            raise self._error(e, name) from e

    def delete(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)
        except (BotoCoreError, ClientError) as e:
            raise self._error(e, name) from e

    def close(self) -> None:
        self.client.close()

    def _error(self, error: Exception, name: str | None = None) -> DeployError:
        where = f"{self.target}{name}" if name else self.target
        if isinstance(error, NoCredentialsError):
            hint = _("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for the storage")
        elif isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            hint = (
                _("create the bucket, or fix its name in the target")
                if code == "NoSuchBucket"
                else _("check that these credentials may write to the bucket")
            )
        else:
            hint = _("check AWS_ENDPOINT_URL and the network (is the storage reachable?)")
        return DeployError(_("{target}: {error}").format(target=where, error=error), hint=hint)
