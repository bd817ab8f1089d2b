#!/usr/bin/python
# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


DOCUMENTATION = r"""
module: swarm_vault_file

short_description: Read or write an Ansible Vault file on the controller with the run's vault password

version_added: 0.1.0

description:
  - Writes O(content) to O(path) on the controller, encrypted with Ansible Vault, or, without O(content), reads O(path) and
    returns what it holds in RV(content).
  - Uses the vault password this run of C(ansible-playbook) was given, however it was given (C(--vault-password-file),
    C(--ask-vault-password), E(ANSIBLE_VAULT_PASSWORD_FILE), C(--vault-id)), unless O(vault_password_file) names another.
    When there are several, it encrypts with the first one, as C(ansible-vault encrypt) with the same options would, and
    decrypts with any of them.
  - Fails, changing nothing, when the run was given no vault password, naming the ways to give one; when O(path) exists
    but is not a vault file; or when O(path) does not decrypt with the password.
  - A file that already holds O(content) is left as it is (only its mode is corrected), so the task is idempotent although
    every encryption differs.
  - Runs on the controller only (an action plugin); the task's host is not contacted.

author:
  - homelab.swarm maintainers (@homelab)

extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow

attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - The file is read and compared, never written.
  diff_mode:
    support: none
    details:
      - The content is a secret; it is never shown.
  platform:
    platforms: posix

options:
  path:
    description:
      - The vault file on the controller. Its directory must exist.
    type: path
    required: true
  content:
    description:
      - The text to keep in O(path), encrypted.
      - Without it, the module only reads O(path). It then also tells whether a vault password is available, which is how a
        preflight check can fail early.
    type: str
  vault_password_file:
    description:
      - A vault password file (or an executable script printing the password) to use instead of the run's vault password.
    type: path
  mode:
    description:
      - The permissions of O(path), as an octal number.
    type: raw
    default: "0600"

notes:
  - Set C(no_log) on a task that writes a secret, so that O(content) does not appear in the task's arguments. What a read
    returns is always hidden from the output.

seealso:
  - name: Ansible Vault
    description: Encrypting content with Ansible Vault.
    link: https://docs.ansible.com/ansible/latest/vault_guide/index.html
"""

EXAMPLES = r"""
- name: Keep the unlock key in its vault file
  homelab.swarm.swarm_vault_file:
    path: "{{ inventory_dir }}/unlock_key.vault.yml"
    content: "{{ {'swarm_manager_unlock_key': unlock_key} | to_nice_yaml }}"
  no_log: true

- name: Fail early when the run has no vault password to read or write the file with
  homelab.swarm.swarm_vault_file:
    path: "{{ inventory_dir }}/unlock_key.vault.yml"
  register: unlock_key_file

- name: Use what the file holds
  ansible.builtin.command:
    argv: [docker, swarm, unlock]
    stdin: "{{ (unlock_key_file.content | from_yaml).swarm_manager_unlock_key }}"
  when: unlock_key_file.exists
  no_log: true
"""

RETURN = r"""
path:
  description: The vault file.
  returned: success
  type: str
  sample: /home/me/homelab/inventories/home/unlock_key.vault.yml
exists:
  description: Whether O(path) existed before the task.
  returned: success
  type: bool
  sample: true
content:
  description: What O(path) holds, decrypted; V(null) when it does not exist. Hidden from the output.
  returned: success, when O(content) was not given
  type: str
vault_id:
  description: The vault id of the password that encrypts (V(default) for a password without an id).
  returned: success
  type: str
  sample: default
"""
