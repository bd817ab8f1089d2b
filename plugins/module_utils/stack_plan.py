# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One entry of swarm_stacks turned into the compose document to deploy, with what is wrong with it.

Used on the controller by the homelab.swarm.swarm_stack_plan filter. A stack comes either from
compose files (already rendered by Ansible's template lookup and parsed) or from the inventory's
service definitions; both end as one compose document whose variables are still unsubstituted,
so that it can be kept on the manager and shown without any value of the stack's env.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import hashlib
import os
import re

from ansible_collections.homelab.swarm.plugins.module_utils import checks, compose

STACK_NAME = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9_-]*$')
STACK_KEYS = frozenset((
    'name', 'state', 'compose', 'services', 'service_defaults', 'networks', 'volumes', 'env', 'env_file', 'images',
    'prune', 'resolve_image', 'with_registry_auth', 'wait', 'wait_timeout',
))
STATES = ('present', 'absent')
RESOLVE_IMAGE = ('always', 'changed', 'never')

# The inventory form's own keys, on top of every compose service key.
SHORTHAND_KEYS = frozenset((
    'mode', 'replicas', 'max_replicas_per_node', 'constraints', 'preferences', 'endpoint_mode', 'container_labels',
    'restart_policy', 'update_config', 'rollback_config', 'resources', 'extra',
))
# Compose keys the inventory form writes itself (labels are the service's there, as deploy.labels).
_SCALARS = ('command', 'entrypoint', 'hostname', 'user', 'working_dir', 'stop_grace_period', 'stop_signal', 'init',
            'read_only')
_BLOCKS = ('volumes', 'tmpfs', 'extra_hosts', 'dns', 'sysctls', 'ulimits', 'healthcheck', 'logging')

HASH_LENGTH = 12


def plain_data(value):
    """The value with every mapping a dict and every list or tuple a list, all the way down."""
    if isinstance(value, dict):
        return dict((key, plain_data(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain_data(item) for item in value]
    return value


def _combine(base, override):
    """Ansible's combine(recursive=true): mappings merged, everything else replaced."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy.deepcopy(override)
    result = dict(base)
    for key, value in override.items():
        result[key] = _combine(result[key], value) if key in result else copy.deepcopy(value)
    return result


def _is_vaulted(value):
    name = type(value).__name__
    return 'Vault' in name or name == 'EncryptedString'


def _vaulted_paths(value, path):
    if _is_vaulted(value):
        return [path]
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_vaulted_paths(item, '%s.%s' % (path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_vaulted_paths(item, '%s[%d]' % (path, index)))
    return found


def _mode(value):
    if isinstance(value, str):
        return int(value, 8)
    return int(value)


def _mount(ref):
    ref = dict(ref) if isinstance(ref, dict) else {'source': ref}
    out = {'source': ref['source']}
    for key in ('target', 'uid', 'gid'):
        if key in ref:
            out[key] = u'%s' % ref[key]
    if 'mode' in ref:
        out['mode'] = _mode(ref['mode'])
    return out


class StackPlanner(object):
    """Builds the plan of one stack; problems and warnings are collected, never raised."""

    def __init__(self, stack, sources=None, env=None, config_names=None, secret_names=None, service_defaults=None,
                 guarded_secrets=None, read_file=None, nodes=None):
        self.stack = stack if isinstance(stack, dict) else {}
        self.sources = sources or []
        self.env = dict(env or {})
        self.config_names = config_names or {}
        self.secret_names = secret_names or {}
        self.service_defaults = service_defaults or {}
        self.guarded = [s for s in guarded_secrets or [] if isinstance(s, dict) and len(u'%s' % s.get('value', '')) >= 6]
        self.read_file = read_file or _read_file
        self.nodes = nodes or []
        self.name = u'%s' % self.stack.get('name', '') if isinstance(stack, dict) else ''
        self.problems = []
        self.warnings = []
        self.configs = []

    # -- messages -------------------------------------------------------------------------------

    def problem(self, where, text):
        self.problems.append('Stack %s%s: %s' % (self.name or '(no name)', (', ' + where) if where else '', text))

    def warn(self, where, text):
        self.warnings.append('Stack %s%s: %s' % (self.name or '(no name)', (', ' + where) if where else '', text))

    # -- entry point ----------------------------------------------------------------------------

    def plan(self):
        stack = self.stack
        if not isinstance(self.stack, dict) or not self.stack:
            self.problems.append('Every entry of swarm_stacks must be a mapping with a name, not %r.' % (stack,))
            return self.result(None)
        if not STACK_NAME.match(self.name):
            self.problem('', 'the name %r is not a valid stack name (letters, digits, _ and -, starting with a letter '
                             'or digit)' % self.name)
        unknown = sorted(u'%s' % key for key in stack if key not in STACK_KEYS)
        if unknown:
            self.problem('', 'unknown keys %s (valid: %s)' % (', '.join(unknown), ', '.join(sorted(STACK_KEYS))))
        state = stack.get('state', 'present')
        if state not in STATES:
            self.problem('state', '%r is not one of %s' % (state, ', '.join(STATES)))
        if stack.get('resolve_image', 'never') not in RESOLVE_IMAGE:
            self.problem('resolve_image', '%r is not one of %s' % (stack.get('resolve_image'), ', '.join(RESOLVE_IMAGE)))
        if not isinstance(stack.get('env', {}), dict):
            self.problem('env', 'must be a mapping of variable names to values')
        if state == 'absent':
            return self.result(None)
        has_compose, has_services = bool(stack.get('compose')), stack.get('services') is not None
        if has_compose == has_services:
            self.problem('', 'give exactly one of compose (compose files) and services (inventory definitions)')
            return self.result(None)
        document = self.from_compose() if has_compose else self.from_services()
        if document is None:
            return self.result(None)
        self.check_document(document)
        return self.result(document)

    def result(self, document):
        refs = compose.document_references(document) if document else {}
        if document is not None:
            for path, message in compose.variable_problems(document, self.env):
                self.problem(path, message + self._where_variable(path))
        return {
            'name': self.name,
            'state': self.stack.get('state', 'present') if isinstance(self.stack, dict) else 'present',
            'document': document,
            'problems': self.problems,
            'notices': self.warnings,
            'variables': sorted(refs),
            'configs': self.configs,
            'needs_ipvs': ['%s_%s' % (self.name, found) for found in self.needs_ipvs(document)] if document else [],
            'networks_created': self.created_networks(document),
            'ingress_ports': [[port, protocol, service] for (port, protocol), service
                              in sorted(checks.published_ports(document, self.name).items())] if document else [],
        }

    def _where_variable(self, path):
        if not self.sources:
            return ''
        service = path.split('.')[1] if path.startswith('services.') else None
        files = [s['path'] for s in self.sources
                 if service is None or service in ((s.get('document') or {}).get('services') or {})]
        return ' (in %s; define it in the env of the stack or in its env_file)' % ', '.join(files or [s['path'] for s in self.sources])

    # -- compose files ----------------------------------------------------------------------------

    def from_compose(self):
        documents = []
        for source in self.sources:
            path, document = source['path'], source.get('document')
            if source.get('error'):
                self.problem('file ' + path, source['error'])
                continue
            if document is None:
                document = {}
            if not isinstance(document, dict):
                self.problem('file ' + path, 'a compose file must be a mapping with services, not %s' % type(document).__name__)
                continue
            if self.check_file(path, document):
                documents.append(self.normalize_file(path, document))
        if not documents:
            return None
        document = compose.merge_documents(documents)
        document.setdefault('version', '3.8')
        return self.order(document)

    def check_file(self, path, document):
        """Per-file checks, naming the file; False when the file cannot be used at all."""
        where = 'file ' + path
        for key in document:
            if key not in compose.TOP_LEVEL_KEYS and not compose.is_extension(key):
                self.problem(where, 'unknown top-level key %r (valid: %s, or x-* extensions)'
                             % (key, ', '.join(compose.TOP_LEVEL_KEYS)))
        version = document.get('version')
        if version is not None and not re.match(r'^3(\.[0-9]+)?$', u'%s' % version):
            self.problem(where, 'version %r is not a 3.x compose file version, which docker stack deploy needs' % (version,))
        services = document.get('services')
        if services is not None and not isinstance(services, dict):
            self.problem(where, 'services must be a mapping of service names to definitions')
            return False
        for name, service in (services or {}).items():
            here = '%s, service %s' % (where, name)
            if not isinstance(service, dict):
                self.problem(here, 'a service must be a mapping, not %r' % (service,))
                continue
            for key in service:
                if compose.is_extension(key):
                    continue
                if key in compose.REFUSED_SERVICE_KEYS:
                    self.problem(here, 'key %s is not supported by swarm: %s' % (key, compose.REFUSED_SERVICE_KEYS[key]))
                elif key not in compose.SERVICE_KEYS:
                    self.problem(here, 'unknown key %r (misspelt? see the compose file version 3 reference)' % (key,))
            deploy = service.get('deploy')
            if deploy is not None and not isinstance(deploy, dict):
                self.problem(here, 'key deploy must be a mapping')
            for key in deploy or {} if isinstance(deploy, dict) else {}:
                if key not in compose.DEPLOY_KEYS and not compose.is_extension(key):
                    self.problem(here, 'unknown key deploy.%s (valid: %s)' % (key, ', '.join(sorted(compose.DEPLOY_KEYS))))
            for key, value in (('environment', service.get('environment')), ('labels', service.get('labels')),
                               ('deploy.labels', (deploy or {}).get('labels') if isinstance(deploy, dict) else None)):
                self.check_mapping(here, key, value)
        for section, keys in compose.SECTION_KEYS.items():
            entries = document.get(section)
            if entries is not None and not isinstance(entries, dict):
                self.problem(where, 'top-level %s must be a mapping' % section)
                continue
            for name, entry in (entries or {}).items():
                if entry is None:
                    continue
                if not isinstance(entry, dict):
                    self.problem('%s, %s %s' % (where, section[:-1], name), 'must be a mapping')
                    continue
                for key in entry:
                    if key not in keys and not compose.is_extension(key):
                        self.problem('%s, %s %s' % (where, section[:-1], name),
                                     'unknown key %r (valid: %s)' % (key, ', '.join(sorted(keys))))
        return True

    def check_mapping(self, where, key, value):
        if value is None:
            return
        if isinstance(value, dict):
            for name, item in value.items():
                if isinstance(item, (dict, list)):
                    self.problem(where, '%s %s must be a string, number or boolean, not a %s'
                                 % (key, name, 'mapping' if isinstance(item, dict) else 'list'))
        elif isinstance(value, list):
            for item in value:
                if not isinstance(item, str):
                    self.problem(where, '%s entry %r must be a string NAME=VALUE' % (key, item))
        else:
            self.problem(where, '%s must be a mapping or a list of NAME=VALUE strings' % key)

    def normalize_file(self, path, document):
        """One file made ready to merge: environment and labels as mappings, env files inlined,
        configs from files made into versioned swarm configs, inventory configs and secrets
        referred to by their versioned names, keys swarm ignores dropped with a warning."""
        document = copy.deepcopy(document)
        base = os.path.dirname(path)
        for name in [n for n, service in (document.get('services') or {}).items() if not isinstance(service, dict)]:
            del document['services'][name]
        for section in ('networks', 'volumes', 'configs', 'secrets'):
            if not isinstance(document.get(section) or {}, dict):
                del document[section]
        for name, service in (document.get('services') or {}).items():
            ignored = sorted(key for key in service if key in compose.IGNORED_SERVICE_KEYS)
            if ignored:
                hints = ['%s (%s)' % (key, compose.IGNORED_SERVICE_KEYS[key]) if compose.IGNORED_SERVICE_KEYS[key] else key
                         for key in ignored]
                self.warn('file %s, service %s' % (path, name), 'swarm ignores %s; not deployed.' % '; '.join(hints))
                for key in ignored:
                    del service[key]
            env = {}
            env_files = service.pop('env_file', None)
            for env_file in [env_files] if isinstance(env_files, str) else env_files or []:
                full = env_file if os.path.isabs(env_file) else os.path.join(base, env_file)
                try:
                    env.update(compose.parse_env_file(self.read_file(full)))
                except (IOError, OSError) as error:
                    self.problem('file %s, service %s' % (path, name), 'env_file %s cannot be read: %s' % (env_file, error))
                except ValueError as error:
                    self.problem('file %s, service %s' % (path, name), 'env_file %s: %s' % (env_file, error))
            # Bad entries were reported by check_file; what cannot be read as a mapping is left as it is.
            try:
                if 'environment' in service or env:
                    env.update(compose.mapping_from_list(service.get('environment')))
                    service['environment'] = env
                if 'labels' in service:
                    service['labels'] = compose.mapping_from_list(service['labels'])
                deploy = service.get('deploy')
                if isinstance(deploy, dict) and 'labels' in deploy:
                    deploy['labels'] = compose.mapping_from_list(deploy['labels'])
            except (ValueError, AttributeError, TypeError):
                pass
        for kind, names in (('configs', self.config_names), ('secrets', self.secret_names)):
            for key, entry in list((document.get(kind) or {}).items()):
                if entry is not None and not isinstance(entry, dict):
                    continue
                entry = dict(entry or {})
                if entry.get('file') is not None:
                    if kind == 'secrets':
                        self.problem('file %s, secret %s' % (path, key),
                                     'a secret from a file would be read on the manager: put its value in '
                                     'swarm_configs_secrets (from Ansible Vault) and declare it here as external: true')
                        continue
                    full = entry['file'] if os.path.isabs(entry['file']) else os.path.join(base, entry['file'])
                    try:
                        data = self.read_file(full)
                    except (IOError, OSError) as error:
                        self.problem('file %s, config %s' % (path, key), 'file %s cannot be read: %s' % (entry['file'], error))
                        continue
                    versioned = '%s_%s_%s' % (self.name, key, hashlib.sha256(data.encode('utf-8')).hexdigest()[:HASH_LENGTH])
                    labels = dict(entry.get('labels') or {})
                    labels['io.homelab.swarm.name'] = key
                    self.configs.append({'name': versioned, 'data': data, 'labels': labels})
                    document[kind][key] = {'external': True, 'name': versioned}
                elif entry.get('external') and 'name' not in entry and key in names:
                    document[kind][key] = {'external': True, 'name': names[key]}
        return document

    @staticmethod
    def order(document):
        ordered = {}
        for key in compose.TOP_LEVEL_KEYS:
            if key in document:
                ordered[key] = document[key]
        for key in document:
            if key not in ordered:
                ordered[key] = document[key]
        return ordered

    # -- inventory services ---------------------------------------------------------------------

    def from_services(self):
        services = self.stack.get('services')
        if isinstance(services, list):
            listed = {}
            for service in services:
                if not isinstance(service, dict) or 'name' not in service:
                    self.problem('services', 'a list of services needs a name in each entry')
                    return None
                listed[service['name']] = dict((k, v) for k, v in service.items() if k != 'name')
            services = listed
        if not isinstance(services, dict):
            self.problem('services', 'must be a mapping of service names to definitions')
            return None
        defaults = _combine(self.service_defaults, self.stack.get('service_defaults') or {})
        for path in _vaulted_paths(services, 'services') + _vaulted_paths(defaults, 'service_defaults'):
            self.problem(path, 'comes from Ansible Vault and would be written into the stack file: make it a '
                               'secret, or use the compose form with the value in env')
        rendered = {}
        refs = {'configs': [], 'secrets': []}
        networks_used = []
        for name, definition in services.items():
            if not isinstance(definition, dict):
                self.problem('service %s' % name, 'must be a mapping')
                continue
            service = _combine(defaults, definition)
            try:
                rendered[name] = self.service_from_inventory(name, service, refs, networks_used)
            except (ValueError, TypeError, AttributeError, KeyError) as error:
                self.problem('service %s' % name, 'cannot be read: %s' % error)
        document = {'version': '3.8', 'services': rendered}
        stack_networks = self.stack.get('networks') or {}
        if networks_used:
            document['networks'] = dict(
                (network, copy.deepcopy(stack_networks[network]) or {} if network in stack_networks
                 else {'external': True, 'name': network}) for network in networks_used)
        for kind, names in (('configs', self.config_names), ('secrets', self.secret_names)):
            sources = []
            for source in refs[kind]:
                if source not in sources:
                    sources.append(source)
            missing = [source for source in sources if source not in names]
            for source in missing:
                self.problem('', 'a service uses %s %s, which is not in swarm_configs_%s (known: %s)'
                             % (kind[:-1], source, kind, ', '.join(sorted(names)) or 'none'))
            if sources and not missing:
                document[kind] = dict((source, {'external': True, 'name': names[source]}) for source in sources)
        if self.stack.get('volumes'):
            document['volumes'] = copy.deepcopy(self.stack['volumes'])
        return compose.escape_dollars(document)

    def service_from_inventory(self, name, service, refs, networks_used):
        here = 'service %s' % name
        unknown = sorted(key for key in service if key not in SHORTHAND_KEYS and key not in compose.SERVICE_KEYS
                         and not compose.is_extension(key))
        if unknown:
            self.problem(here, 'unknown keys %s (misspelt? any compose service key is accepted)' % ', '.join(unknown))
        for path, text in compose.walk_strings(service, here):
            if '${' in text:
                self.warn(path, 'the inventory form writes %r literally (every $ is doubled); use an Ansible '
                                'variable, or the compose form with the value in env' % text)
                break
        mode = service.get('mode', 'replicated')
        if mode not in ('replicated', 'global'):
            self.problem(here, 'mode must be replicated or global, not %r' % (mode,))
        if mode == 'global' and 'replicas' in service:
            self.problem(here, 'is global: it cannot have replicas')
        out = {}
        if 'image' in service:
            out['image'] = service['image']
        for key in _SCALARS:
            if key in service:
                out[key] = service[key]
        if service.get('environment'):
            self.check_mapping(here, 'environment', service['environment'])
            out['environment'] = compose.mapping_from_list(service['environment'])
        if service.get('networks'):
            out['networks'] = copy.deepcopy(service['networks'])
            for network in (service['networks'] if isinstance(service['networks'], list) else service['networks'].keys()):
                if network not in networks_used:
                    networks_used.append(network)
        if service.get('ports'):
            out['ports'] = copy.deepcopy(service['ports'])
        for kind in ('configs', 'secrets'):
            if service.get(kind):
                out[kind] = [_mount(ref) for ref in service[kind]]
                refs[kind].extend(mount['source'] for mount in out[kind])
        for key in _BLOCKS:
            if key in service:
                out[key] = copy.deepcopy(service[key])
        if service.get('container_labels'):
            self.check_mapping(here, 'container_labels', service['container_labels'])
            out['labels'] = compose.mapping_from_list(service['container_labels'])
        passthrough = set(compose.SERVICE_KEYS) - set(out) - set(_SCALARS) - set(_BLOCKS) - set(
            ('image', 'environment', 'networks', 'ports', 'configs', 'secrets', 'labels', 'deploy'))
        for key in sorted(passthrough):
            if key in service:
                out[key] = copy.deepcopy(service[key])
        deploy = copy.deepcopy(service.get('deploy') or {})
        shorthand = {'mode': mode}
        if mode == 'replicated':
            shorthand['replicas'] = int(service.get('replicas', deploy.get('replicas', 1)))
        if 'endpoint_mode' in service:
            shorthand['endpoint_mode'] = service['endpoint_mode']
        placement = {}
        if service.get('constraints'):
            placement['constraints'] = copy.deepcopy(service['constraints'])
        if service.get('preferences'):
            placement['preferences'] = copy.deepcopy(service['preferences'])
        if 'max_replicas_per_node' in service:
            placement['max_replicas_per_node'] = int(service['max_replicas_per_node'])
        if placement:
            shorthand['placement'] = placement
        if service.get('labels'):
            self.check_mapping(here, 'labels', service['labels'])
            shorthand['labels'] = compose.mapping_from_list(service['labels'])
        if service.get('resources'):
            resources = {}
            for kind, limits in service['resources'].items():
                limits = dict(limits or {})
                if 'cpus' in limits:
                    limits['cpus'] = u'%s' % limits['cpus']
                resources[kind] = limits
            shorthand['resources'] = resources
        for key in ('restart_policy', 'update_config', 'rollback_config'):
            if key in service:
                shorthand[key] = copy.deepcopy(service[key])
        for key, value in shorthand.items():
            if key in deploy and key not in ('mode', 'replicas') and deploy[key] != value:
                self.problem(here, '%s is set both as %s and under deploy: set it once' % (key, key))
        if 'replicas' in deploy and 'replicas' in service and int(deploy['replicas']) != int(service['replicas']):
            self.problem(here, 'replicas is set both as replicas and under deploy: set it once')
        if 'mode' in deploy and 'mode' in service and deploy['mode'] != service['mode']:
            self.problem(here, 'mode is set both as mode and under deploy: set it once')
        deploy_out = {}
        deploy_out.update(shorthand)
        for key, value in deploy.items():
            if key == 'mode' and 'mode' not in service:
                deploy_out['mode'] = value
                if value == 'global':
                    deploy_out.pop('replicas', None)
            elif key not in deploy_out:
                deploy_out[key] = value
        out['deploy'] = deploy_out
        extra = copy.deepcopy(service.get('extra') or {})
        if isinstance(extra.get('deploy'), dict):
            out['deploy'] = _combine(out['deploy'], extra.pop('deploy'))
        out.update(extra)
        return out

    # -- checks on the final document ---------------------------------------------------------------

    def check_document(self, document):
        services = document.get('services') or {}
        if not services:
            self.problem('', 'defines no service')
        for name, service in services.items():
            for text in checks.service_problems(name, service):
                self.problem('', text)
        for text in checks.stack_problems(document):
            self.problem('', text)
        self.warnings.extend('Stack %s, %s' % (self.name, text) for text in checks.inventory_notices(
            document, self.name, self.nodes))
        declared = dict((section, document.get(section) or {}) for section in ('networks', 'volumes', 'configs', 'secrets'))
        for name, service in services.items():
            here = 'service %s' % name
            if not service.get('image'):
                self.problem(here, 'has no image (a swarm cannot build one: build and push it, then name it here)')
            for network in (service.get('networks') or {}):
                if network not in declared['networks'] and network != 'default':
                    self.problem(here, 'uses network %s, which the stack does not declare under networks' % network)
            for kind in ('configs', 'secrets'):
                for ref in service.get(kind) or []:
                    source = ref.get('source') if isinstance(ref, dict) else ref
                    if source not in declared[kind]:
                        self.problem(here, 'uses %s %s, which the stack does not declare under %s' % (kind[:-1], source, kind))
            for volume in service.get('volumes') or []:
                self.check_volume(here, volume, declared['volumes'], service)
            text = u'%s' % (service,)
            for secret in self.guarded:
                value = u'%s' % secret['value']
                if value in text:
                    self.problem(here, 'holds the value of secret %s: list the secret under the secrets of the service '
                                       'and read it from /run/secrets/%s' % (secret.get('name'), secret.get('name')))

    def check_volume(self, where, volume, declared, service):
        if isinstance(volume, dict):
            kind, source = volume.get('type', 'volume'), volume.get('source')
        else:
            fields = u'%s' % volume
            parts = fields.split(':')
            source = parts[0] if len(parts) > 1 else None
            kind = 'bind' if source and (source.startswith(('/', '.', '~'))) else 'volume'
        if kind == 'volume' and source and source not in declared:
            self.problem(where, 'mounts volume %s, which the stack does not declare under volumes' % source)
        elif kind == 'bind' and source:
            if not source.startswith('/'):
                self.problem(where, 'bind mount %s is a relative path: on a swarm it would be looked up on each '
                                    'node. Use an absolute path, a named volume or a config' % source)
            else:
                constraints = ((service.get('deploy') or {}).get('placement') or {}).get('constraints') or []
                if not constraints:
                    self.warn(where, 'bind mount %s must exist on every node the service can run on ("bind source '
                                     'path does not exist" otherwise): pin the service with a placement '
                                     'constraint, or use a config or a named volume' % source)

    @staticmethod
    def needs_ipvs(document):
        found = []
        for name, service in (document.get('services') or {}).items():
            reasons = []
            if ((service.get('deploy') or {}).get('endpoint_mode') or 'vip') == 'vip':
                reasons.append('endpoint_mode vip')
            for port in service.get('ports') or []:
                if not isinstance(port, dict) or port.get('mode', 'ingress') == 'ingress':
                    reasons.append('ingress ports')
                    break
            if reasons:
                found.append('%s (%s)' % (name, ', '.join(reasons)))
        return found

    def created_networks(self, document):
        """The names of the networks the stack creates (not external), as the swarm will call them."""
        names = []
        for key, network in ((document or {}).get('networks') or {}).items():
            network = network or {}
            if network.get('external'):
                continue
            names.append(network.get('name') or '%s_%s' % (self.name, key))
        return names


def _read_file(path):
    with open(path, 'rb') as handle:
        return handle.read().decode('utf-8')


def plan_stack(stack, **kwargs):
    """The plan of one stack: see StackPlanner."""
    return StackPlanner(stack, **kwargs).plan()


def cross_stack_problems(plans, overlay_names=()):
    """Problems between stacks, added to the plan they concern: a stack listed twice, a network two
    stacks create, or one that a stack creates and swarm_networks_overlays creates too."""
    seen, creators, ports = {}, {}, {}
    for plan in plans:
        name = plan['name']
        if name in seen:
            plan['problems'].append('Stack %s is listed more than once in swarm_stacks.' % name)
        seen[name] = True
        if plan['state'] != 'present':
            continue
        for network in plan.get('networks_created') or []:
            if network in overlay_names:
                plan['problems'].append(
                    'Stack %s creates network %s, which swarm_networks_overlays creates too: declare it in the '
                    'stack as external: true, or remove it from swarm_networks_overlays.' % (name, network))
            elif network in creators and creators[network] != name:
                plan['problems'].append(
                    'Stack %s creates network %s, which stack %s creates too: let one create it and declare it '
                    'external: true in the other.' % (name, network, creators[network]))
            creators.setdefault(network, name)
        for port, protocol, service in plan.get('ingress_ports') or []:
            other = ports.get((port, protocol))
            if other and not other.startswith(name + '_'):
                plan['problems'].append('Stack %s: service %s publishes port %s/%s through the ingress mesh, as %s '
                                        'does already' % (name, service, port, protocol, other))
            ports.setdefault((port, protocol), service)
    return plans
