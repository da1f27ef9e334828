#!/usr/bin/env python3
"""Read and write a user's token bundle the way the PayPulse Python Lambdas do, for the interop tests.

Usage: python_token_bundle.py ENDPOINT_URL SECRET_NAME MODE [OPTIONS_JSON]

Credentials and region come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_DEFAULT_REGION); the test passes dummy ones for a moto server that does not check them.

Modes:
  write    Store a bundle exactly as the Lambda's OAuth callback does: json.dumps of a dict with
           naive datetime.utcnow().isoformat() timestamps, plus a key only Python knows
           ("python_only_key"). create_secret when the secret is new, else put_secret_value.
           OPTIONS_JSON may override access_token, refresh_token, google_user_id, google_email,
           google_name, and expires_in (seconds from now to expires_at; the stored expires_in stays 3599).
  read     Read the bundle as the Lambda's token check does: parse expires_at and created_at with
           datetime.fromisoformat, compare utcnow() with expires_at minus five minutes (naive
           datetimes: an offset would raise TypeError), and check the value types.
  refresh  Read-modify-write as the Lambda's token refresh does: json.loads the secret, replace
           access_token, expires_at, expires_in and created_at, add "python_only_key" if it is
           missing, and put_secret_value the json.dumps of the same dict (key order kept).
           OPTIONS_JSON may override access_token.

Prints exactly one JSON object on stdout (see the report built by each mode). Diagnostics go to
stderr; the exit code is non-zero when the script itself fails.
"""

import json
import sys
import warnings
from datetime import datetime, timedelta

# datetime.utcnow() is what the Lambdas call; it is deprecated from Python 3.12 on.
warnings.filterwarnings("ignore", category=DeprecationWarning)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
EXPIRES_IN = 3599
PYTHON_ONLY_VALUE = {"nested": [1, 2]}


def _client(endpoint):
    return boto3.client(
        "secretsmanager",
        endpoint_url=endpoint,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def _put_or_create(client, name, secret_string):
    try:
        client.put_secret_value(SecretId=name, SecretString=secret_string)
        return "put_secret_value"
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
    client.create_secret(Name=name, SecretString=secret_string)
    return "create_secret"


def write(client, name, options):
    bundle = {
        "access_token": options.get("access_token", "ya29.python-access-token"),
        "refresh_token": options.get("refresh_token", "1//python-refresh-token"),
        "expires_at": (datetime.utcnow() + timedelta(seconds=options.get("expires_in", EXPIRES_IN))).isoformat(),
        "expires_in": EXPIRES_IN,
        "scope": SCOPE,
        "token_type": "Bearer",
        "created_at": datetime.utcnow().isoformat(),
        "google_user_id": options.get("google_user_id", "109876543210987654321"),
        "google_email": options.get("google_email", "python.user@example.com"),
        "google_name": options.get("google_name", "Python User"),
        "google_verified_email": True,
        "python_only_key": PYTHON_ONLY_VALUE,
    }
    secret_string = json.dumps(bundle)
    operation = _put_or_create(client, name, secret_string)
    return {"operation": operation, "secret_string": secret_string, "document": bundle}


def _type_name(value):
    return "null" if value is None else type(value).__name__


def read(client, name, _options):
    secret_string = client.get_secret_value(SecretId=name)["SecretString"]
    document = json.loads(secret_string)
    problems = []

    expected_types = {
        "access_token": (str,),
        "refresh_token": (str, type(None)),
        "expires_at": (str,),
        "expires_in": (int,),
        "scope": (str,),
        "token_type": (str,),
        "created_at": (str,),
        "google_user_id": (str,),
        "google_email": (str,),
        "google_name": (str,),
        "google_verified_email": (bool,),
    }
    for key, types in expected_types.items():
        if key not in document:
            continue
        value = document[key]
        # bool is an int in Python; expires_in must be a real integer.
        if not isinstance(value, types) or (key == "expires_in" and isinstance(value, bool)):
            problems.append(f"{key} has type {_type_name(value)}")
    if document.get("token_type") != "Bearer":
        problems.append(f"token_type is {document.get('token_type')!r}, not 'Bearer'")

    parsed = {}
    for key in ("expires_at", "created_at"):
        raw = document.get(key)
        if not isinstance(raw, str):
            problems.append(f"{key} is missing or not a string")
            continue
        try:
            value = datetime.fromisoformat(raw)
        except ValueError as error:
            problems.append(f"{key} {raw!r} is not ISO-8601: {error}")
            continue
        if value.tzinfo is not None:
            problems.append(f"{key} {raw!r} has a UTC offset; the Lambdas expect naive UTC")
        if value.isoformat() != raw:
            problems.append(f"{key} {raw!r} is not in isoformat() form ({value.isoformat()!r})")
        parsed[key] = value

    expired = None
    now = datetime.utcnow()
    if "expires_at" in parsed:
        try:
            expired = now >= parsed["expires_at"] - timedelta(minutes=5)
        except TypeError as error:
            problems.append(f"comparing utcnow() with expires_at raised TypeError: {error}")

    return {
        "keys": list(document.keys()),
        "expired": expired,
        "utcnow": now.isoformat(),
        "expires_at": parsed["expires_at"].isoformat() if "expires_at" in parsed else None,
        "created_at": parsed["created_at"].isoformat() if "created_at" in parsed else None,
        "seconds_until_expiry": (parsed["expires_at"] - now).total_seconds()
        if "expires_at" in parsed and parsed["expires_at"].tzinfo is None
        else None,
        "types": {key: _type_name(value) for key, value in document.items()},
        "problems": problems,
        "document": document,
    }


def refresh(client, name, options):
    document = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
    document["access_token"] = options.get("access_token", "ya29.python-refreshed-access-token")
    document["expires_at"] = (datetime.utcnow() + timedelta(seconds=EXPIRES_IN)).isoformat()
    document["expires_in"] = EXPIRES_IN
    document["created_at"] = datetime.utcnow().isoformat()
    document.setdefault("python_only_key", PYTHON_ONLY_VALUE)
    secret_string = json.dumps(document)
    client.put_secret_value(SecretId=name, SecretString=secret_string)
    return {"operation": "put_secret_value", "secret_string": secret_string, "document": document}


MODES = {"write": write, "read": read, "refresh": refresh}


def main(argv):
    if len(argv) < 4 or argv[3] not in MODES:
        print(
            "usage: python_token_bundle.py ENDPOINT_URL SECRET_NAME {write|read|refresh} [OPTIONS_JSON]",
            file=sys.stderr,
        )
        return 2
    endpoint, name, mode = argv[1].rstrip("/"), argv[2], argv[3]
    options = json.loads(argv[4]) if len(argv) > 4 else {}
    report = MODES[mode](_client(endpoint), name, options)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except ClientError as error:
        print(f"Secrets Manager call failed: {error}", file=sys.stderr)
        sys.exit(1)
