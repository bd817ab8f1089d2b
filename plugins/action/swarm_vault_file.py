# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reads and writes an Ansible Vault file on the controller with the run's own vault password.

An action plugin, not a module: the vault secrets the run was given (--vault-password-file,
--ask-vault-password, ANSIBLE_VAULT_PASSWORD_FILE, vault ids) exist only in the controller's process.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat
import tempfile

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.parsing.vault import VaultLib, get_file_vault_secret, match_encrypt_secret
from ansible.plugins.action import ActionBase

try:  # ansible-core 2.19 and later
    from ansible.parsing.vault import VaultSecretsContext
except ImportError:  # pragma: no cover - older ansible-core
    VaultSecretsContext = None

NO_PASSWORD = (
    "The Ansible Vault file {path} needs a vault password, and this run was given none: pass --vault-password-file FILE or "
    "--ask-vault-password to ansible-playbook, or set ANSIBLE_VAULT_PASSWORD_FILE (or set "
    "vault_password_file for this file alone). Nothing was changed."
)

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    content=dict(type="str", no_log=True),
    vault_password_file=dict(type="path", no_log=False),
    mode=dict(type="raw", default="0600"),
)


def run_secrets(loader):
    """The (vault id, secret) pairs this ansible-playbook run was given."""
    if VaultSecretsContext is not None:
        context = VaultSecretsContext.current(optional=True)
        if context is not None and context.secrets:
            return list(context.secrets)
    vault = getattr(loader, "_vault", None)
    return list(getattr(vault, "secrets", None) or [])


def file_secrets(path, loader):
    """The secret of one password file (or script), as --vault-password-file would read it."""
    if not os.path.isfile(path):
        raise AnsibleError("vault_password_file %s does not exist." % path)
    secret = get_file_vault_secret(filename=path, vault_id="default", loader=loader)
    secret.load()
    return [("default", secret)]


def file_mode(mode):
    """The mode option as an int (given as an octal string like 0600, or as an int)."""
    if isinstance(mode, int):
        return mode
    try:
        return int(str(mode), 8)
    except ValueError:
        raise AnsibleError("mode must be an octal number like 0600, not %r." % (mode,))


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        path = args["path"]
        content = args["content"]
        try:
            mode = file_mode(args["mode"])
            if args["vault_password_file"]:
                secrets = file_secrets(args["vault_password_file"], self._loader)
            else:
                secrets = run_secrets(self._loader)
            if not secrets:
                raise AnsibleError(NO_PASSWORD.format(path=path))
            vault = VaultLib(secrets)
            vault_id, secret = match_encrypt_secret(secrets)
            current = self._read(vault, path)
            result.update(path=path, exists=current is not None, vault_id=to_text(vault_id))
            if content is None:
                # What a vault file holds is hidden, even where the task forgot no_log.
                result.update(changed=False, content=current, _ansible_no_log=True)
                return result
            mode_differs = current is not None and stat.S_IMODE(os.stat(path).st_mode) != mode
            result["changed"] = current != content or mode_differs
            if result["changed"] and not self._task.check_mode:
                if current != content:
                    self._write(path, vault.encrypt(content, secret=secret, vault_id=vault_id), mode)
                else:
                    os.chmod(path, mode)
        except AnsibleError as exc:
            result.update(failed=True, msg=to_text(exc))
        return result

    @staticmethod
    def _read(vault, path):
        """The decrypted text of path, or None when it does not exist."""
        if not os.path.exists(path):
            return None
        with open(path, "rb") as handle:
            data = handle.read()
        if not vault.is_encrypted(data):
            raise AnsibleError("%s exists but is not an Ansible Vault file; move it away or encrypt it." % path)
        try:
            return to_text(vault.decrypt(data))
        except AnsibleError as exc:
            raise AnsibleError("%s does not decrypt with the vault password this run was given: %s" % (path, to_native(exc)))

    @staticmethod
    def _write(path, data, mode):
        """Replaces path atomically, never leaving it readable by others."""
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise AnsibleError("The directory of %s does not exist." % path)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path))
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(to_bytes(data))
            os.chmod(temporary, mode)
            os.rename(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
