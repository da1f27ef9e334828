#!/usr/bin/env python3
"""Run moto_server with one Secrets Manager staging-label bug corrected.

Usage: moto_launcher.py [moto_server arguments, e.g. -H 127.0.0.1 -p 5000]

Targets moto 5.2.x (written against 5.2.1, moto/secretsmanager/models.py). Any other
moto version makes the launcher exit with code 4 instead of running unpatched; a
missing moto makes it exit with code 3.

The bug (moto 5.2.1): UpdateSecretVersionStage moves the AWSCURRENT label but leaves
FakeSecret.default_version_id on the old version. moto uses default_version_id, not
the label, both for a plain GetSecretValue (so it keeps returning the old value) and
for the version the next plain PutSecretValue/UpdateSecret demotes (so it demotes the
wrong one and two versions end up labelled AWSCURRENT). Independently, the demotion
(FakeSecret.reset_default_version) replaces all of the demoted version's labels with
["AWSPREVIOUS"], dropping labels such as a private compare-and-swap label.

What AWS documents, and what the two patches below restore:
  * UpdateSecretVersionStage moving AWSCURRENT makes MoveToVersionId the current
    version (the one GetSecretValue returns by default) and moves AWSPREVIOUS to the
    version AWSCURRENT was removed from. moto already does the label part; patch (a)
    makes the default version follow AWSCURRENT.
  * PutSecretValue/UpdateSecret with AWSCURRENT (the default) move AWSCURRENT from the
    version that holds it to the new version and AWSPREVIOUS to the demoted version;
    labels other than AWSCURRENT/AWSPREVIOUS stay where they are. Patch (b).

Everything else is moto's own code: the patched methods wrap or replace exactly these
two methods, and then moto.server:main (the moto_server entry point) runs with our
arguments.
"""

import sys

SUPPORTED_MOTO = "5.2."
EXIT_MOTO_MISSING = 3
EXIT_MOTO_UNSUPPORTED = 4

AWSCURRENT = "AWSCURRENT"
AWSPREVIOUS = "AWSPREVIOUS"


def _fail(code, message):
    print(f"moto_launcher: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


try:
    import moto
    import moto.server
    from moto.secretsmanager import models
except ImportError as error:
    _fail(
        EXIT_MOTO_MISSING,
        f"moto (pip package moto[server]) is not importable by {sys.executable}: {error}",
    )

if not moto.__version__.startswith(SUPPORTED_MOTO):
    _fail(
        EXIT_MOTO_UNSUPPORTED,
        f"moto {moto.__version__} is installed, but this launcher only knows how to patch "
        f"moto {SUPPORTED_MOTO}x; check the staging-label bug in "
        "moto/secretsmanager/models.py and update moto_launcher.py.",
    )

for owner, name in (
    (models.SecretsManagerBackend, "update_secret_version_stage"),
    (models.FakeSecret, "reset_default_version"),
    (models.FakeSecret, "set_default_version_id"),
):
    if not callable(getattr(owner, name, None)):
        _fail(
            EXIT_MOTO_UNSUPPORTED,
            f"moto {moto.__version__} has no {owner.__name__}.{name}; cannot patch it.",
        )


def _holders(secret, label):
    """The version ids that carry label, in moto's (insertion) order."""
    return [vid for vid, version in secret.versions.items() if label in version["version_stages"]]


# (a) The default version follows AWSCURRENT when UpdateSecretVersionStage moves it.
_stock_update_secret_version_stage = models.SecretsManagerBackend.update_secret_version_stage


def update_secret_version_stage(
    self, secret_id, version_stage, remove_from_version_id, move_to_version_id
):
    result = _stock_update_secret_version_stage(
        self,
        secret_id=secret_id,
        version_stage=version_stage,
        remove_from_version_id=remove_from_version_id,
        move_to_version_id=move_to_version_id,
    )
    # moto has validated the move and moved the labels (it raised otherwise).
    if version_stage == AWSCURRENT and move_to_version_id:
        secret = self.secrets[secret_id]
        secret = getattr(secret, "source", secret)  # a ReplicaSecret delegates to its source
        secret.set_default_version_id(move_to_version_id)
    return result


# (b) A plain put demotes the version that holds AWSCURRENT, and only moves the two AWS labels.
def reset_default_version(self, secret_version, version_id):
    # Called by moto with the new version, whose labels include AWSCURRENT.
    others = [vid for vid in _holders(self, AWSCURRENT) if vid != version_id]
    if self.default_version_id in others:
        demoted = self.default_version_id
    elif others:
        demoted = others[0]
    elif self.default_version_id in self.versions and self.default_version_id != version_id:
        demoted = self.default_version_id  # nothing holds AWSCURRENT: stock moto's choice
    else:
        demoted = None

    if demoted is not None:
        for vid in _holders(self, AWSPREVIOUS):
            self.versions[vid]["version_stages"].remove(AWSPREVIOUS)
        for vid in others:
            self.versions[vid]["version_stages"].remove(AWSCURRENT)
        self.versions[demoted]["version_stages"].append(AWSPREVIOUS)

    self.versions[version_id] = secret_version
    self.set_default_version_id(version_id)


models.SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage
models.FakeSecret.reset_default_version = reset_default_version


if __name__ == "__main__":
    print(
        f"moto_launcher: moto {moto.__version__} with the staging-label patch",
        file=sys.stderr,
        flush=True,
    )
    sys.exit(moto.server.main(sys.argv[1:]))
