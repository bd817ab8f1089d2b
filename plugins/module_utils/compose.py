# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Compose files as C(docker stack deploy) reads them, for the swarm_stack role and modules.

Pure Python on plain data (no YAML library), so that it runs on the controller (the
homelab.swarm.swarm_stack_plan filter) and on the manager (the swarm_stack_deploy module):
- variables: C(${VAR}), C(${VAR:-default}), C(${VAR-default}), C(${VAR:?message}), C(${VAR?message}),
  C($VAR) and C($$), with the docker CLI's rules (cli/compose/template);
- merging several files in order, as C(docker stack deploy -c a.yml -c b.yml) does
  (cli/compose/loader/merge.go);
- the keys of the compose 3.x format, and which of them a swarm ignores or refuses.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import re


# ---------------------------------------------------------------------------------------------
# Variables

_NAME = r'[_a-zA-Z][_a-zA-Z0-9]*'
VARIABLE = re.compile(
    r'\$(?:(?P<escaped>\$)|(?P<named>%s)|\{(?P<braced>%s(?::?[-?][^}]*)?)\}|(?P<invalid>))' % (_NAME, _NAME)
)
_BRACED = re.compile(r'^(?P<name>%s)(?:(?P<op>:?[-?])(?P<arg>.*))?$' % _NAME, re.DOTALL)

# The top-level sections whose values the docker CLI interpolates.
INTERPOLATED_SECTIONS = ('services', 'networks', 'volumes', 'secrets', 'configs')


class InterpolationError(Exception):
    """A variable cannot be substituted; ``name`` is the variable, ``msg`` says why."""

    def __init__(self, msg, name=None):
        super(InterpolationError, self).__init__(msg)
        self.msg = msg
        self.name = name


def references(text):
    """The variables a string refers to, as (name, operator, argument) tuples, in order.

    The operator is '' for C(${VAR}) and C($VAR). Raises InterpolationError for a C($) that
    starts no variable and is not doubled.
    """
    found = []
    for match in VARIABLE.finditer(text):
        if match.group('escaped'):
            continue
        if match.group('named'):
            found.append((match.group('named'), '', None))
            continue
        if match.group('braced') is None:
            raise InterpolationError(
                'invalid variable syntax at "%s" (a literal $ is written $$)' % text[match.start():match.start() + 12])
        parts = _BRACED.match(match.group('braced'))
        found.append((parts.group('name'), parts.group('op') or '', parts.group('arg')))
    return found


def _resolve(name, op, arg, env):
    value = env.get(name)
    is_set = name in env and value is not None
    if op == ':-':
        return value if is_set and value != '' else arg
    if op == '-':
        return value if is_set else arg
    if op == ':?':
        if not is_set or value == '':
            raise InterpolationError('required variable %s is missing a value: %s' % (name, arg or 'not set'), name)
        return value
    if op == '?':
        if not is_set:
            raise InterpolationError('required variable %s is missing a value: %s' % (name, arg or 'not set'), name)
        return value
    if not is_set:
        raise InterpolationError('variable %s is not defined' % name, name)
    return value


def interpolate_string(text, env, escape=False):
    """C(text) with its variables substituted from C(env) and C($$) turned into C($).

    With C(escape), every C($) of the result is doubled again, so that the docker CLI, which
    interpolates once more, leaves the substituted values as they are.
    """
    def replace(match):
        if match.group('escaped'):
            return '$'
        if match.group('named'):
            return _text(_resolve(match.group('named'), '', None, env))
        if match.group('braced') is None:
            raise InterpolationError(
                'invalid variable syntax at "%s" (a literal $ is written $$)' % text[match.start():match.start() + 12])
        parts = _BRACED.match(match.group('braced'))
        return _text(_resolve(parts.group('name'), parts.group('op') or '', parts.group('arg'), env))

    result = VARIABLE.sub(replace, text)
    return result.replace('$', '$$') if escape else result


def _text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return u'%s' % value


def walk_strings(value, path=''):
    """Every string value under C(value) (mapping keys excluded), as (path, string)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk_strings(item, '%s.%s' % (path, key) if path else u'%s' % key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_strings(item, '%s[%d]' % (path, index))


def _map_strings(value, function, path=''):
    if isinstance(value, str):
        return function(path, value)
    if isinstance(value, dict):
        return dict((key, _map_strings(item, function, '%s.%s' % (path, key) if path else u'%s' % key))
                    for key, item in value.items())
    if isinstance(value, list):
        return [_map_strings(item, function, '%s[%d]' % (path, index)) for index, item in enumerate(value)]
    return value


def document_references(document):
    """The variables of a compose document's interpolated sections: {name: [path, ...]}."""
    found = {}
    for section in INTERPOLATED_SECTIONS:
        for path, text in walk_strings(document.get(section) or {}, section):
            for name, _op, _arg in references(text):
                found.setdefault(name, [])
                if path not in found[name]:
                    found[name].append(path)
    return found


def variable_problems(document, env):
    """What keeps the document's variables from being substituted from C(env): a list of
    (path, message), naming the variable and never a value."""
    problems = []
    for section in INTERPOLATED_SECTIONS:
        for path, text in walk_strings(document.get(section) or {}, section):
            try:
                interpolate_string(text, env)
            except InterpolationError as error:
                problems.append((path, error.msg))
    return problems


def interpolate_document(document, env, escape=True):
    """The document with every variable of its interpolated sections substituted from C(env).

    Raises InterpolationError naming the first variable that cannot be substituted.
    """
    result = dict(document)
    for section in INTERPOLATED_SECTIONS:
        if section in result:
            result[section] = _map_strings(result[section], lambda path, text: interpolate_string(text, env, escape))
    return result


def escape_dollars(value):
    """Every C($) of every string under C(value) doubled: literal text for the docker CLI."""
    return _map_strings(value, lambda path, text: text.replace('$', '$$'))


def parse_env_file(text):
    """An env file (KEY=VALUE lines, # comments, optional C(export) and quotes) as a dict."""
    env = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith('export '):
            line = line[len('export '):].lstrip()
        key, sep, value = line.partition('=')
        key = key.strip()
        if not sep or not re.match('^%s$' % _NAME, key):
            raise ValueError('line %d is not KEY=VALUE' % number)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
            value = value[1:-1]
        env[key] = value
    return env


# ---------------------------------------------------------------------------------------------
# The compose 3.x format (up to 3.9, what docker stack deploy 20.10 to 28 reads)

TOP_LEVEL_KEYS = ('version', 'services', 'networks', 'volumes', 'secrets', 'configs')

SERVICE_KEYS = frozenset((
    'build', 'cap_add', 'cap_drop', 'cgroup_parent', 'cgroupns_mode', 'command', 'configs', 'container_name',
    'credential_spec', 'depends_on', 'deploy', 'devices', 'dns', 'dns_search', 'domainname', 'entrypoint', 'env_file',
    'environment', 'expose', 'external_links', 'extra_hosts', 'healthcheck', 'hostname', 'image', 'init', 'ipc',
    'isolation', 'labels', 'links', 'logging', 'mac_address', 'network_mode', 'networks', 'pid', 'ports',
    'privileged', 'read_only', 'restart', 'secrets', 'security_opt', 'shm_size', 'stdin_open', 'stop_grace_period',
    'stop_signal', 'sysctls', 'tmpfs', 'tty', 'ulimits', 'user', 'userns_mode', 'volumes', 'working_dir',
))

# Valid compose that a swarm service does not honour: the docker CLI drops them (with a warning
# for most, silently for depends_on). What to do instead, where there is something.
IGNORED_SERVICE_KEYS = {
    'build': 'build and push the image, then refer to it with image',
    'cgroup_parent': None,
    'cgroupns_mode': None,
    'container_name': 'tasks are named <stack>_<service>.<slot>',
    'depends_on': 'swarm starts services in no order: let each one retry until what it needs answers',
    'devices': None,
    'domainname': None,
    'expose': 'services on the same network reach each other on any port',
    'external_links': None,
    'ipc': None,
    'links': 'services on the same network reach each other by service name',
    'mac_address': None,
    'network_mode': 'use networks',
    'pid': None,
    'privileged': None,
    'restart': 'use deploy.restart_policy',
    'security_opt': None,
    'shm_size': 'mount a tmpfs on /dev/shm',
    'userns_mode': None,
}

# Keys docker stack deploy refuses, and what it says to use.
REFUSED_SERVICE_KEYS = {
    'extends': 'not supported by docker stack deploy: write the service out, or merge several compose files',
    'volume_driver': 'define a named volume with a driver under the top-level volumes',
    'volumes_from': 'share a named volume between the services instead',
    'cpu_quota': 'use deploy.resources',
    'cpu_shares': 'use deploy.resources',
    'cpuset': 'use deploy.resources',
    'mem_limit': 'use deploy.resources.limits.memory',
    'memswap_limit': 'use deploy.resources',
}

DEPLOY_KEYS = frozenset((
    'mode', 'replicas', 'labels', 'update_config', 'rollback_config', 'resources', 'restart_policy', 'placement',
    'endpoint_mode',
))

NETWORK_KEYS = frozenset(('driver', 'driver_opts', 'ipam', 'external', 'internal', 'attachable', 'labels', 'name'))
VOLUME_KEYS = frozenset(('driver', 'driver_opts', 'external', 'labels', 'name'))
CONFIG_KEYS = frozenset(('file', 'external', 'labels', 'name', 'template_driver'))
SECRET_KEYS = frozenset(('file', 'external', 'labels', 'name', 'template_driver', 'driver', 'driver_opts'))
SECTION_KEYS = {'networks': NETWORK_KEYS, 'volumes': VOLUME_KEYS, 'configs': CONFIG_KEYS, 'secrets': SECRET_KEYS}


def is_extension(key):
    return isinstance(key, str) and key.startswith('x-')


def _scalar_text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return u'%s' % value


def mapping_from_list(value, separator='='):
    """Compose's list form of environment and labels (C(KEY=VALUE), or C(KEY) alone) as a dict.

    Raises ValueError naming the entry that is not a string.
    """
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict((u'%s' % key, _scalar_text(item)) for key, item in value.items())
    result = {}
    for entry in value:
        if not isinstance(entry, str):
            raise ValueError('entry %r is not a string of the form KEY%sVALUE' % (entry, separator))
        key, sep, item = entry.partition(separator)
        result[key] = item if sep else None
    return result


def _network_map(value):
    if isinstance(value, dict):
        return dict(value)
    return dict((name, None) for name in value or [])


def _source_of(entry):
    return entry.get('source') if isinstance(entry, dict) else entry


def _volume_target(entry):
    if isinstance(entry, dict):
        return entry.get('target')
    parts = u'%s' % entry
    fields = parts.split(':')
    if len(fields) == 1:
        return fields[0]
    return fields[1]


def _port_key(entry):
    return repr(sorted(entry.items())) if isinstance(entry, dict) else u'%s' % entry


def _published(entry):
    if isinstance(entry, dict):
        return int(entry.get('published') or 0)
    text = u'%s' % entry
    fields = text.split('/')[0].split(':')
    try:
        return int(fields[-2]) if len(fields) >= 2 else 0
    except ValueError:
        return 0


def _merge_keyed(base, override, key, sort):
    merged = dict((key(entry), entry) for entry in base or [])
    for entry in override or []:
        merged[key(entry)] = entry
    return sorted(merged.values(), key=sort)


# Lists that a later file replaces rather than extends: a command is one value, not a list of them.
_REPLACED_LISTS = ('command', 'entrypoint', 'test')


def _deep_merge(base, override):
    """mergo's WithOverride and WithAppendSlice on plain data: mappings merged, lists appended."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy.deepcopy(override)
    result = dict(base)
    for key, value in override.items():
        if key in result and isinstance(result[key], dict) and isinstance(value, dict):
            result[key] = _deep_merge(result[key], value)
        elif key in result and isinstance(result[key], list) and isinstance(value, list) and key not in _REPLACED_LISTS:
            result[key] = result[key] + list(value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def merge_services(base, override):
    """One service of a later compose file merged over the same service of an earlier one."""
    result = dict(base)
    for key, value in override.items():
        if key not in result or value is None:
            result[key] = copy.deepcopy(value)
        elif key in ('environment', 'labels'):
            merged = mapping_from_list(result[key])
            merged.update(mapping_from_list(value))
            result[key] = merged
        elif key == 'deploy' and isinstance(value, dict) and isinstance(result[key], dict):
            deploy = dict(result[key])
            for deploy_key, deploy_value in value.items():
                if deploy_key == 'labels' and deploy_key in deploy:
                    labels = mapping_from_list(deploy['labels'])
                    labels.update(mapping_from_list(deploy_value))
                    deploy['labels'] = labels
                elif deploy_key in deploy:
                    deploy[deploy_key] = _deep_merge(deploy[deploy_key], deploy_value)
                else:
                    deploy[deploy_key] = copy.deepcopy(deploy_value)
            result[key] = deploy
        elif key == 'networks':
            networks = _network_map(result[key])
            networks.update(_network_map(value))
            result[key] = networks
        elif key == 'ports':
            result[key] = _merge_keyed(result[key], value, _port_key, _published)
        elif key in ('secrets', 'configs'):
            result[key] = _merge_keyed(result[key], value, _source_of, lambda entry: u'%s' % _source_of(entry))
        elif key == 'volumes':
            result[key] = _merge_keyed(result[key], value, _volume_target, lambda entry: u'%s' % _volume_target(entry))
        elif key == 'logging' and isinstance(value, dict) and isinstance(result[key], dict):
            same = result[key].get('driver') in (None, value.get('driver')) or value.get('driver') is None
            if same:
                logging = dict(result[key])
                logging['driver'] = value.get('driver') or logging.get('driver')
                options = dict(logging.get('options') or {})
                options.update(value.get('options') or {})
                logging['options'] = options
                result[key] = dict((k, v) for k, v in logging.items() if v is not None)
            else:
                result[key] = copy.deepcopy(value)
        elif key == 'ulimits' and isinstance(value, dict) and isinstance(result[key], dict):
            ulimits = dict(result[key])
            ulimits.update(copy.deepcopy(value))
            result[key] = ulimits
        elif isinstance(result[key], list) and isinstance(value, list) and key not in _REPLACED_LISTS:
            result[key] = result[key] + copy.deepcopy(value)
        else:
            result[key] = _deep_merge(result[key], value)
    return result


def merge_documents(documents):
    """Compose documents merged in order, the way C(docker stack deploy -c a.yml -c b.yml) does:
    services merged key by key (ports, volumes, configs and secrets by their target or source),
    the top-level networks, volumes, configs and secrets replaced entry by entry."""
    if not documents:
        return {}
    result = copy.deepcopy(documents[0])
    for document in documents[1:]:
        services = dict(result.get('services') or {})
        for name, service in (document.get('services') or {}).items():
            if name in services and isinstance(services[name], dict) and isinstance(service, dict):
                services[name] = merge_services(services[name], service)
            else:
                services[name] = copy.deepcopy(service)
        if services or 'services' in result:
            result['services'] = services
        for section in ('networks', 'volumes', 'secrets', 'configs'):
            if document.get(section):
                merged = dict(result.get(section) or {})
                merged.update(copy.deepcopy(document[section]))
                result[section] = merged
        for key, value in document.items():
            if key not in ('services', 'networks', 'volumes', 'secrets', 'configs') and key not in result:
                result[key] = copy.deepcopy(value)
    return result
