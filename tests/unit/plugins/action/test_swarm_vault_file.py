# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the homelab.swarm.swarm_vault_file action."""

from __future__ import annotations

import os
import stat
from unittest.mock import MagicMock

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.homelab.swarm.plugins.action.swarm_vault_file import ActionModule

PASSWORD = b'the-run-password'


def run(args, secrets=(('default', VaultSecret(PASSWORD)),), check_mode=False):
    task = MagicMock(args=args, check_mode=check_mode, diff=False, async_val=0)
    loader = DataLoader()
    loader.set_vault_secrets(list(secrets))
    action = ActionModule(task, MagicMock(), MagicMock(), loader, MagicMock(), MagicMock())
    return action.run(task_vars={})


def decrypt(path, password=PASSWORD):
    with open(path, 'rb') as handle:
        return VaultLib([('default', VaultSecret(password))]).decrypt(handle.read()).decode()


def test_writes_with_the_run_password_private_and_idempotent(tmp_path):
    path = str(tmp_path / 'key.vault.yml')
    first = run({'path': path, 'content': 'swarm_manager_unlock_key: SWMKEY-1\n'})
    assert first['changed'] and not first['exists'] and first['vault_id'] == 'default'
    assert decrypt(path) == 'swarm_manager_unlock_key: SWMKEY-1\n'
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, 'rb') as handle:
        written = handle.read()
    assert b'SWMKEY' not in written and written.startswith(b'$ANSIBLE_VAULT;')
    again = run({'path': path, 'content': 'swarm_manager_unlock_key: SWMKEY-1\n'})
    assert not again['changed'] and again['exists']
    with open(path, 'rb') as handle:
        assert handle.read() == written, 'the same content is not encrypted again'
    assert run({'path': path, 'content': 'swarm_manager_unlock_key: SWMKEY-2\n'})['changed']
    assert decrypt(path) == 'swarm_manager_unlock_key: SWMKEY-2\n'


def test_reads_hiding_what_it_returns(tmp_path):
    path = str(tmp_path / 'key.vault.yml')
    missing = run({'path': path})
    assert missing['exists'] is False and missing['content'] is None and not missing['changed']
    run({'path': path, 'content': 'secret'})
    read = run({'path': path})
    assert read['content'] == 'secret' and read['_ansible_no_log'] is True


def test_check_mode_writes_nothing(tmp_path):
    path = str(tmp_path / 'key.vault.yml')
    result = run({'path': path, 'content': 'secret'}, check_mode=True)
    assert result['changed'] and not os.path.exists(path)


def test_a_wrong_mode_alone_is_corrected(tmp_path):
    path = str(tmp_path / 'key.vault.yml')
    run({'path': path, 'content': 'secret'})
    os.chmod(path, 0o644)
    result = run({'path': path, 'content': 'secret'})
    assert result['changed'] and stat.S_IMODE(os.stat(path).st_mode) == 0o600 and decrypt(path) == 'secret'


@pytest.mark.parametrize('args', [{'content': 'secret'}, {}])
def test_no_vault_password_fails_naming_the_ways_to_give_one(tmp_path, args):
    path = str(tmp_path / 'key.vault.yml')
    result = run(dict(args, path=path), secrets=())
    assert result['failed']
    for way in ('--vault-password-file', '--ask-vault-password', 'ANSIBLE_VAULT_PASSWORD_FILE'):
        assert way in result['msg']
    assert path in result['msg'] and not os.path.exists(path)


def test_a_password_file_of_its_own_is_used_instead_of_the_run_password(tmp_path):
    path = str(tmp_path / 'key.vault.yml')
    password_file = tmp_path / 'own-password'
    password_file.write_text('own-password\n')
    result = run({'path': path, 'content': 'secret', 'vault_password_file': str(password_file)}, secrets=())
    assert result['changed'] and decrypt(path, b'own-password') == 'secret'
    missing = run({'path': path, 'vault_password_file': str(tmp_path / 'nope')})
    assert missing['failed'] and 'vault_password_file %s does not exist' % (tmp_path / 'nope') in missing['msg']


def test_a_file_of_another_password_or_not_a_vault_fails_unchanged(tmp_path):
    path = tmp_path / 'key.vault.yml'
    run({'path': str(path), 'content': 'secret'}, secrets=(('default', VaultSecret(b'other')),))
    before = path.read_bytes()
    wrong = run({'path': str(path), 'content': 'new'})
    assert wrong['failed'] and 'does not decrypt with the vault password' in wrong['msg']
    assert path.read_bytes() == before
    path.write_text('plain: text\n')
    plain = run({'path': str(path)})
    assert plain['failed'] and 'is not an Ansible Vault file' in plain['msg']


def test_a_missing_directory_fails_clearly(tmp_path):
    path = str(tmp_path / 'no-such-dir' / 'key.vault.yml')
    result = run({'path': path, 'content': 'secret'})
    assert result['failed'] and 'The directory of %s does not exist' % path in result['msg']
