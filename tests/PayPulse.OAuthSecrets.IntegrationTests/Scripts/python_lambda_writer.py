#!/usr/bin/env python3
"""A long-running stand-in for the PayPulse Python Lambdas that write users' token bundles, for the tests.

Usage: python_lambda_writer.py ENDPOINT_URL

Credentials and region come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_DEFAULT_REGION); the test passes dummy ones for a moto server that does not check them.
boto3 retries are off (max_attempts 1), so every command makes exactly the calls listed below.

Protocol: one JSON command per line on stdin, one JSON answer per line on stdout (flushed), until
EOF. An "id" in a command is echoed in its answer. Failures answer
{"ok": false, "error": CODE, "message": ...} (CODE is the AWS error code, or the Python exception
type) and the loop goes on. Anything else the process prints goes to stderr.

Commands (the Lambdas' semantics, kept exactly):
  {"op": "ping"}
      -> {"ok": true, "op": "ping"}
  {"op": "reconnect", "secret": NAME, "access_token": .., "refresh_token": ..|null,
   "expires_in": 3599, "google_user_id": .., "google_email": .., "google_name": .., "scope"?: ..}
      The OAuth callback. Builds {access_token, refresh_token (key left out when null),
      expires_at: (utcnow() + expires_in).isoformat(), expires_in, scope, token_type: "Bearer",
      created_at: utcnow().isoformat(), google_user_id, google_email, google_name,
      google_verified_email: true} and writes json.dumps of it with a plain put_secret_value
      (no VersionStages, no version check); create_secret when ResourceNotFoundException.
      -> {"ok": true, "op": "reconnect", "operation": "put_secret_value"|"create_secret",
          "version_id": .., "document": {...}}
  {"op": "refresh", "secret": NAME, "token_uri": URL, "client_id": ..}
      The token refresh Lambda. get_secret_value, json.loads, oauth_data["refresh_token"] (a
      KeyError when the key is missing, as in the Lambda), POST the form grant_type=refresh_token,
      refresh_token, client_id to token_uri (urllib, no proxy). On 200 the document is REBUILT
      from scratch (unknown keys dropped): access_token, refresh_token = the returned one, else the
      stored one (key always present, may be null), expires_at / expires_in / created_at new,
      scope and token_type from the response (else the stored scope / "Bearer"), google_user_id /
      google_email / google_name as stored or "", google_verified_email as stored or false; written
      with a plain update_secret(SecretId, SecretString). Any other status writes nothing (on
      invalid_grant the real Lambda deletes the secret; that path is not played here).
      -> {"ok": true, "op": "refresh", "status": HTTP_STATUS, "wrote": bool, "error": OAUTH_ERROR|null,
          "response": {...token endpoint body...}, "document": {...written...}|null, "version_id": ..|null}
  {"op": "read", "secret": NAME}
      get_secret_value and json.loads, then oauth_data["refresh_token"] as the Lambdas do.
      -> {"ok": true, "op": "read", "not_found": false, "document": {...}, "keys": [...],
          "refresh_token_key_present": bool, "version_id": ..}
         or {"ok": true, "op": "read", "not_found": true} when the secret does not exist.
"""

import json
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request
import warnings
from datetime import datetime, timedelta

# datetime.utcnow() is what the Lambdas call; it is deprecated from Python 3.12 on.
warnings.filterwarnings("ignore", category=DeprecationWarning)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
EXPIRES_IN = 3599
HTTP_TIMEOUT_SECONDS = 10

# Loopback only: never through a proxy, whatever the environment says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _client(endpoint):
    return boto3.client(
        "secretsmanager",
        endpoint_url=endpoint,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def _error_code(error):
    return error.response.get("Error", {}).get("Code", "ClientError")


def reconnect(client, command):
    oauth_data = {"access_token": command["access_token"]}
    if command.get("refresh_token") is not None:
        oauth_data["refresh_token"] = command["refresh_token"]
    expires_in = command.get("expires_in", EXPIRES_IN)
    oauth_data.update(
        {
            "expires_at": (datetime.utcnow() + timedelta(seconds=expires_in)).isoformat(),
            "expires_in": expires_in,
            "scope": command.get("scope", SCOPE),
            "token_type": "Bearer",
            "created_at": datetime.utcnow().isoformat(),
            "google_user_id": command["google_user_id"],
            "google_email": command["google_email"],
            "google_name": command["google_name"],
            "google_verified_email": True,
        }
    )
    name = command["secret"]
    secret_string = json.dumps(oauth_data)
    try:
        response = client.put_secret_value(SecretId=name, SecretString=secret_string)
        operation = "put_secret_value"
    except ClientError as error:
        if _error_code(error) != "ResourceNotFoundException":
            raise
        response = client.create_secret(Name=name, SecretString=secret_string)
        operation = "create_secret"
    return {"operation": operation, "version_id": response.get("VersionId"), "document": oauth_data}


def _post_token_request(token_uri, form):
    request = urllib.request.Request(
        token_uri,
        data=urllib.parse.urlencode(form).encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with _OPENER.open(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def refresh(client, command):
    name = command["secret"]
    oauth_data = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
    refresh_token = oauth_data["refresh_token"]
    status, body = _post_token_request(
        command["token_uri"],
        {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": command["client_id"]},
    )
    try:
        token_data = json.loads(body)
    except ValueError:
        token_data = {"raw": body}
    if not isinstance(token_data, dict):
        token_data = {"raw": token_data}

    report = {"status": status, "wrote": False, "error": None, "response": token_data, "document": None, "version_id": None}
    if status != 200:
        report["error"] = token_data.get("error", "http_" + str(status))
        return report

    expires_in = token_data.get("expires_in", EXPIRES_IN)
    new_data = {
        "access_token": token_data["access_token"],
        "refresh_token": token_data.get("refresh_token") or refresh_token,
        "expires_at": (datetime.utcnow() + timedelta(seconds=expires_in)).isoformat(),
        "expires_in": expires_in,
        "scope": token_data.get("scope", oauth_data.get("scope", SCOPE)),
        "token_type": token_data.get("token_type", "Bearer"),
        "created_at": datetime.utcnow().isoformat(),
        "google_user_id": oauth_data.get("google_user_id", ""),
        "google_email": oauth_data.get("google_email", ""),
        "google_name": oauth_data.get("google_name", ""),
        "google_verified_email": oauth_data.get("google_verified_email", False),
    }
    response = client.update_secret(SecretId=name, SecretString=json.dumps(new_data))
    report.update({"wrote": True, "document": new_data, "version_id": response.get("VersionId")})
    return report


def read(client, command):
    try:
        secret = client.get_secret_value(SecretId=command["secret"])
    except ClientError as error:
        if _error_code(error) == "ResourceNotFoundException":
            return {"not_found": True}
        raise
    oauth_data = json.loads(secret["SecretString"])
    try:
        oauth_data["refresh_token"]
        key_present = True
    except KeyError:
        key_present = False
    return {
        "not_found": False,
        "document": oauth_data,
        "keys": list(oauth_data.keys()),
        "refresh_token_key_present": key_present,
        "version_id": secret.get("VersionId"),
    }


def ping(_client, _command):
    return {}


OPS = {"ping": ping, "reconnect": reconnect, "refresh": refresh, "read": read}


def handle(client, line):
    try:
        command = json.loads(line)
    except ValueError as error:
        return {"ok": False, "error": "invalid_command", "message": f"not JSON: {error}"}
    if not isinstance(command, dict):
        return {"ok": False, "error": "invalid_command", "message": "a command must be a JSON object"}
    answer = {"ok": False}
    if "id" in command:
        answer["id"] = command["id"]
    op = command.get("op")
    if op not in OPS:
        answer.update({"error": "unknown_op", "message": f"unknown op {op!r}; expected one of {sorted(OPS)}"})
        return answer
    answer["op"] = op
    try:
        answer.update(OPS[op](client, command))
        answer["ok"] = True
    except ClientError as error:
        answer.update({"error": _error_code(error), "message": str(error)})
    except Exception as error:  # noqa: BLE001 - every failure is reported; the loop must go on.
        print(traceback.format_exc(), file=sys.stderr, flush=True)
        answer.update({"error": type(error).__name__, "message": str(error)})
    return answer


def main(argv):
    if len(argv) != 2:
        print("usage: python_lambda_writer.py ENDPOINT_URL", file=sys.stderr)
        return 2
    # Answers go to the real stdout; anything else that prints (libraries included) goes to stderr.
    out = sys.stdout
    sys.stdout = sys.stderr
    client = _client(argv[1].rstrip("/"))
    for line in sys.stdin:
        if not line.strip():
            continue
        out.write(json.dumps(handle(client, line)) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
