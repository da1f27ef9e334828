#!/usr/bin/env python3
"""Provision IAM principals on an auth-enforcing moto server for the integration tests.

Usage: moto_iam_setup.py ENDPOINT_URL [REGION]

The server must have been started with INITIAL_NO_AUTH_ACTION_COUNT equal to
UNAUTHENTICATED_ACTIONS below (or have had /moto-api/reset-auth set to it). moto lets
exactly that many AWS actions through without checking the signature; this script uses
them up on the bootstrap calls and from then on everything must be SigV4-signed with a
key moto's IAM knows and allowed by IAM policy.

Steps:
  unauthenticated (bootstrap) actions, exactly UNAUTHENTICATED_ACTIONS of them:
    1. iam:CreateUser
    2. iam:PutUserPolicy     (secretsmanager actions on "*" + sts:AssumeRole)
    3. iam:CreateAccessKey
    4. iam:CreateRole        (trust policy: the user and the account root)
    5. iam:PutRolePolicy     (the same secretsmanager actions on "*")
  authenticated actions:
    6. sts:AssumeRole, signed with the user's key -> temporary session credentials
    7. sts:GetCallerIdentity with a bogus key must be rejected: proves enforcement is on,
       so a miscounted INITIAL_NO_AUTH_ACTION_COUNT fails here instead of leaking an
       unauthenticated request into a test.

Prints exactly one JSON object on stdout:
  {"user": {"accessKeyId": ..., "secretAccessKey": ...},
   "session": {"accessKeyId": ..., "secretAccessKey": ..., "sessionToken": ...},
   "userArn": ..., "roleArn": ...}
Diagnostics go to stderr; the exit code is non-zero on failure.
"""

import json
import sys
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

UNAUTHENTICATED_ACTIONS = 5

SECRETS_MANAGER_ACTIONS = [
    "secretsmanager:GetSecretValue",
    "secretsmanager:CreateSecret",
    "secretsmanager:PutSecretValue",
    "secretsmanager:DeleteSecret",
    "secretsmanager:DescribeSecret",
    "secretsmanager:UpdateSecret",
    "secretsmanager:UpdateSecretVersionStage",
]

# Bootstrap calls are never verified by moto, but botocore still insists on signing them.
BOOTSTRAP_KEY_ID = "AKIABOOTSTRAPNOTUSED"
BOOTSTRAP_SECRET = "bootstrap-secret-not-used"


def _client(service, endpoint, region, key_id, secret, token=None):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def _policy(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def main(argv):
    if len(argv) < 2:
        print("usage: moto_iam_setup.py ENDPOINT_URL [REGION]", file=sys.stderr)
        return 2
    endpoint = argv[1].rstrip("/")
    region = argv[2] if len(argv) > 2 else "us-east-1"
    suffix = uuid.uuid4().hex[:12]
    user_name = f"paypulse-it-user-{suffix}"
    role_name = f"paypulse-it-role-{suffix}"

    iam = _client("iam", endpoint, region, BOOTSTRAP_KEY_ID, BOOTSTRAP_SECRET)

    # 1
    user = iam.create_user(UserName=user_name)["User"]
    user_arn = user["Arn"]
    account_id = user_arn.split(":")[4]
    # 2
    iam.put_user_policy(
        UserName=user_name,
        PolicyName="secrets-and-assume-role",
        PolicyDocument=_policy(
            [
                {"Effect": "Allow", "Action": SECRETS_MANAGER_ACTIONS, "Resource": "*"},
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
            ]
        ),
    )
    # 3
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    # 4
    role_arn = iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=_policy(
            [
                {
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": [user_arn, f"arn:aws:iam::{account_id}:root"]
                    },
                    "Action": "sts:AssumeRole",
                }
            ]
        ),
    )["Role"]["Arn"]
    # 5
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="secrets",
        PolicyDocument=_policy(
            [{"Effect": "Allow", "Action": SECRETS_MANAGER_ACTIONS, "Resource": "*"}]
        ),
    )

    # 6: from here on every call is authenticated.
    sts = _client(
        "sts", endpoint, region, key["AccessKeyId"], key["SecretAccessKey"]
    )
    session = sts.assume_role(RoleArn=role_arn, RoleSessionName=f"it-{suffix}")[
        "Credentials"
    ]

    # 7
    bogus = _client("sts", endpoint, region, "AKIAIAMNOTAREALKEY00", "not-a-real-secret")
    try:
        bogus.get_caller_identity()
    except ClientError as error:
        print(
            "auth enforcement confirmed: bogus key rejected with "
            + error.response.get("Error", {}).get("Code", "?"),
            file=sys.stderr,
        )
    else:
        print(
            "moto accepted a request signed with an unknown key after setup: "
            "INITIAL_NO_AUTH_ACTION_COUNT is higher than "
            f"{UNAUTHENTICATED_ACTIONS} or auth enforcement is off",
            file=sys.stderr,
        )
        return 3

    json.dump(
        {
            "user": {
                "accessKeyId": key["AccessKeyId"],
                "secretAccessKey": key["SecretAccessKey"],
            },
            "session": {
                "accessKeyId": session["AccessKeyId"],
                "secretAccessKey": session["SecretAccessKey"],
                "sessionToken": session["SessionToken"],
            },
            "userArn": user_arn,
            "roleArn": role_arn,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except ClientError as error:
        print(f"moto IAM setup failed: {error}", file=sys.stderr)
        sys.exit(1)
