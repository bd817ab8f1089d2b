# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the swarm_configs role."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible.errors import AnsibleFilterError

KINDS = (('config', 'Configs', 'ConfigName'), ('secret', 'Secrets', 'SecretName'))


def swarm_configs_stale(lines, config_names, secret_names):
    """The versions of this scope's configs and secrets that are not current: those no service uses
    (to remove) and those a service still uses (kept, since Docker would refuse to remove them)."""
    used = dict((kind, set()) for kind, _field, _key in KINDS)
    listed = dict((kind, []) for kind, _field, _key in KINDS)
    for line in lines or []:
        kind, _sep, rest = str(line).partition(' ')
        if kind == 'service':
            try:
                spec = json.loads(rest)['TaskTemplate']['ContainerSpec']
            except (ValueError, KeyError, TypeError) as error:
                raise AnsibleFilterError('swarm_configs_stale: a service line is not a service spec (%s): %s'
                                         % (error, rest[:200]))
            for each, field, key in KINDS:
                used[each].update(item.get(key) for item in spec.get(field) or [])
        elif kind in listed:
            listed[kind].append(rest)
        elif kind:
            raise AnsibleFilterError('swarm_configs_stale: a line is neither a service, a config nor a secret: %s'
                                     % str(line)[:200])
    current = {'config': set((config_names or {}).values()), 'secret': set((secret_names or {}).values())}
    stale = {}
    for kind, _field, _key in KINDS:
        old = [name for name in listed[kind] if name not in current[kind]]
        stale[kind] = {'remove': [name for name in old if name not in used[kind]],
                       'kept': [name for name in old if name in used[kind]]}
    return stale


class FilterModule(object):

    def filters(self):
        return {'swarm_configs_stale': swarm_configs_stale}
