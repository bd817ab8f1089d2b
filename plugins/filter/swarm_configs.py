# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the swarm_configs role."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_bytes

KINDS = (('config', 'Configs', 'ConfigName'), ('secret', 'Secrets', 'SecretName'))
SOURCES = ('content', 'src', 'template')
NAMELESS = '(an item without a name)'
# Docker allows 64 characters in a name; the version suffix takes the hash and an underscore.
DOCKER_NAME_MAX = 64


def _name(item):
    name = item.get('name') if isinstance(item, dict) else None
    return NAMELESS if name in (None, '') else str(name)


def _digest(data, hash_length):
    # As the hash filter computes it, so that the names stay those of earlier versions of the role.
    return hashlib.sha256(to_bytes(data, errors='surrogate_or_strict')).hexdigest()[:int(hash_length)]


def swarm_configs_definition_problems(configs, secrets, hash_length):
    """What is wrong with the configs and secrets the inventory defines, one sentence per kind of
    mistake; empty when nothing is."""
    configs, secrets = list(configs or []), list(secrets or [])
    max_name = DOCKER_NAME_MAX - 1 - int(hash_length)
    problems = []
    bad_sources = [_name(config) for config in configs
                   if not isinstance(config, dict) or len([key for key in SOURCES if key in config]) != 1]
    if bad_sources:
        problems.append('Configs need exactly one of content, src and template: %s.' % ', '.join(bad_sources))
    pattern = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,%d}$' % (max_name - 1))
    bad_names = [_name(item) for item in configs + secrets if not pattern.match(_name(item))]
    if bad_names:
        problems.append('Names must start with a letter or digit, hold only letters, digits, _ . - and be at most'
                        ' %d characters long: %s.' % (max_name, ', '.join(bad_names)))
    duplicates = []
    for items in (configs, secrets):
        names = [_name(item) for item in items if _name(item) != NAMELESS]
        duplicates.extend(sorted(set(name for name in names if names.count(name) > 1)))
    if duplicates:
        problems.append('Listed more than once: %s.' % ', '.join(duplicates))
    return problems


def swarm_configs_versioned(configs, files, templates, hash_length):
    """Each config with its data and its versioned name. files and templates are the contents of the
    configs' src and template entries, in the order of the configs that have one."""
    files, templates = list(files or []), list(templates or [])
    versioned = []
    for config in configs or []:
        if 'content' in config:
            data = config['content']
        else:
            source, key = (files, 'src') if 'src' in config else (templates, 'template')
            if not source:
                raise AnsibleFilterError('swarm_configs_versioned: no data was read for the %s of config %s'
                                         % (key, _name(config)))
            data = source.pop(0)
        versioned.append({'name': config['name'], 'data': data, 'labels': config.get('labels') or {},
                          'versioned_name': '%s_%s' % (config['name'], _digest(data, hash_length))})
    if files or templates:
        raise AnsibleFilterError('swarm_configs_versioned: more file or template data than configs that read one')
    return versioned


def swarm_configs_secret_names(secrets, salt, hash_length):
    """Each secret's versioned name, by its inventory name: the salted value's hash, so that the name
    changes with the value without telling it."""
    return dict((secret['name'], '%s_%s' % (secret['name'], _digest('%s%s' % (salt or '', secret['value']), hash_length)))
                for secret in secrets or [])


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
        return {
            'swarm_configs_definition_problems': swarm_configs_definition_problems,
            'swarm_configs_secret_names': swarm_configs_secret_names,
            'swarm_configs_stale': swarm_configs_stale,
            'swarm_configs_versioned': swarm_configs_versioned,
        }
