"""swarm_manager_autolock (host_vars/hsw-mol-manager1.yml): the swarm is autolocked and its unlock
key is kept only in an Ansible Vault file on the controller."""

import os
import subprocess

import yaml

EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")
KEY_FILE = os.path.join(EPHEMERAL, "hsw-unlock-key.yml")
# The run's own vault password (molecule.yml), as a newcomer's --vault-password-file would be.
PASSWORD_FILE = os.environ["ANSIBLE_VAULT_PASSWORD_FILE"]


def test_swarm_is_autolocked(manager):
    assert manager.check_output(
        "docker info --format '{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}'") == "true"


def test_unlock_key_is_kept_only_in_its_vault_file(manager):
    with open(KEY_FILE) as handle:
        assert handle.readline().startswith("$ANSIBLE_VAULT;"), "the key file is not vault-encrypted"
    assert oct(os.stat(KEY_FILE).st_mode & 0o777) == "0o600"
    view = subprocess.run(["ansible-vault", "view", "--vault-password-file", PASSWORD_FILE, KEY_FILE],
                          capture_output=True, text=True, check=True)
    key = yaml.safe_load(view.stdout)["swarm_manager_unlock_key"]
    assert key.startswith("SWMKEY-") and key == manager.check_output("docker swarm unlock-key -q")
    with open(KEY_FILE) as handle:
        assert key not in handle.read()
